"""Issue 16 item 2: `serve` honours base_path; URL settings take effect on the next
build; --full rebuilds the search index; a damaged index is repaired."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import pytest

from newsvault.config import load_config
from newsvault.serve import serve_in_thread
from newsvault.site.build import build_site
from newsvault.vault import Vault

from .site_helpers import REPO, SAMPLE_POSTS, SEED_DIR, make_vault

SETTINGS = '[site]\ntitle = "Mirror"\nbase_url = "https://u.github.io"\ntimezone = "UTC"\n'


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    posts = sorted(SAMPLE_POSTS.iterdir())[::6][:30] + sorted(SEED_DIR.glob("*.md"))
    return make_vault(tmp_path / "vault", posts, SETTINGS)


def _set(root: Path, extra: str) -> None:
    (root / "newsvault.toml").write_text(SETTINGS + extra, encoding="utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_serve_under_base_path_redirects_root_and_404s_outside(small: Path) -> None:
    _set(small, 'base_path = "/oped2/"\n')
    vault = Vault(small)
    build_site(vault, load_config(small), search=False)
    server, base = serve_in_thread(vault.site_dir, base_path="oped2")
    try:
        assert base.endswith("/oped2/")
        root = base[: -len("oped2/")]
        status, headers, _ = _get(root)
        assert status == 302 and headers["Location"] == "/oped2/"
        status, _, body = _get(base)
        assert status == 200 and b'href="theme/style.css"' in body
        assert _get(base + "theme/style.css")[0] == 200
        status, _, body = _get(root + "theme/style.css")  # outside the base path
        assert status == 404 and b'href="/oped2/theme/style.css"' in body  # the site's 404 page
        status, _, body = _get(base + "no/such/page/")
        assert status == 404 and _get(base + "theme/style.css")[0] == 200
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_reads_base_path_from_the_settings(small: Path) -> None:
    _set(small, 'base_path = "/oped2/"\n')
    build_site(Vault(small), load_config(small), search=False)
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsvault", "serve", "--vault", str(small), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(f"http://127.0.0.1:{port}/oped2/")
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert status == 200 and b"Mirror" in body
        assert _get(f"http://127.0.0.1:{port}/")[1]["Location"] == "/oped2/"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _err = proc.communicate(timeout=90)
    assert f"http://127.0.0.1:{port}/oped2/" in out


def test_changing_base_path_or_permalink_takes_effect_on_the_next_build(small: Path) -> None:
    vault = Vault(small)
    build_site(vault, load_config(small))
    site = vault.site_dir
    assert b'href="/theme/style.css"' in (site / "404.html").read_bytes()
    _set(small, 'base_path = "/oped2/"\n')
    build_site(vault, load_config(small))  # incremental: no --full, no deleted caches
    assert b'href="/oped2/theme/style.css"' in (site / "404.html").read_bytes()
    assert b"https://u.github.io/oped2/20" in (site / "feed.xml").read_bytes()
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("<loc>https://u.github.io/oped2/") == sitemap.count("<loc>")
    _set(small, 'base_path = "/oped2/"\npermalink = "/:year/:month/:title.html"\n')
    build_site(vault, load_config(small))
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="2021/01/' in home and 'href="2021-01-27/' not in home
    docs = [
        json.loads(p.read_text(encoding="utf-8"))["u"]
        for p in (site / "search" / "data").rglob("d/*.json")
    ]
    assert docs and all(u.endswith(".html") and u[:4].isdigit() and u[4] == "/" for u in docs)
    assert all((site / unquote(u)).is_file() for u in docs)


def _segment_files(site: Path) -> list[Path]:
    return sorted(p for p in (site / "search" / "data" / "s").rglob("*") if p.is_file())


def test_full_rebuilds_the_search_index_and_a_damaged_index_is_repaired(small: Path) -> None:
    vault = Vault(small)
    first = build_site(vault, load_config(small))
    assert first.search_indexed == 31
    site = vault.site_dir
    files = {p: p.read_bytes() for p in _segment_files(site)}
    again = build_site(vault, load_config(small))
    assert again.search_indexed == 0  # nothing changed: the segment is kept
    full = build_site(vault, load_config(small), full=True)
    assert full.search_indexed == 31 and {p: p.read_bytes() for p in _segment_files(site)} == files
    bucket = next(p for p in files if p.suffix == ".bin")
    doc = next(p for p in files if p.parent.name == "d")
    bucket.write_bytes(bucket.read_bytes()[:-3])  # truncated
    doc.unlink()  # and a file lost
    repaired = build_site(vault, load_config(small))
    assert repaired.search_indexed == 31
    assert {p: p.read_bytes() for p in _segment_files(site)} == files
