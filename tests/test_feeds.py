"""Feed parsing: every fixture feed, charsets, hostile XML, and the field priorities."""

from __future__ import annotations

import ast
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import FEEDS
from newsvault.charset import decode_document
from newsvault.errors import FeedError, FetchError
from newsvault.fetch.feeds import parse_feed
from paths import CORPUS
from servers import BILLION_LAUGHS, XXE, rss


def _feeds(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.name not in ("LICENSE", "MANIFEST.json")
    )


FIXTURE_FEEDS = _feeds(FEEDS)
# The full corpus's feeds that tests/data leaves out (run with NEWSVAULT_CORPUS set).
CORPUS_FEEDS = (
    [p for p in _feeds(CORPUS / "feeds") if not (FEEDS / p.relative_to(CORPUS / "feeds")).is_file()]
    if CORPUS and (CORPUS / "feeds").is_dir()
    else []
)
URL = "http://example.org/feeds/feed.xml"


def test_fixture_feeds_are_all_there() -> None:
    listed = {
        f"{manifest.parent.name}/{record['path']}"
        for manifest in FEEDS.glob("*/MANIFEST.json")
        for record in json.loads(manifest.read_text(encoding="utf-8"))["files"]
    }
    assert {p.relative_to(FEEDS).as_posix() for p in FIXTURE_FEEDS} == listed
    assert len(listed) == 339  # 293 feedparser cases, 28 rss-parser and 18 fastfeedparser feeds


def _feed_id(path: Path) -> str:
    return str(path.relative_to(FEEDS)) if path.is_relative_to(FEEDS) else "corpus:" + path.name


@pytest.mark.parametrize(
    "path",
    FIXTURE_FEEDS + [pytest.param(p, marks=pytest.mark.corpus) for p in CORPUS_FEEDS],
    ids=_feed_id,
)
def test_every_fixture_feed_parses_or_fails_clearly(path: Path) -> None:
    try:
        feed = parse_feed(path.read_bytes(), url=URL)
    except FeedError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for entry in feed.entries:
        assert entry.link is None or re.match(r"^[a-z][a-z0-9+.-]*:", entry.link)
        assert entry.published is None or entry.published.tzinfo is not None


# Expectations of feedparser's own encoding cases that are about decoded text.
def _text_expectations() -> list[tuple[str, str | None, str, str]]:
    manifest = json.loads((FEEDS / "feedparser" / "MANIFEST.json").read_text())
    cases = []
    pattern = re.compile(r"^not bozo and (entries\[0\]\['description'\]|feed\['title'\]) == (.+)$")
    for record in manifest["files"]:
        match = pattern.match(record.get("expect", ""))
        # demoronize-3 expects feedparser's rewrite of the HTML entity &#146; inside HTML;
        # we keep the source HTML, which browsers already render as ’ (HTML5 maps it).
        if match and record["path"].startswith("tests/encoding/") and "&#" not in match.group(2):
            header = (record.get("header") or "").partition(":")[2].strip() or None
            cases.append((record["path"], header, match.group(1), ast.literal_eval(match.group(2))))
    return cases


@pytest.mark.parametrize(
    "path,header,field,expected",
    _text_expectations(),
    ids=lambda v: v if isinstance(v, str) and v.endswith(".xml") else "",
)
def test_feedparser_encoding_expectations(
    path: str, header: str | None, field: str, expected: str
) -> None:
    data = (FEEDS / "feedparser" / path).read_bytes()
    if field.startswith("feed"):
        assert expected in decode_document(data, header or "").text
    else:
        assert parse_feed(data, url=URL, content_type=header or "").entries[0].content == expected


@pytest.mark.parametrize(
    "path,title",
    [
        (
            "rss-parser/test/input/encoding-gb2312.xml",
            "拟298亿元重组盛大游戏后 世纪华通发20亿回购预案",
        ),
        ("rss-parser/test/input/latin2.rss", "ZAŻÓŁĆ GĘSLĄ JAŹŃ"),
        ("feedparser/tests/illformed/chardet/shiftjis.xml", "DrecomRSSに記事投稿が反映されない…"),
        ("feedparser/tests/illformed/chardet/euckr.xml", "EUC-KR 에서 TypeKey 한글닉네임 표시하기"),
        ("feedparser/tests/illformed/chardet/gb2312.xml", "不归移民漫画系列：专业工作"),
        ("fastfeedparser/tests/integration/utf16_encoded.xml", "UTF-16 Entry 1"),
    ],
)
def test_charsets(path: str, title: str) -> None:
    assert parse_feed((FEEDS / path).read_bytes(), url=URL).entries[0].title == title


def test_declared_utf16_but_really_utf8() -> None:
    feed = parse_feed(
        (FEEDS / "fastfeedparser/benchmark_data/9e0834333e854116").read_bytes(), url=URL
    )
    assert len(feed.entries) == 59 and feed.encoding == "utf-8"
    assert "declared utf-16" in feed.notes[0]


def test_http_charset_decides_between_legacy_charsets() -> None:
    body = rss({"title": "café", "link": "http://e.com/1"}).replace(b'encoding="UTF-8"', b"")
    latin = body.decode().encode("latin-1")
    assert (
        parse_feed(latin, url=URL, content_type="text/xml; charset=iso-8859-1").entries[0].title
        == "café"
    )
    big5 = "<rss><channel><item><title>新聞</title></item></channel></rss>".encode("big5")
    assert (
        parse_feed(big5, url=URL, content_type="text/xml; charset=big5").entries[0].title == "新聞"
    )


def test_invalid_utf8_is_replaced_and_noted() -> None:
    body = rss({"title": "ok", "link": "http://e.com/1"}).replace(b"ok", b"o\xff\xfek")
    feed = parse_feed(body, url=URL, content_type="application/rss+xml; charset=utf-8")
    assert feed.entries[0].title == "o\ufffd\ufffdk"
    assert "invalid UTF-8" in feed.notes[0]


def test_wrong_declared_charset_is_overruled_by_valid_utf8() -> None:
    body = rss({"title": "中央社", "link": "http://e.com/1"})
    feed = parse_feed(body, url=URL, content_type="text/xml; charset=iso-8859-1")
    assert feed.entries[0].title == "中央社"
    assert "but the bytes are UTF-8" in feed.notes[0]


def test_billion_laughs_and_external_entities_are_neither_fetched_nor_expanded() -> None:
    """Issue 11.7: the feed is read; the hostile entities stay the text they were."""
    laughs = parse_feed(BILLION_LAUGHS, url=URL)
    assert [e.title for e in laughs.entries] == ["&lol9;"]
    assert any("neither fetched nor expanded (&lol2; &lol3;" in n for n in laughs.notes)
    xxe = parse_feed(XXE, url=URL)
    assert xxe.entries[0].title == "&xxe;" and "root:" not in xxe.entries[0].title
    assert any("neither fetched nor expanded (&xxe;)" in n for n in xxe.notes)


def test_plain_internal_entities_are_expanded() -> None:
    feed = parse_feed(
        (FEEDS / "feedparser/tests/wellformed/rss/entity_in_doctype.xml").read_bytes(), url=URL
    )
    assert feed.entries[0].guid == "tag:example.com,2006-05-04:/blog/"


def test_html_page_is_not_a_feed() -> None:
    page = b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>'
    with pytest.raises(FeedError, match="HTML page; the page links to a feed at /rss.xml"):
        parse_feed(page, url=URL, content_type="text/html")
    with pytest.raises(FetchError):
        parse_feed(b"", url=URL)
    with pytest.raises(FeedError, match="not a readable feed"):
        parse_feed(b"just some words", url=URL)


def test_broken_xml_is_repaired() -> None:
    path = FEEDS / "fastfeedparser/tests/integration/malformed_rss_namespaced.xml"
    feed = parse_feed(path.read_bytes(), url=URL)
    assert [e.title for e in feed.entries] == ["Test Entry 1", "Test Entry 2"]
    assert feed.entries[1].link == "https://example.com/entry2"


def test_feedparser_rescues_tag_soup_lxml_cannot_root() -> None:
    soup = (
        b"garbage before any element <item><title>x</title><link>/a/1</link><pubDate>"
        b"Wed, 27 Jan 2021 23:57:20 GMT</pubDate></item>"
    )
    feed = parse_feed(soup, url=URL)
    assert feed.kind.startswith("loose:")
    entry = feed.entries[0]
    assert (entry.title, entry.link) == ("x", "http://example.org/a/1")
    assert entry.published == datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)


def test_content_priority_and_author_chain() -> None:
    body = rss(
        {
            "title": "a",
            "link": "/a/1",
            "description": "desc",
            "content:encoded": "<![CDATA[<p>full</p>]]>",
            "dc:creator": "Creator",
            "author": "a@b.c (A)",
        },
        {
            "title": "b",
            "guid": "http://e.com/guid-link",
            "description": "&lt;b&gt;only&lt;/b&gt;",
            "author": "a@b.c (A)",
        },
        {"title": "c", 'guid isPermaLink="false"': "123", "description": "<p>raw <b>html</b></p>"},
    )
    a, b, c = parse_feed(body, url=URL).entries
    assert (a.content, a.author, a.link) == ("<p>full</p>", "Creator", "http://example.org/a/1")
    assert (b.content, b.author, b.link) == ("<b>only</b>", "a@b.c (A)", "http://e.com/guid-link")
    assert (c.link, c.guid, c.content) == (None, "123", "<p>raw <b>html</b></p>")


def test_atom_xhtml_content_and_xml_base() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.com/blog/">
    <author><name>Feed Author</name></author>
    <entry xml:base="posts/"><title type="html">A &amp;amp; B</title><id>urn:x:1</id>
      <link rel="enclosure" href="/file.mp3"/><link href="one.html"/>
      <updated>2021-01-27T23:57:20Z</updated>
      <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <b>there</b></p></div></content>
      <summary>sum</summary></entry>
    <entry><title>t</title><id>urn:x:2</id><summary>plain &lt; text
line two</summary><published>2021-01-27T23:57:20+08:00</published></entry>
    </feed>"""
    one, two = parse_feed(body, url=URL).entries
    assert one.link == "http://example.com/blog/posts/one.html"
    assert one.title == "A &amp; B"
    assert one.content == "<p>Hi <b>there</b></p>"
    assert one.author is None  # the item's own author only, like the reference
    assert one.published is None and one.updated == datetime(
        2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc
    )
    assert two.content == "plain &lt; text<br>\nline two"
    assert two.published == datetime(2021, 1, 27, 15, 57, 20, tzinfo=timezone.utc)


def test_youtube_media_group_description() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"
      xmlns:yt="http://www.youtube.com/xml/schemas/2015"><entry><id>yt:video:abc</id>
      <yt:videoId>abc</yt:videoId><title>Video</title>
      <link rel="alternate" href="https://www.youtube.com/watch?v=abc"/>
      <author><name>Channel</name></author><published>2024-01-02T03:04:05+00:00</published>
      <media:group><media:title>Video</media:title><media:description>Line 1
Line 2 &lt;ok&gt;</media:description></media:group></entry></feed>"""
    entry = parse_feed(body, url=URL).entries[0]
    assert entry.content == "Line 1<br>\nLine 2 &lt;ok&gt;"
    assert (entry.author, entry.link) == ("Channel", "https://www.youtube.com/watch?v=abc")


def test_rss1_and_rss09x_fixtures() -> None:
    rdf = (
        parse_feed((FEEDS / "rss-parser/test/input/craigslist.rss").read_bytes(), url=URL)
        if (FEEDS / "rss-parser/test/input/craigslist.rss").exists()
        else None
    )
    if rdf is not None:
        assert rdf.kind == "rdf" and rdf.entries
    old = parse_feed((FEEDS / "rss-parser/test/input/rss091.rss").read_bytes(), url=URL)
    assert old.kind == "rss" and old.entries and all(e.title for e in old.entries)


def test_json_feed() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {
                    "id": "1",
                    "url": "/p/1",
                    "title": "T",
                    "content_html": "<p>x</p>",
                    "content_text": "x",
                    "authors": [{"name": "Ann"}],
                    "date_published": "2021-01-27T23:57:20Z",
                },
                {
                    "id": "https://e.com/2",
                    "content_text": "a\nb",
                    "author": {"name": "Old"},
                    "date_modified": "2021-01-28T00:00:00+08:00",
                },
            ],
        }
    ).encode()
    one, two = parse_feed(body, url="https://e.com/feed.json").entries
    assert (one.link, one.content, one.author, one.guid) == (
        "https://e.com/p/1",
        "<p>x</p>",
        "Ann",
        "1",
    )
    assert (two.link, two.content, two.author) == ("https://e.com/2", "a<br>\nb", "Old")
    assert two.updated == datetime(2021, 1, 27, 16, tzinfo=timezone.utc)
    fixture = parse_feed(
        (FEEDS / "fastfeedparser/tests/integration/json_feed_sample.json").read_bytes(), url=URL
    )
    assert fixture.kind == "json" and len(fixture.entries) == 2
    with pytest.raises(FetchError, match="JSON Feed"):
        parse_feed(b'{"no": "items"}', url=URL)


def test_links_are_whatwg_serialized() -> None:
    body = rss({"title": "x", "link": "HTTP://Example.COM:80/a b/../c?q=1 2#frag"})
    assert parse_feed(body, url=URL).entries[0].link == "http://example.com/c?q=1%202#frag"
