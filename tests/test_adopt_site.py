"""Adopting a Jekyll mirror whole (archive/jekyllsite.py, site/legacy.py, docs/adopting.md).

The real sample posts with an oped2-like ``_config.yml`` and a small theme of its kind
(``tests/data/adopt/``) are built by Jekyll itself, with the jekyll-feed, jekyll-paginate
and jekyll-sitemap plugins; the same folder is then adopted by ``newsvault init`` and built
by newsvault. Every file Jekyll published must be published by newsvault at the same
path, and say the same thing where it matters (feeds, /pageN/).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from automation_helpers import isolate_git, newsvault_cmd, newsvault_env
from newsvault.archive.jekyllsite import adopt_jekyll_config
from newsvault.config import load_config
from paths import FIXTURES, REAL_SAMPLE

ADOPT = FIXTURES / "adopt"
JEKYLL = shutil.which("jekyll") or "/usr/bin/jekyll"
ATOM = "{http://www.w3.org/2005/Atom}"


def old_site(where: Path) -> Path:
    """The folder a keeper has: the sample's _posts/ and the old site's files."""
    shutil.copytree(ADOPT, where)
    shutil.copytree(REAL_SAMPLE / "_posts", where / "_posts")
    return where


def files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def post_links(page: Path, at: str = "/") -> list[str]:
    """The post links of a list page, in order (Jekyll's theme: ol.posts; newsvault's too),
    as root-absolute paths: newsvault's links are relative to the page, at URL path ``at``."""
    html = LexborHTMLParser(page.read_text(encoding="utf-8"))
    links = [
        urljoin(at, unquote(a.attributes["href"] or ""))
        for a in html.css("ol.posts li > a:first-child")
    ]
    return [link.removesuffix("index.html") for link in links]


def entries(feed: Path, recover: bool = False) -> list[str]:
    """The entry titles of an Atom feed (``recover``: jekyll-feed's own can be broken XML,
    a post's ``]]>`` ending its CDATA early)."""
    root = etree.parse(str(feed), etree.XMLParser(recover=recover)).getroot()
    assert root.tag == f"{ATOM}feed"
    return [e.findtext(f"{ATOM}title") or "" for e in root.iter(f"{ATOM}entry")]


def tagged(tag: str) -> int:
    """Sample posts with ``tags: [ TAG ]`` (every sample post has one tag, in that form)."""
    return sum(
        f"\ntags: [ {tag} ]\n" in p.read_text(encoding="utf-8")
        for p in (REAL_SAMPLE / "_posts").iterdir()
    )


@pytest.mark.jekyll
@pytest.mark.slow
def test_every_public_url_of_the_jekyll_site_answers_after_adoption(
    tmp_path: Path, monkeypatch
) -> None:
    isolate_git(monkeypatch, tmp_path)
    jekyll_out = tmp_path / "jekyll-site"
    env = dict(os.environ, TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    subprocess.run(
        [JEKYLL, "build", "-q", "-s", str(old_site(tmp_path / "src")), "-d", str(jekyll_out)],
        check=True,
        env=env,
        capture_output=True,
        timeout=600,
    )
    vault = old_site(tmp_path / "vault")
    for args in (("init", str(vault)), ("build", "--no-search", "--vault", str(vault))):
        done = subprocess.run(
            newsvault_cmd(*args), env=newsvault_env(), capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout + done.stderr
    config = load_config(vault)
    assert (config.site.title, config.site.base_path, config.site.base_url) == (
        "外媒报道",
        "/oped2/",
        "https://nodebe4.github.io",
    )
    assert (
        config.site.permalink,
        config.site.timezone,
        config.site.permalink_timezone,
        config.site.per_page,
    ) == ("/:year-:month-:day/:title", "+08:00", "+08:00", 25)

    old, new = files(jekyll_out), files(vault / "_site")
    assert len(old) > 196 + 10  # the posts, and the pages, feeds and files around them
    assert sorted(old - new) == []  # every old URL answers
    site = vault / "_site"
    # jekyll-paginate's pages, numbered from the newest post, show the same posts
    pages = sorted(p for p in old if p.startswith("page"))
    assert pages == [f"page{n}/index.html" for n in range(2, 9)]
    for page in pages:  # (the front page is newsvault's own, with its own page size)
        jekyll_posts = post_links(jekyll_out / page)
        assert len(jekyll_posts) == (25 if page != "page8/index.html" else 196 - 7 * 25)
        assert post_links(site / page, "/oped2/" + page) == jekyll_posts
    # the theme's feed, jekyll-feed's feed and its per-tag feeds are Atom feeds again
    assert len(entries(site / "atom.xml")) == min(196, config.site.feed_entries)
    for tag_feed in sorted(p for p in old if p.startswith("feed/by_tag/")):
        tag = Path(tag_feed).stem
        ours = entries(site / tag_feed)
        assert len(ours) == min(100, tagged(tag)), tag
        assert set(entries(jekyll_out / tag_feed, recover=True)) <= set(ours), tag
    # the old about page is rendered in place; the Liquid lists redirect to their kind
    about = (site / "about" / "index.html").read_text(encoding="utf-8")
    assert "本站收录墙外主流中文媒体的文章" in about and "<strong>原文链接</strong>" in about
    for old_list, target in (("archive.html", "archive/"), ("tags.html", "tags/")):
        text = (site / old_list).read_text(encoding="utf-8")
        assert (
            f'content="0; url=/oped2/{target}"' in text and (site / target / "index.html").is_file()
        )
    assert (site / "images" / "logo.png").read_bytes() == (
        ADOPT / "images" / "logo.png"
    ).read_bytes()


def write_config(root: Path, text: str) -> Path:
    root.mkdir(exist_ok=True)
    (root / "_config.yml").write_text(text, encoding="utf-8")
    return root


def test_a_site_without_permalink_keeps_jekylls_default_and_title_wins_over_name(
    tmp_path: Path,
) -> None:
    adopted = adopt_jekyll_config(write_config(tmp_path, "title: T\nname: N\nbaseurl: ''\n"))
    assert adopted is not None
    assert adopted.site == {
        "title": "T",
        "permalink": "/:categories/:year/:month/:day/:title:output_ext",
    }
    assert adopted.legacy == {}  # no plugins, no pages: nothing old to keep


def test_pretty_style_and_paginate_without_the_plugin(tmp_path: Path) -> None:
    adopted = adopt_jekyll_config(write_config(tmp_path, "permalink: pretty\npaginate: 10\n"))
    assert adopted is not None
    assert adopted.site["permalink"] == "/:categories/:year/:month/:day/:title/"
    assert adopted.site["per_page"] == 10 and "paginate" not in adopted.legacy


def test_a_zone_with_summer_time_is_said_to_be_approximate(tmp_path: Path) -> None:
    adopted = adopt_jekyll_config(write_config(tmp_path, "timezone: Europe/Berlin\n"))
    assert adopted is not None and adopted.site["timezone"] == "+01:00"
    assert any("daylight saving" in n for n in adopted.notes)
    bad = adopt_jekyll_config(write_config(tmp_path / "b", "timezone: Mars/Olympus\n"))
    assert bad is not None and "timezone" not in bad.site
    assert any("unknown timezone" in n for n in bad.notes)


def test_no_config_no_adoption_and_an_existing_toml_is_kept(tmp_path: Path, monkeypatch) -> None:
    isolate_git(monkeypatch, tmp_path)
    assert adopt_jekyll_config(tmp_path) is None
    vault = write_config(tmp_path / "v", "name: Old\n")
    (vault / "newsvault.toml").write_text('[site]\ntitle = "Mine"\n', encoding="utf-8")
    done = subprocess.run(
        newsvault_cmd("init", str(vault)), env=newsvault_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert load_config(vault).site.title == "Mine"  # init never overwrites the keeper's settings
    assert "_config.yml" not in done.stdout
