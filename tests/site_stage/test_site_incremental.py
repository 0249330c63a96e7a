"""Acceptance: adding 10 posts rebuilds quickly and exactly like a full build."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsvault.config import load_config
from newsvault.site.build import build_site
from newsvault.vault import Vault

from .site_helpers import SAMPLE_POSTS, make_vault

pytestmark = pytest.mark.slow


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the build's worker
    processes): unlike wall time, it does not depend on what else the machine runs."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@pytest.fixture
def measured_dir(tmp_path: Path) -> Iterator[Path]:
    """Where the timed builds run: tmpfs when there is one. On this VM's ext4 (mounted
    with ``discard``) the kernel time of rewriting files swings with whatever was deleted
    shortly before (pytest itself removes old temporary folders), which would measure the
    disk, not the build; the benchmark builds on tmpfs for the same reason."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm) as name:
            yield Path(name)
    else:
        yield tmp_path


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_adding_ten_posts_is_fast_and_equals_a_full_build(measured_dir):
    posts = sorted(SAMPLE_POSTS.iterdir())
    added = sorted(posts, key=lambda p: p.name)[-10:]  # the newest: what an hourly fetch adds
    assert len(added) == 10
    a = Vault(make_vault(measured_dir / "a", [p for p in posts if p not in added]))
    config = load_config(a.root)
    build_site(a, config, full=True, search=False)
    # Interleaved rounds (incremental, then full) so that load from other processes
    # hits both alike; the ratio of each round, median of five.
    ratios, incs, fulls = [], [], []
    for _ in range(5):
        for p in added:
            (a.posts_dir / p.name).unlink(missing_ok=True)
        build_site(a, config, search=False)
        for p in added:
            shutil.copy2(p, a.posts_dir / p.name)
        start = cpu_seconds()
        report = build_site(a, config, search=False)
        incs.append(cpu_seconds() - start)
        assert report.parsed == 10 and report.posts == len(posts)
        assert (
            report.rendered < report.files / 8
        )  # tests/data: 35 of 319 (the lists, feeds, neighbours)
        start = cpu_seconds()
        build_site(a, config, full=True, search=False)
        fulls.append(cpu_seconds() - start)
        ratios.append(incs[-1] / fulls[-1])
    ratio = statistics.median(ratios)
    print(
        f"incremental {statistics.median(incs):.3f}s CPU vs full {statistics.median(fulls):.3f}s CPU: {ratio:.1%}"
    )
    assert ratio < 0.15, (incs, fulls)

    b = Vault(make_vault(measured_dir / "b", posts))
    build_site(b, config, full=True, search=False)
    incremental, full = tree(a.site_dir), tree(b.site_dir)
    assert incremental.keys() == full.keys()
    assert [k for k in full if incremental[k] != full[k]] == []
    # and --full over the incremental result changes nothing
    assert build_site(a, config, full=True, search=False).written == 0


def test_removed_and_changed_posts_follow(tmp_path):
    posts = sorted(SAMPLE_POSTS.iterdir())[:30]
    a = Vault(make_vault(tmp_path / "a", posts))
    config = load_config(a.root)
    build_site(a, config, search=False)
    gone, changed = posts[3], posts[7]
    (a.posts_dir / gone.name).unlink()
    text = changed.read_text(encoding="utf-8").replace('\ntitle: "', '\ntitle: "EDITED ', 1)
    (a.posts_dir / changed.name).write_text(text, encoding="utf-8")
    report = build_site(a, config, search=False)
    assert report.parsed == 1 and report.removed >= 1
    b = Vault(make_vault(tmp_path / "b", [p for p in posts if p != gone]))
    (b.posts_dir / changed.name).write_text(text, encoding="utf-8")
    build_site(b, config, search=False)
    assert tree(a.site_dir) == tree(b.site_dir)
    assert "EDITED" in (a.site_dir / "index.html").read_text(encoding="utf-8")


def test_a_new_post_leaves_the_numbered_list_pages_alone(tmp_path):
    """Numbered list pages keep their posts, so an hourly build must not rewrite them
    (a source's article count, shown on each, once made it rewrite all of them)."""
    posts = sorted(SAMPLE_POSTS.iterdir())
    # 9 a page: many numbered pages, and the new post completes none (195 → 196 posts,
    # 39 → 40 from medium)
    vault = Vault(make_vault(tmp_path / "v", posts[:-1], "[site]\nper_page = 9\n"))
    config = load_config(vault.root)
    build_site(vault, config, search=False)
    numbered = sorted(vault.site_dir.glob("**/page/*/index.html"))
    assert len(numbered) > 10
    before = {p: p.stat().st_mtime_ns for p in numbered}
    front = vault.site_dir / "sources" / "medium" / "index.html"
    old_front = front.read_bytes()
    shutil.copy2(posts[-1], vault.posts_dir / posts[-1].name)  # the newest post, from medium
    build_site(vault, config, search=False)
    assert {p: p.stat().st_mtime_ns for p in numbered} == before
    assert front.read_bytes() != old_front


def test_sitemap_parts_hold_the_oldest_posts_first(tmp_path, monkeypatch):
    """Past SITEMAP_PART URLs, sitemap.xml indexes parts; a new post changes only the
    last part (and the index), not the parts of older posts."""
    from lxml import etree

    from newsvault.site import fixedpages

    monkeypatch.setattr(fixedpages, "SITEMAP_PART", 40)
    posts = sorted(SAMPLE_POSTS.iterdir())[-101:]
    vault = Vault(make_vault(tmp_path / "v", posts[:-1]))
    (vault.root / "newsvault.toml").write_text(
        '[site]\nbase_url = "https://example.org"\n', encoding="utf-8"
    )
    config = load_config(vault.root)
    build_site(vault, config, search=False)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = etree.parse(str(vault.site_dir / "sitemap.xml")).getroot()
    assert index.tag == f"{ns}sitemapindex"
    assert [loc.text for loc in index.iter(f"{ns}loc")] == [
        f"https://example.org/sitemap-{n}.xml" for n in (1, 2, 3)
    ]
    parts = [vault.site_dir / f"sitemap-{n}.xml" for n in (1, 2, 3)]
    locs = [loc.text for p in parts for loc in etree.parse(str(p)).getroot().iter(f"{ns}loc")]
    assert len(locs) == 101 and locs[-1] == "https://example.org/"  # 100 posts, then the front page
    before = [p.stat().st_mtime_ns for p in parts]
    shutil.copy2(posts[-1], vault.posts_dir / posts[-1].name)
    build_site(vault, config, search=False)
    after = [p.stat().st_mtime_ns for p in parts]
    assert after[:2] == before[:2] and after[2] != before[2]
