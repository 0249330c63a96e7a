"""Acceptance: the real sample (196 posts + the seed) builds into a complete, linked site."""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsvault.site.permalink import output_path

from .site_helpers import SAMPLE_POSTS, SEED_DIR

pytestmark = pytest.mark.slow


def _site_posts(vault):
    from newsvault.archive.files import post_files
    from newsvault.config import load_config
    from newsvault.site.permalink import parse_tz
    from newsvault.site.posts import PostCache, scan, site_posts

    metas, _ = scan(vault.root, post_files(vault.root), PostCache(Path("/nonexistent/x")))
    return site_posts(metas, load_config(vault.root).site.permalink, parse_tz("UTC"))


def test_every_post_has_its_page(built_sample):
    vault, report = built_sample
    posts = _site_posts(vault)
    names = {p.name for p in SAMPLE_POSTS.iterdir()} | {p.name for p in SEED_DIR.glob("*.md")}
    assert {p.name.rpartition("/")[2] for p in posts} == names and report.posts == len(names) == 197
    for post in posts:
        page = (vault.site_dir / output_path(post.url)).read_text(encoding="utf-8")
        assert f"<h1>{html.escape(post.title, quote=False) or '（無標題）'}</h1>" in page, post.name
    # the two posts Jekyll gives the same URL both have a page
    covid = [p.url for p in posts if "Zero" in p.name and "COVID" in p.name]
    assert len(covid) == 2 and len(set(covid)) == 2


def _internal_targets(site: Path, page: Path, text: str):
    doc = lxml.html.document_fromstring(text)
    for ref in doc.xpath("//@href | //@src"):
        ref = ref.strip()
        parts = urlsplit(ref)
        if parts.scheme or ref.startswith(("//", "#")) or not parts.path:
            continue
        path = unquote(parts.path)
        target = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
        yield ref, target / "index.html" if path.endswith("/") else target


def test_internal_links_resolve(built_sample):
    vault, _ = built_sample
    site = vault.site_dir
    pages = list(site.rglob("*.html"))
    assert len(pages) > len(_site_posts(vault)) + 100  # a page per post, and the lists
    missing, checked = [], 0
    for page in pages:
        for ref, target in _internal_targets(site, page, page.read_text(encoding="utf-8")):
            checked += 1
            if not target.is_file():
                missing.append((str(page.relative_to(site)), ref))
    assert not missing[:20]
    assert checked > 5_000  # 5,339 with tests/data
    # the search page's scripts and the index are part of the site
    search = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert "theme/search-core.js" in search and (site / "search" / "data" / "index.json").is_file()


def test_no_third_party_references_in_theme(built_sample):
    vault, _ = built_sample
    home = (vault.site_dir / "index.html").read_text(encoding="utf-8")
    css = (vault.site_dir / "theme" / "style.css").read_text(encoding="utf-8")
    assert "http" not in css and "@import" not in css
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", home)


def test_feeds_parse_without_errors(built_sample):
    vault, _ = built_sample
    feeds = [vault.site_dir / "feed.xml"] + sorted((vault.site_dir / "sources").glob("*/feed.xml"))
    assert len(feeds) >= 9
    posts = _site_posts(vault)
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert parsed.bozo == 0, (feed, parsed.get("bozo_exception"))
        assert 0 < len(parsed.entries) <= 100
    site_feed = feedparser.parse((vault.site_dir / "feed.xml").read_bytes())
    assert [e.title for e in site_feed.entries] == [p.title for p in posts[:100]]
    assert site_feed.entries[0].link.startswith("https://example.org/")


def test_control_characters_do_not_reach_the_feeds(built_sample):
    vault, _ = built_sample
    with_bs = [
        p
        for p in SAMPLE_POSTS.iterdir()
        if "\b" in p.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
    ]
    assert with_bs  # the sample has U+0008 in content
    for feed in [vault.site_dir / "feed.xml", *(vault.site_dir / "sources").glob("*/feed.xml")]:
        assert b"\x08" not in feed.read_bytes()


def test_sitemap_robots_404_and_lists(built_sample):
    vault, _ = built_sample
    site = vault.site_dir
    tree = etree.parse(str(site / "sitemap.xml"))
    locs = tree.findall(".//{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    assert len(locs) == 198 and all(loc.text.startswith("https://example.org/") for loc in locs)
    assert "Sitemap: https://example.org/sitemap.xml" in (site / "robots.txt").read_text()
    assert (site / "404.html").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    # 197 posts: page/1/ and page/2/ hold the oldest 50 each; the front page the newest 97
    # (the newest 47 do not fill a page yet, so they join the 50 before them)
    assert home.count('<li><a href="') == 97 and 'href="page/2/index.html"' in home
    assert (site / "page" / "1" / "index.html").is_file() and not (site / "page" / "3").exists()
    assert (site / "page" / "1" / "index.html").read_text(encoding="utf-8").count(
        '<li><a href="'
    ) == 50
    sources = (site / "sources" / "index.html").read_text(encoding="utf-8")
    assert "iYouPort" in sources and "(臺)中央社CNA" in sources
    assert (site / "archive" / "2021" / "01" / "index.html").is_file()
    assert (site / "tags" / "index.html").is_file() and (
        site / "categories" / "index.html"
    ).is_file()


def test_post_page_shows_date_in_display_zone_and_neighbours(built_sample):
    vault, _ = built_sample
    seed = next(p for p in _site_posts(vault) if p.name.startswith("_posts/2021-01-27-美國務卿"))
    page = (vault.site_dir / output_path(seed.url)).read_text(encoding="utf-8")
    assert "2021-01-28 07:57 (UTC+08:00)" in page  # 23:57:20Z shown in UTC+8
    assert 'rel="next"' in page and 'rel="prev"' in page
    assert 'href="https://www.cna.com.tw/news/firstnews/202101280007.aspx"' in page
    assert "<!--1611791840000-->" not in page and "布林肯" in page


@given(st.lists(st.binary(max_size=40), max_size=6), st.binary(max_size=200))
@settings(max_examples=60, deadline=None)
def test_written_parts_equal_the_joined_bytes(parts, before):
    """A page's bytes may come in parts (feeds do): the file holds them joined, and a file
    that already holds them is left alone."""
    from newsvault.site.output import write_if_changed

    with tempfile.TemporaryDirectory() as root:
        path = Path(root, "a", "feed.xml")
        if before:
            path.parent.mkdir()
            path.write_bytes(before)
        assert write_if_changed(Path(root), "a/feed.xml", parts) == (
            not before or before != b"".join(parts)
        )
        assert path.read_bytes() == b"".join(parts)
        assert write_if_changed(Path(root), "a/feed.xml", parts) is False
        assert write_if_changed(Path(root), "a/feed.xml", b"".join(parts)) is False


def test_a_post_never_takes_a_page_of_the_site(tmp_path):
    """Two pages with one output path (issue 13.5): a post whose permalink is the search
    page's (``/search/``) used to be overwritten by it. The site's own page keeps its path,
    the post moves to ``-2`` (as posts sharing a URL do) and the build says so; two of the
    site's own pages on one path are refused, naming both."""
    import pytest

    from conftest import make_article
    from newsvault.archive.store import save_post
    from newsvault.config import load_config
    from newsvault.errors import BuildError
    from newsvault.site.build import build_site
    from newsvault.site.output import check_outputs
    from newsvault.vault import Vault

    vault = Vault(tmp_path / "v")
    vault.root.mkdir()
    (vault.root / "newsvault.toml").write_text('[site]\npermalink = "/:title/"\n')
    save_post(vault.posts_dir, make_article("search"))
    save_post(vault.posts_dir, make_article("other", link="https://example.com/a/2"))
    report = build_site(vault, load_config(vault.root))
    site = vault.site_dir
    assert "search-2/index.html" in {
        p.relative_to(site).as_posix() for p in site.rglob("index.html")
    }
    search_page = (site / "search" / "index.html").read_text()
    assert 'id="search-results"' in search_page and "<p>Body</p>" not in search_page
    assert "<p>Body</p>" in (site / "search-2" / "index.html").read_text()
    assert any(
        "its permalink /search/ is taken by a page of the site; the post is at /search-2/" in n
        for n in report.notes
    ), report.notes
    with pytest.raises(BuildError, match=r"'feed\.xml'.*clashes with 'feed\.xml'"):
        check_outputs(["index.html", "feed.xml", "feed.xml"])
    with pytest.raises(BuildError, match=r"'a/index\.html'.*'a'"):
        check_outputs(["a", "a/index.html"])
