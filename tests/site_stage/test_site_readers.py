"""Issue 16 item 9, the site's part: when a post was archived, link previews, an empty
base_url, skipped broken posts, the interface languages."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newsvault.archive import provenance
from newsvault.config import load_config
from newsvault.site.build import build_site
from newsvault.site.theme import STRINGS
from newsvault.vault import Vault

from .site_helpers import SAMPLE_POSTS, SEED_DIR, make_vault

SEED = "_posts/" + next(SEED_DIR.glob("*.md")).name


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    posts = sorted(SAMPLE_POSTS.iterdir())[::6][:30] + sorted(SEED_DIR.glob("*.md"))
    return make_vault(
        tmp_path / "vault",
        posts,
        '[site]\ntitle = "Mirror"\nbase_url = "https://m.example"\ntimezone = "+08:00"\n',
    )


def _seed_page(vault: Vault) -> lxml_html.HtmlElement:
    page = next(vault.site_dir.glob("2021-01-27/美國務卿*/index.html"))
    return lxml_html.fromstring(page.read_bytes())


def _meta(tree, key: str) -> str | None:
    found = tree.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    return found[0] if found else None


def test_post_page_says_when_it_was_archived_from_the_provenance_record(small: Path) -> None:
    vault = Vault(small)
    seen = datetime(2021, 1, 28, 1, 2, 3, tzinfo=timezone.utc)
    provenance.append(
        small / provenance.FOLDER,
        [
            provenance.Record(
                post=SEED,
                link="https://www.cna.com.tw/x",
                seen=datetime(2021, 1, 27, tzinfo=timezone.utc),
                reconstructed=True,
            ),  # only the post's own date: not shown
        ],
        fsync=False,
    )
    build_site(vault, load_config(small), search=False)
    assert not _seed_page(vault).xpath('//*[@class="archived"]')
    provenance.append(
        small / provenance.FOLDER,
        [provenance.Record(post=SEED, link="https://www.cna.com.tw/x", seen=seen)],
        fsync=False,
    )
    build_site(vault, load_config(small), search=False)  # incremental: the page is re-rendered
    (archived,) = _seed_page(vault).xpath('//*[@class="archived"]')
    assert archived.text_content() == "存檔於 2021-01-28 09:02 (UTC+08:00)"
    assert archived.xpath("time/@datetime") == ["2021-01-28T09:02:03+08:00"]


def test_open_graph_and_twitter_tags(small: Path) -> None:
    vault = Vault(small)
    build_site(vault, load_config(small), search=False)
    tree = _seed_page(vault)
    title = tree.xpath("//article/header/h1")[0].text_content()
    assert _meta(tree, "og:type") == "article" and _meta(tree, "og:title") == title == _meta(
        tree, "twitter:title"
    )
    assert _meta(tree, "og:site_name") == "Mirror"
    assert _meta(tree, "og:url").startswith("https://m.example/2021-01-27/")
    assert tree.xpath('//link[@rel="canonical"]/@href') == [_meta(tree, "og:url")]
    text = " ".join(tree.xpath('//div[@class="content"]')[0].text_content().split())
    description = _meta(tree, "og:description")
    assert (
        description
        and 20 < len(description) <= 160
        and text.startswith(description.rstrip("…")[:20])
    )
    assert _meta(tree, "twitter:card") in ("summary", "summary_large_image")
    with_image = [
        p for p in vault.site_dir.rglob("*/index.html") if b'property="og:image"' in p.read_bytes()
    ]
    assert with_image
    for page in with_image:
        tree = lxml_html.fromstring(page.read_bytes())
        assert _meta(tree, "og:image").startswith(("https://", "http://"))
        assert _meta(tree, "twitter:card") == "summary_large_image"
    home = lxml_html.fromstring((vault.site_dir / "index.html").read_bytes())
    assert _meta(home, "og:type") == "website" and _meta(home, "og:title") == "Mirror"


def test_empty_base_url_leaves_out_the_sitemap_and_feed_links_and_says_so(small: Path) -> None:
    (small / "newsvault.toml").write_text('[site]\ntitle = "Mirror"\n', encoding="utf-8")
    vault = Vault(small)
    report = build_site(vault, load_config(small), search=False)
    site = vault.site_dir
    assert not (site / "sitemap.xml").exists()
    assert "Sitemap" not in (site / "robots.txt").read_text(encoding="utf-8")
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert "<entry>" in feed and "<link" not in feed and 'href="/' not in feed.split("<content")[0]
    assert any("base_url is not set" in note and "sitemap" in note for note in report.notes)


def test_a_broken_post_is_reported_not_skipped_silently(small: Path) -> None:
    broken = small / "_posts" / "2021-03-01-broken.md"
    broken.write_text("this file has no front matter\n", encoding="utf-8")
    report = build_site(Vault(small), load_config(small), search=False)
    assert report.skipped == ("_posts/2021-03-01-broken.md",) and report.posts == 31
    assert any(
        "2021-03-01-broken.md" in note and "newsvault check" in note for note in report.notes
    )


@pytest.mark.parametrize(
    ("language", "tag", "words"),
    [
        ("zh", "zh-Hant", "zh-Hant"),
        ("zh-Hant", "zh-Hant", "zh-Hant"),
        ("zh-TW", "zh-Hant", "zh-Hant"),
        ("zh-Hans", "zh-Hans", "zh-Hans"),
        ("zh-CN", "zh-Hans", "zh-Hans"),
        ("en", "en", "en"),
    ],
)
def test_interface_languages_including_the_search_page(
    small: Path, language: str, tag: str, words: str
) -> None:
    (small / "newsvault.toml").write_text(
        f'[site]\ntitle = "Mirror"\nbase_url = "https://m.example"\nlanguage = "{language}"\n',
        encoding="utf-8",
    )
    vault = Vault(small)
    build_site(vault, load_config(small), search=False)
    t = STRINGS[words]
    home = lxml_html.fromstring((vault.site_dir / "index.html").read_bytes())
    assert home.get("lang") == tag
    assert [a.text for a in home.xpath("//header/nav/a")] == [t["sources"], t["archive"], t["tags"]]
    search = lxml_html.fromstring((vault.site_dir / "search" / "index.html").read_bytes())
    box = search.get_element_by_id("search")
    strings = json.loads(box.get("data-strings"))
    assert strings["results"] == t["search_results"] and strings["none"] == t["search_none"]
    assert search.get_element_by_id("search-offline").text.strip() == t["offline_search"]
    feed = (vault.site_dir / "feed.xml").read_text(encoding="utf-8")
    assert f'xml:lang="{tag}"' in feed
    others = {k: v for k, v in STRINGS.items() if k != words}
    page = (vault.site_dir / "sources" / "index.html").read_text(encoding="utf-8")
    assert all(
        other["updated"] not in page
        for other in others.values()
        if other["updated"] != t["updated"]
    )
