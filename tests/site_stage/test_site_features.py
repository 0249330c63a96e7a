"""Site features on a small vault: CLI, serve, theme overrides, base path, assets, sources."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone

import feedparser
import pytest

from newsvault.config import load_config
from newsvault.serve import serve_in_thread
from newsvault.site.build import build_site
from newsvault.vault import Vault

from .site_helpers import REPO, SAMPLE_POSTS, SEED_DIR, make_vault


@pytest.fixture()
def small(tmp_path):
    posts = sorted(SAMPLE_POSTS.iterdir())[::6][:30] + sorted(SEED_DIR.glob("*.md"))  # 31 posts
    return make_vault(tmp_path / "vault", posts)


def _cli(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run(
        [sys.executable, "-m", "newsvault", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_cli_build_json_and_no_search(small):
    proc = _cli("build", "--vault", str(small), "--json", "--no-search")
    assert proc.returncode == 0, proc.stderr
    import json

    report = json.loads(proc.stdout)
    assert report["posts"] == 31 and report["search_seconds"] is None
    assert (
        small / "_site" / "robots.txt"
    ).read_text() == "User-agent: *\nAllow: /\n"  # no base_url
    assert (small / "_site" / "index.html").is_file()
    again = json.loads(_cli("build", "--vault", str(small), "--json", "--no-search").stdout)
    assert again["rendered"] == 0 and again["written"] == 0
    full = json.loads(
        _cli("build", "--vault", str(small), "--json", "--no-search", "--full").stdout
    )
    assert full["rendered"] == full["files"] and full["written"] == 0


def test_cli_build_reports_search_time(small):
    proc = _cli("build", "--vault", str(small))
    assert proc.returncode == 0, proc.stderr
    assert "Search index: 31 of 31 posts indexed in" in proc.stdout
    assert (small / "_site" / "search" / "data" / "index.json").is_file()
    again = _cli("build", "--vault", str(small), "--json")
    report = json.loads(again.stdout)
    assert report["search_indexed"] == 0 and report["search_engine"].startswith("newsvault-search")


def test_search_index_of_an_archive_without_posts(tmp_path):
    """No post yet: an index with no segment, which the search page reads as no results."""
    root = make_vault(tmp_path / "empty", [])
    build_site(Vault(root), load_config(root), full=True)
    manifest = json.loads(
        (root / "_site" / "search" / "data" / "index.json").read_text(encoding="utf-8")
    )
    assert manifest["docs"] == 0 and manifest["segments"] == []


def test_cli_errors_are_one_line(tmp_path):
    (tmp_path / "newsvault.toml").write_text("[site]\nper_pgae = 3\n", encoding="utf-8")
    proc = _cli("build", "--vault", str(tmp_path))
    assert proc.returncode == 2 and "per_page" in proc.stderr and "Traceback" not in proc.stderr
    proc = _cli("serve", "--vault", str(tmp_path), "--port", "0")  # a vault, never built
    assert proc.returncode == 2 and "newsvault build" in proc.stderr


def test_serve_serves_pages_404_and_the_index(small):
    vault = Vault(small)
    build_site(vault, load_config(small))
    server, base = serve_in_thread(vault.site_dir)
    try:
        with urllib.request.urlopen(base) as resp:
            assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
        bucket = next((vault.site_dir / "search" / "data").rglob("*.bin")).relative_to(
            vault.site_dir
        )
        with urllib.request.urlopen(base + bucket.as_posix()) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"] == "application/octet-stream"
        with urllib.request.urlopen(base + "theme/fold.json") as resp:
            assert resp.headers["Content-Type"] == "application/json"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "no/such/page/")
        assert err.value.code == 404 and "找不到" in err.value.read().decode()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "theme/")
        assert err.value.code == 404  # no directory listings
    finally:
        server.shutdown()
        server.server_close()


def test_serve_keeps_the_connection_open_for_every_answer(small):
    """A search makes 20-40 requests: one connection answers them all (HTTP/1.1), each
    answer with its length, the 404 page and the folder redirect included."""
    import http.client

    vault = Vault(small)
    build_site(vault, load_config(small))
    server, base = serve_in_thread(vault.site_dir)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.connect()
        sock = conn.sock
        bucket = next((vault.site_dir / "search" / "data").rglob("*.bin"))
        for path, status, size in [
            ("/", 200, (vault.site_dir / "index.html").stat().st_size),
            ("/" + bucket.relative_to(vault.site_dir).as_posix(), 200, bucket.stat().st_size),
            ("/no/such/page/", 404, (vault.site_dir / "404.html").stat().st_size),
            ("/search", 301, 0),
            ("/search/", 200, (vault.site_dir / "search" / "index.html").stat().st_size),
        ]:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            assert (resp.version, resp.status, len(body)) == (11, status, size), path
            assert int(resp.headers["Content-Length"]) == size and not resp.will_close
        assert conn.sock is sock  # the same connection throughout
        conn.close()
    finally:
        server.shutdown()
        server.server_close()


def test_serve_is_quiet_when_a_browser_drops_a_kept_open_connection(small, capfd):
    import socket
    import struct
    import threading

    vault = Vault(small)
    build_site(vault, load_config(small))
    server, _base = serve_in_thread(vault.site_dir)
    handled = threading.Event()
    own = server.handle_error

    def handle_error(request, client_address):
        own(request, client_address)
        handled.set()

    server.handle_error = handle_error
    try:
        capfd.readouterr()
        sock = socket.create_connection(server.server_address, timeout=10)
        sock.sendall(b"GET /theme/style.css HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(12) == b"HTTP/1.1 200"
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset, as a closed tab gives, while the server waits for more
        assert handled.wait(10)
        assert "Traceback" not in capfd.readouterr().err
    finally:
        server.shutdown()
        server.server_close()


def test_vault_templates_override_and_base_path(small):
    (small / "templates").mkdir()
    (small / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>MY OWN 404</p>{% endblock %}', encoding="utf-8"
    )
    (small / "newsvault.toml").write_text(
        '[site]\nbase_path = "/repo/"\nbase_url = "https://u.github.io"\ntitle = "Mirror"\n'
        'timezone = "UTC"\nper_page = 10\n',
        encoding="utf-8",
    )
    vault = Vault(small)
    build_site(vault, load_config(small), search=False)
    site = vault.site_dir
    not_found = (site / "404.html").read_text(encoding="utf-8")
    # the 404 page shows at any address: its links are root-absolute, under the base path
    assert "MY OWN 404" in not_found and 'href="/repo/theme/style.css"' in not_found
    home = (site / "index.html").read_text(encoding="utf-8")  # the others' are relative
    assert 'href="theme/style.css"' in home and 'href="page/2/index.html"' in home
    assert home.count('<li><a href="20') >= 10 and "/repo/" not in home
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.bozo == 0 and feed.entries[0].link.startswith("https://u.github.io/repo/20")
    seed = next(site.glob("2021-01-27/美國務卿*/index.html")).read_text(encoding="utf-8")
    assert "2021-01-27 23:57 (UTC)" in seed
    # a template change re-renders everything that uses it
    (small / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>CHANGED</p>{% endblock %}', encoding="utf-8"
    )
    report = build_site(vault, load_config(small), search=False)
    static = len(list((site / "theme").iterdir()))  # copied files: not rendered
    assert (
        "CHANGED" in (site / "404.html").read_text(encoding="utf-8")
        and report.rendered == report.files - static
    )


def test_local_images_are_copied_and_kept_local(small):
    img = small / "assets" / "img" / "ab12.png"
    img.parent.mkdir(parents=True)
    img.write_bytes(b"\x89PNG fake")
    post = small / "_posts" / "2021-02-01-local image.md"
    post.write_text(
        '---\nlayout: post\ntitle: "local image"\ndate: 2021-02-01T00:00:00.000Z\n'
        "author: a\nfrom: https://news.example/x\ntags: [ S ]\ncategories: [ S ]\n---\n"
        "<!--1612137600000-->\n[local image](https://news.example/x)\n------\n\n<div>\n"
        '<p><img src="/assets/img/ab12.png"><a href="/about">about</a></p>\n</div>\n',
        encoding="utf-8",
    )
    vault = Vault(small)
    build_site(vault, load_config(small), search=False)
    assert (vault.site_dir / "assets" / "img" / "ab12.png").read_bytes() == b"\x89PNG fake"
    page = (vault.site_dir / "2021-02-01" / "local-image" / "index.html").read_text(
        encoding="utf-8"
    )
    assert 'src="../../assets/img/ab12.png"' in page and 'href="https://news.example/about"' in page
    img.unlink()
    build_site(vault, load_config(small), search=False)
    assert not (vault.site_dir / "assets" / "img" / "ab12.png").exists()


def test_sources_page_shows_last_successful_update(small):
    vault = Vault(small)
    build_site(vault, load_config(small), search=False)
    page = (vault.site_dir / "sources" / "index.html").read_text(encoding="utf-8")
    assert "未知" in page  # no fetch state: unknown
    from newsvault.fetch import state
    from newsvault.fetch.report import OK, FeedResult

    vault.index_file.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(vault.index_file)
    state.ensure_schema(db)
    state.record_results(
        db,
        datetime(2021, 1, 28, 1, 0, tzinfo=timezone.utc),
        [FeedResult("(臺)中央社CNA", "https://example.org/feed", OK, new=1)],
    )
    db.close()
    build_site(vault, load_config(small), search=False)
    page = (vault.site_dir / "sources" / "index.html").read_text(encoding="utf-8")
    assert "2021-01-28 09:00 (UTC+08:00)" in page


def test_source_feed_limits_to_latest_entries(small):
    (small / "newsvault.toml").write_text("[site]\nfeed_entries = 3\n", encoding="utf-8")
    vault = Vault(small)
    build_site(vault, load_config(small), search=False)
    for feed in [vault.site_dir / "feed.xml", *(vault.site_dir / "sources").glob("*/feed.xml")]:
        parsed = feedparser.parse(feed.read_bytes())
        assert parsed.bozo == 0 and 1 <= len(parsed.entries) <= 3


def test_files_without_front_matter_are_not_pages(small):
    (small / "_posts" / "2021-03-01-notes.md").write_text(
        "just text, no front matter\n", encoding="utf-8"
    )
    report = build_site(Vault(small), load_config(small), search=False)
    assert report.posts == 31 and not (small / "_site" / "2021-03-01").exists()


def test_parallel_build_equals_serial(tmp_path, monkeypatch):
    import newsvault.site.posts as site_posts_module

    monkeypatch.setattr(site_posts_module, "SCAN_MIN_JOBS", 100)  # so that the scan forks too
    posts = sorted(SAMPLE_POSTS.iterdir())[:260]
    trees = []
    for workers in (1, 2):
        root = make_vault(tmp_path / f"w{workers}", posts, f"[site]\nworkers = {workers}\n")
        report = build_site(Vault(root), load_config(root), search=False)
        assert report.rendered == report.files
        trees.append(
            {
                p.relative_to(root / "_site").as_posix(): p.read_bytes()
                for p in (root / "_site").rglob("*")
                if p.is_file()
            }
        )
    assert trees[0] == trees[1]


def _head_fields(post) -> tuple:
    a = post.article
    return (
        post.layout,
        post.front_matter,
        a.title,
        a.date,
        a.author,
        a.link,
        a.site,
        a.tags,
        a.categories,
    )


@pytest.mark.parametrize("shift", [-4000, -60, -30, -1, 0, 1, 30, 12_000])
def test_scan_reads_the_head_and_agrees_with_the_whole_file(tmp_path, shift):
    """The scan parses only the first 8 KB when they hold the front matter and a body line;
    front matter (or the first body line) ending near or beyond that boundary makes it read
    the whole file. ``shift``: where the front matter ends, relative to the head's end."""
    from newsvault.archive.posts import read_post
    from newsvault.site.posts import HEAD, read_head

    def text(title: str) -> str:
        return (
            f'---\nlayout: post\ntitle: "{title}"\ndate: 2021-01-27T05:00:00+08:00\n'
            f"author: A\nfrom: https://example.org/a\ntags: [ X ]\ncategories: [ X ]\n---\n"
            f"<!--1611694800000-->\n[{title}](https://example.org/a)\n------\n\n<div>\n"
            + "<p>內容</p>" * 3000
            + "\n</div>\n"
        )

    fixed = len(text("").encode()) - len(text("").split("---\n<!--")[1].encode()) - len("<!--")
    title = "國務卿" + "a" * (HEAD + shift - fixed - len("國務卿".encode()))
    data = text(title).encode()
    assert data.index(b"---\n<!--") + 4 == HEAD + shift  # the front matter ends where intended
    path = tmp_path / "2021-01-27-t.md"
    path.write_bytes(data)
    head, size, _mtime = read_head(path)
    assert size == len(data)
    assert _head_fields(head) == _head_fields(read_post(path, diagnose=False))
    assert head.layout == "link" and head.article.title == title
