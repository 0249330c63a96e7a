"""The search index on disk: segments, incremental = full, clean-up, progress, and what
the reading side (search-core.js under node) finds in the real sample."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from newsvault.config import load_config
from newsvault.site.build import build_site
from newsvault.site.search import index
from newsvault.vault import Vault

from .site_helpers import SAMPLE_POSTS, expected_hits, make_vault, site_post_texts
from .test_search_js import Node


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_layout_depends_on_the_count_only():
    assert index.layout(0) == []
    assert index.layout(5685) == [
        (0, 2048),
        (2048, 2048),
        (4096, 1024),
        (5120, 512),
        (5632, 53),
    ]
    assert index.layout(2048) == [(0, 2048)] and index.layout(600) == [(0, 512), (512, 88)]
    assert index.layout(5119) == [(0, 2048), (2048, 2048), (4096, 512), (4608, 511)]
    assert index.layout(5120) == [(0, 2048), (2048, 2048), (4096, 1024)]
    # (at most one of each size below TOP: a query fetches a bucket per segment)
    for n in range(0, 3 * 2048, 97):
        sizes = [count for _start, count in index.layout(n)]
        assert sum(sizes) == n and len(set(sizes[sizes.count(2048) :])) == len(sizes) - sizes.count(
            2048
        )


@pytest.fixture()
def small_segments(monkeypatch):
    monkeypatch.setattr(index, "TOP", 16)
    monkeypatch.setattr(index, "UNIT", 4)


def test_incremental_index_is_the_full_index(tmp_path, small_segments):
    """New, changed and removed posts: the hourly build writes exactly the files a full
    build of the same posts writes, and re-indexes only the segments that changed."""
    posts = sorted(SAMPLE_POSTS.iterdir())
    a = make_vault(tmp_path / "a", posts[:40])
    vault = Vault(a)
    config = load_config(a)
    build_site(vault, config, full=True)
    first = _tree(a / "_site" / "search" / "data")
    for post in posts[40:43]:  # three newer posts
        shutil.copy2(post, a / "_posts" / post.name)
    (a / "_posts" / posts[39].name).write_text(
        posts[39].read_text(encoding="utf-8") + "\n<p>更正：國務卿</p>\n", encoding="utf-8"
    )
    report = build_site(vault, config)
    assert 0 < report.search_indexed < 43
    (a / "_posts" / posts[41].name).unlink()  # and one gone again
    report = build_site(vault, config)
    assert report.search_indexed < 42
    b = make_vault(tmp_path / "b", [])
    for path in sorted((a / "_posts").iterdir()):
        shutil.copy2(path, b / "_posts" / path.name)
    build_site(Vault(b), load_config(b), full=True)
    incremental, full = (
        _tree(a / "_site" / "search" / "data"),
        _tree(b / "_site" / "search" / "data"),
    )
    assert incremental.keys() == full.keys() and incremental == full
    assert incremental != first
    # nothing changed: nothing indexed, nothing written
    again = build_site(vault, config)
    assert again.search_indexed == 0 and _tree(a / "_site" / "search" / "data") == incremental


def test_a_killed_build_leaves_nothing_behind(tmp_path, small_segments):
    root = make_vault(tmp_path / "v", sorted(SAMPLE_POSTS.iterdir())[:10])
    vault = Vault(root)
    build_site(vault, load_config(root))
    segments = root / "_site" / "search" / "data" / "s"
    (segments / "0000000-0004-half.tmp" / "d").mkdir(parents=True)
    (segments / "0000000-0004-0123456789ab").mkdir()
    (root / "_site" / "search" / "data" / "old.bin").write_bytes(b"x")
    build_site(vault, load_config(root), full=True)
    manifest = json.loads(
        (root / "_site" / "search" / "data" / "index.json").read_text(encoding="utf-8")
    )
    assert sorted(p.name for p in segments.iterdir()) == sorted(
        s["path"][2:-1] for s in manifest["segments"]
    )
    assert sorted(p.name for p in (root / "_site" / "search" / "data").iterdir()) == [
        "index.json",
        "s",
    ]
    assert manifest["docs"] == 10 and [s["count"] for s in manifest["segments"]] == [8, 2]


def test_indexing_shows_progress(tmp_path):
    posts = sorted(SAMPLE_POSTS.iterdir())
    root = make_vault(tmp_path / "v", posts)
    seen = []
    build_site(
        Vault(root),
        load_config(root),
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    steps = [(done, total) for stage, done, total in seen if stage == "search"]
    n = len(posts)
    assert n >= 150 and steps[0] == (0, n) and steps[-1] == (n, n) and len(steps) > 3
    assert all(a[0] < b[0] for a, b in zip(steps, steps[1:], strict=False))


QUERIES = [
    "国务卿",
    "國務卿",
    "台湾",
    "臺灣",
    "台灣",
    "历史",
    "歷史",
    "翻墙",
    "翻牆",
    "罗新",
    "羅新",
    "中国 美国",
    "Blinken",
    '"Antony Blinken"',
    "VPN",
    '"VPN Gate"',
    "蓝灯",
    "日本語",
    "言论自由",
    "2020年",
]


@pytest.mark.node
def test_the_reading_side_finds_what_the_text_holds(built_sample):
    """search-core.js (under node) over the real sample's index, against the truth worked
    out from the built pages: exactly the posts that hold the query."""
    vault, _ = built_sample
    site = vault.site_dir
    data = site / "search" / "data"
    manifest = json.loads((data / "index.json").read_text(encoding="utf-8"))
    urls = {}
    for seg in manifest["segments"]:
        for n in range(seg["count"]):
            doc = json.loads((data / seg["path"] / "d" / f"{n}.json").read_text(encoding="utf-8"))
            urls[seg["start"] + n] = __import__("urllib.parse").parse.unquote(doc["u"])
    texts = site_post_texts(site)
    node = Node()
    try:
        found = node.ask(op="search", index=str(data) + "/", queries=QUERIES)
    finally:
        node.close()
    for query, ordinals in zip(QUERIES, found, strict=True):
        got = {urls[o] for o in ordinals}
        assert len(got) == len(ordinals)
        assert got == expected_hits(query, texts), query


@pytest.mark.node
def test_many_segments_and_big_keys_find_what_one_finds(tmp_path, monkeypatch):
    """The real sample cut into many segments with many keys in files of their own,
    indexed by two workers: the reading side still finds exactly the posts that hold
    the query (a bug here once lost three quarters of the posts of a common word at
    5,685 posts while the one-segment sample was right)."""
    from newsvault.site import parallel
    from newsvault.site.search import encode

    monkeypatch.setattr(index, "TOP", 32)
    monkeypatch.setattr(index, "UNIT", 8)
    monkeypatch.setattr(encode, "BIG", 128)
    monkeypatch.setattr(parallel, "MIN_JOBS", 10)
    root = make_vault(
        tmp_path / "v",
        sorted(SAMPLE_POSTS.iterdir()),
        '[site]\nbase_url = "https://example.org"\nworkers = 2\n',
    )
    build_site(Vault(root), load_config(root), full=True)
    site = root / "_site"
    data = site / "search" / "data"
    manifest = json.loads((data / "index.json").read_text(encoding="utf-8"))
    assert len(manifest["segments"]) > 5 and sum(len(s["big"]) for s in manifest["segments"]) > 100
    urls = {}
    for seg in manifest["segments"]:
        for n in range(seg["count"]):
            doc = json.loads((data / seg["path"] / "d" / f"{n}.json").read_text(encoding="utf-8"))
            urls[seg["start"] + n] = __import__("urllib.parse").parse.unquote(doc["u"])
    texts = site_post_texts(site)
    queries = QUERIES + ["一个", "我们", "the", "中国"]
    node = Node()
    try:
        found = node.ask(op="search", index=str(data) + "/", queries=queries)
    finally:
        node.close()
    for query, ordinals in zip(queries, found, strict=True):
        assert {urls[o] for o in ordinals} == expected_hits(query, texts), query
    assert len(expected_hits("一个", texts)) > 100


@pytest.mark.node
def test_excerpts_from_the_record_are_the_whole_texts(built_sample):
    """A record holds the start of its text; the rest is fetched only when the excerpt
    needs it, and the excerpt is then the one the whole text gives."""
    vault, _ = built_sample
    data = vault.site_dir / "search" / "data"
    node = Node()
    try:
        got = [
            r
            for query in ["台湾", "國務卿", "Blinken", "历史", "一个", '"Hong Kong"', "VPN 翻墙"]
            for r in node.ask(op="articles", index=str(data) + "/", query=query, n=10)
        ]
    finally:
        node.close()
    assert len(got) > 40 and all(r["got"] == r["want"] for r in got)
    longer = [r for r in got if r["more"]]
    assert (
        any(r["fetched"] for r in longer)
        and sum(not r["fetched"] for r in longer) > len(longer) / 2
    )


def test_the_cli_search_bar_moves(tmp_path):
    """``newsvault build`` on a terminal: the *search* bar passes through counts between
    0 and the total while the index is built (not 0/1 for the whole run)."""
    import os
    import pty
    import re
    import select
    import subprocess
    import sys

    posts = sorted(SAMPLE_POSTS.iterdir())
    root = make_vault(tmp_path / "v", [], '[site]\nbase_url = "https://example.org"\n')
    for copy in range(3):  # ~600 posts: long enough for the bar to be redrawn several times
        for post in posts:
            stem, ext = post.name.rsplit(".", 1)
            shutil.copyfile(post, root / "_posts" / f"{stem[:120]} {copy}.{ext}")
    n = 3 * len(posts)
    main, sub = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsvault", "build", "--vault", str(root), "--full"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=sub,
        env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
    )
    os.close(sub)
    screen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the build ended and closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    assert proc.wait(timeout=60) == 0
    os.close(main)
    counts = {
        int(done)
        for done, total in re.findall(rb"search[^\r\n]*?(\d+)/(\d+)", screen)
        if int(total) == n
    }
    assert 0 in counts and len({c for c in counts if 0 < c < n}) >= 2, sorted(counts)
