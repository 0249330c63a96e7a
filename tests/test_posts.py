"""Posts both ways: the seed round trip, the rendering rules, and tolerant reading."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from conftest import make_article
from newsvault.archive.fields import link_text, normalize_title, title_from_link_text
from newsvault.archive.naming import post_filename
from newsvault.archive.posts import parse_post, read_post, render_post
from newsvault.models import Problem


def test_seed_round_trips_byte_for_byte(seed_path: Path) -> None:
    post = read_post(seed_path)
    assert post.problems == ()
    assert post.layout == "link"
    assert render_post(post.article).encode("utf-8") == seed_path.read_bytes()
    assert post_filename(post.article) == seed_path.name
    assert post.article.ms == 1611791840000
    assert post.article.site == "(臺)中央社CNA"


def test_normalize_title() -> None:
    assert normalize_title("  a\t\tb\n c\u00a0\u00a0d  ") == "a b c d"
    assert normalize_title("a\x00b\x07c\u2028d") == "abc d"
    assert normalize_title("x\x1fy") == "xy"
    assert normalize_title("plain title") == "plain title"
    assert normalize_title("...kept as written \\ ") == "...kept as written \\"


def test_link_text_escapes_and_inverts() -> None:
    title = "a [b] \\c <d> *e*"
    assert link_text(title) == "a \\[b\\] \\\\c &lt;d> *e*"
    assert title_from_link_text(link_text(title)) == title


def test_render_hostile_fields_load_back() -> None:
    art = make_article(
        'He said "no" \\ 1: #2 - [x]',
        author="- dash: colon",
        site="a, b [c]",
        link="https://example.com/?q=a b#frag",
    )
    text = render_post(art)
    fm = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    assert fm["title"] == art.title
    assert fm["author"] == art.author
    assert fm["from"] == art.link
    assert fm["tags"] == [art.site] and fm["categories"] == [art.site]


def test_render_nan_marker_and_extra_tags() -> None:
    art = replace(make_article(), ms=None, site="S", tags=("S", "x"), categories=("S", "y"))
    text = render_post(art)
    assert "\n<!--NaN-->\n" in text
    assert "tags: [ S, x ]\ncategories: [ S, y ]\n" in text
    assert parse_post(text, Path("2021-01-27-Hello world.md")).article == art


LINK_POST = """---
layout: post
title: "T"
date: 2021-09-14T09:46:48.997Z
author: 广井良典 
from: https://medium.com/x?source=rss-216c8ba84893------2
tags: [ 燕京书评 ]
comments: True
categories: [ news, 燕京书评 ]
---
<!--NaN-->
[T](https://medium.com/x?source=rss-216c8ba84893------2)
------

<div>
<p>x</p>
</div>
"""


def test_tolerates_reference_quirks() -> None:
    post = parse_post(LINK_POST, Path("2021-09-14-T.md"))
    assert not post.broken
    art = post.article
    assert art.link.endswith("------2")  # '---' inside a value does not end the front matter
    assert art.author == "广井良典"
    assert art.ms is None
    assert art.tags == ("燕京书评",) and art.categories == ("news", "燕京书评")
    assert art.site == "燕京书评"
    assert post.front_matter["comments"] is True
    assert art.content == "<p>x</p>"
    assert [p.message for p in post.problems] == [
        "the <!--NaN--> marker carries no publication time"
    ]


def test_date_only_and_html_layout() -> None:
    text = (
        '---\nlayout: post\ntitle: "Old"\ndate: 2020-06-24\nauthor: A\nfrom: https://x.org/1\n'
        "tags: [ A ]\ncategories: [ A ]\n---\n\n<article>\n <p>hi</p>\n</article>\n"
    )
    post = parse_post(text, Path("2020-06-24-Old.md"))
    assert post.layout == "html"
    assert post.article.date == datetime(2020, 6, 24, tzinfo=timezone.utc)
    assert post.article.content == "\n<article>\n <p>hi</p>\n</article>\n"
    assert not post.broken
    assert any("no time of day" in p.message for p in post.problems)


def test_invalid_yaml_is_recovered_and_broken() -> None:
    text = (
        '---\nlayout: post\ntitle: "C:\\dir\\file"\ndate: 2021-01-01T00:00:00.000Z\n'
        "author: A\nfrom: https://x.org/1\ntags: [ A ]\ncategories: [ A ]\n---\n"
        "<!--1609459200000-->\n[t](https://x.org/1)\n------\n\n<div>\n\n</div>\n"
    )
    post = parse_post(text, Path("2021-01-01-C--dir-file.md"))
    assert post.broken
    assert post.problems[0].message == (
        "front matter is not valid YAML: unescaped backslash in title"
    )
    assert post.article.title == "C:\\dir\\file"
    assert post.article.date == datetime(2021, 1, 1, tzinfo=timezone.utc)
    assert post.article.tags == ("A",)
    assert post.article.link == "https://x.org/1"


def test_broken_posts_are_reported_not_raised(tmp_path: Path) -> None:
    cases = {
        "2021-01-01-none.md": "just text\n",
        "2021-01-01-notitle.md": "---\ndate: 2021-01-01\n---\nbody\n",
        "2021-01-01-nodate.md": '---\ntitle: "x"\n---\nbody\n',
        "2021-01-01-baddate.md": '---\ntitle: "x"\ndate: yesterday\n---\nbody\n',
        "2021-01-01-list.md": "---\n- a\n- b\n---\nbody\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "2021-01-01-bytes.md").write_bytes(b'---\ntitle: "\xff"\n---\n')
    for path in tmp_path.iterdir():
        post = read_post(path)
        assert post.broken, path.name
        assert all(p.message for p in post.problems)
    assert read_post(tmp_path / "missing.md").broken


def test_warns_when_name_does_not_follow_title() -> None:
    text = render_post(make_article("Something else entirely"))
    post = parse_post(text, Path("2021-01-27-Hello world.md"))
    assert [p.message for p in post.problems] == ["file name does not follow the title"]
    ok = parse_post(text, Path("2021-01-27-Something else entirely-2.md"))
    assert ok.problems == ()


def test_bom_and_crlf_are_tolerated_and_reported(seed_path: Path) -> None:
    text = seed_path.read_text(encoding="utf-8")
    clean = parse_post(text, seed_path)
    odd = parse_post("\ufeff" + text.replace("\n", "\r\n"), seed_path)
    assert odd.article == clean.article and odd.layout == "link" and not odd.broken
    assert [p.message for p in odd.problems] == [
        "file starts with a byte-order mark (U+FEFF)",
        "file has Windows (CRLF) line endings",
    ]


BAD_YAML = (
    "---\nlayout: post\ntitle: TITLE\ndate: 2021-01-01T00:00:00.000Z\nauthor: AUTHOR\n"
    "from: https://x.org/1\ntags: [ A ]\ncategories: [ A ]\n---\n<p>x</p>\n"
)


@pytest.mark.parametrize(
    ("title", "author", "message", "value"),
    [
        ('"a "b" c"', "A", "unescaped double quote in title", 'a "b" c'),
        ('"C:\\dir"', "A", "unescaped backslash in title", "C:\\dir"),
        ('"unclosed', "A", "unclosed quote in title", '"unclosed'),
        ('"x"', "a: b", "': ' inside the unquoted author (it needs quotes)", "a: b"),
        ('"x"', "- a", "the unquoted author starts with '- ' (it needs quotes)", "- a"),
        ('"x"', "[a, b", "unclosed [ or { in author", "[a, b"),
        (
            '"x"',
            "@at",
            "the unquoted author starts with a YAML special character (it needs quotes)",
            "@at",
        ),
    ],
)
def test_invalid_yaml_is_explained(title: str, author: str, message: str, value: str) -> None:
    post = parse_post(
        BAD_YAML.replace("TITLE", title).replace("AUTHOR", author), Path("2021-01-01-x.md")
    )
    assert post.problems[0] == Problem("front matter is not valid YAML: " + message, True)
    assert value in (post.article.title, post.article.author)
    assert post.article.link == "https://x.org/1" and post.article.tags == ("A",)


@pytest.mark.parametrize(
    "value", ["2021-02-30", "2021-13-01 10:00:00", "2021-01-01 25:00:00 +08:00"]
)
def test_impossible_dates_make_a_broken_post_not_a_crash(tmp_path: Path, value: str) -> None:
    """PyYAML builds such timestamps and raises ValueError; the post is reported, its other
    values kept."""
    path = tmp_path / "2021-02-28-x.md"
    path.write_text(
        f"---\nlayout: post\ntitle: x\ndate: {value}\nauthor: a\n---\n<p>x</p>\n", encoding="utf-8"
    )
    post = read_post(path)
    assert any(p.broken and "impossible date" in p.message for p in post.problems)
    assert post.article.title == "x" and post.article.author == "a"
