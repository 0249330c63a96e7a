"""The page plan does no I/O (issue 13.5): ``site/build.py`` reads what the plan needs
into ``SiteInputs`` first, and a page reads its post or file only when it is rendered.

The plan is made here with the file system, SQLite and subprocesses forbidden (an audit
hook refuses opening, listing, connecting and spawning; ``os.stat`` and its kin are
replaced), and must give the very pages the build just wrote: the same paths and keys.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsvault.archive.files import post_files
from newsvault.clock import parse_tz
from newsvault.config import load_config
from newsvault.site.build import build_site
from newsvault.site.inputs import read_inputs
from newsvault.site.output import load_manifest
from newsvault.site.plan import Plan
from newsvault.site.posts import PostCache, scan, site_posts
from newsvault.vault import Vault

from .site_helpers import SAMPLE_POSTS, make_vault

# Audit events of reading or changing the world outside the process (docs.python.org's
# audit events table); ``os.stat`` has none, so it and its kin are replaced below.
FORBIDDEN_EVENTS = {
    "open",
    "os.listdir",
    "os.scandir",
    "os.mkdir",
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.truncate",
    "os.utime",
    "os.chmod",
    "shutil.copyfile",
    "sqlite3.connect",
    "subprocess.Popen",
    "os.system",
    "socket.connect",
}
STAT_FUNCTIONS = ("stat", "lstat", "access", "listdir", "scandir", "walk")

_forbidden = False


class ForbiddenIO(AssertionError):
    pass


def _audit(event: str, args: tuple) -> None:
    if _forbidden and event in FORBIDDEN_EVENTS:
        raise ForbiddenIO(f"I/O while planning: {event} {args!r}"[:300])


sys.addaudithook(_audit)  # hooks cannot be removed: this one acts only inside no_io()


@contextmanager
def no_io(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    global _forbidden

    def refuse(name: str):
        def refused(*args, **kwargs):
            raise ForbiddenIO(f"I/O while planning: os.{name}{args!r}"[:300])

        return refused

    with monkeypatch.context() as m:
        for name in STAT_FUNCTIONS:
            m.setattr(os, name, refuse(name))
        _forbidden = True
        try:
            yield
        finally:
            _forbidden = False


def _vault(root: Path) -> Vault:
    """A vault with something of every input: subscriptions, assets (and a symbolic link
    in them), an adopted site's old page and kept files, a base URL (the sitemap)."""
    posts = sorted(SAMPLE_POSTS.iterdir())[:12]
    toml = (
        '[site]\nbase_url = "https://example.org/news/"\nbase_path = "/news/"\n'
        "[legacy]\n"
        'feeds = ["/atom.xml"]\npaginate = 5\npages = ["about.md"]\n'
        'redirects = {"/archive.html" = "/archive/"}\nkeep = ["CNAME", "images"]\n'
    )
    make_vault(root, posts, toml)
    (root / "subs.json").write_text(
        '[{"site": "Quiet Feed", "url": "https://quiet.example/feed.xml"}]', encoding="utf-8"
    )
    (root / "about.md").write_text("---\ntitle: About\n---\nWho keeps this.\n", encoding="utf-8")
    (root / "CNAME").write_text("example.org\n", encoding="utf-8")
    (root / "images").mkdir()
    (root / "images" / "logo.png").write_bytes(b"\x89PNG old logo")
    (root / "assets" / "img").mkdir(parents=True)
    (root / "assets" / "img" / "a.png").write_bytes(b"\x89PNG an archived image")
    (root / "assets" / "elsewhere.png").symlink_to("/etc/hostname")
    return Vault(root)


def test_the_plan_gives_the_built_pages_with_io_forbidden(tmp_path, monkeypatch):
    vault = _vault(tmp_path / "vault")
    config = load_config(vault.root)
    report = build_site(vault, config, search=False)
    built = load_manifest(vault.state_dir / "site" / "manifest.pickle")
    assert any(note.startswith("skipped the symbolic link") for note in report.notes)
    for kind in (
        "about.html",
        "archive.html",
        "page2/index.html",
        "CNAME",
        "images/logo.png",
        "assets/img/a.png",
        "atom.xml",
    ):
        assert kind in built, kind

    metas, _ = scan(vault.root, post_files(vault.root), PostCache(tmp_path / "no-cache.pickle"))
    posts = site_posts(metas, config.site.permalink, parse_tz("UTC"), None, "/news/")
    inputs = read_inputs(vault, config)
    assert inputs.subscribed == ("Quiet Feed",) and inputs.legacy_texts

    with no_io(monkeypatch):
        plan = Plan(vault, config.site, inputs, config.mirrors, config.legacy)
        pages = plan.pages(posts)
    assert {page.out: page.key for page in pages} == built
    assert list(dict.fromkeys(plan.notes)) == list(report.notes)


def test_the_guard_catches_io(tmp_path, monkeypatch):
    """The check above can fail: each kind of access is refused inside ``no_io``."""
    (tmp_path / "f").write_text("x", encoding="utf-8")
    vault, config = Vault(tmp_path), load_config(tmp_path)
    attempts = [
        lambda: (tmp_path / "f").read_bytes(),
        lambda: (tmp_path / "f").is_file(),
        lambda: list(tmp_path.iterdir()),
        lambda: os.open(tmp_path / "f", os.O_RDONLY),
        lambda: __import__("sqlite3").connect(":memory:"),
        lambda: read_inputs(vault, config),
    ]
    with no_io(monkeypatch):
        for attempt in attempts:
            with pytest.raises(ForbiddenIO):
                attempt()
    assert (tmp_path / "f").read_bytes() == b"x"  # and allowed again afterwards
