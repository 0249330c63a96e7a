"""Differential test against feedparser over every fixture feed (issue 11).

Per entry, title, link, guid, the published instant and the author must agree with
feedparser's — compared as the archive uses them (titles by the TITLE rule, links as
WHATWG URLs, dates to the second, an empty author as none) — or the difference must be
listed below, per file, with the class that explains why newsvault is right. A listed
difference that no longer occurs fails too, so the list stays the truth.
"""

from __future__ import annotations

import calendar
import warnings
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from conftest import FEEDS
from newsvault.archive.fields import normalize_title
from newsvault.errors import FeedError
from newsvault.fetch.feeds import parse_feed
from newsvault.urls import resolve

URL = "http://example.org/feeds/feed.xml"

CLASSES = {
    "fp-mojibake": "feedparser decodes an undeclared legacy charset as windows-1252; "
    "newsvault detects it (charset.py) and reads the characters the feed has",
    "fp-no-json": "feedparser reads no JSON Feed",
    "fp-gives-up": "feedparser reads no entry of this broken document; newsvault recovers them",
    "fp-no-date": "feedparser cannot read this date (Atom 0.3 <created>, Portuguese month names); "
    "newsvault reads it exactly (tests/test_dates.py)",
    "fp-author-email": "feedparser appends the e-mail address to the author's name; the post's "
    "author is the name the feed gives",
    "fp-last-wins": "feedparser keeps the last of repeated author elements, even an empty "
    "one; newsvault the first non-empty one, in document order",
    "author-rule": "newsvault's AUTHOR rule (docs/post-format.md): dc:creator before <author>",
    "fp-title-markup": "feedparser keeps a title's markup (Atom xhtml, HTML in CDATA) and "
    "re-escapes its text; a post title is the text the feed wrote",
    "fp-relative-id": "feedparser resolves an id or guid against the feed's URL as if it were "
    "a link; an id is an identifier, kept as written",
    "fp-drops-guid": "feedparser drops a guid it cannot parse as a URL; it is kept as written",
    "fp-urn-link": "feedparser makes a tag:/urn: id or an href-less link the entry's link; a "
    "link must be a web address",
    "guid-as-link": "newsvault's LINK rule (docs/post-format.md): an item without a link is linked by "
    "its guid or rdf:about when that is a URL (else the article cannot be "
    "archived at all)",
    "truncated": "the document ends inside a CDATA opener; newsvault keeps the characters "
    "libxml2 recovered, feedparser an empty title",
}

# relative path → {field (or "count"): class}
EXPECTED: dict[str, dict[str, str]] = {
    "fastfeedparser/benchmark_data/5e19d3b495454497": {"author": "fp-author-email"},
    "fastfeedparser/benchmark_data/cd0e0dc70f470554": {"author": "fp-author-email"},
    "fastfeedparser/benchmark_data/7ef13a42fa7e177a": {"count": "fp-gives-up"},
    "fastfeedparser/tests/integration/malformed_rss_namespaced.xml": {"count": "fp-gives-up"},
    "fastfeedparser/benchmark_data/d4b7ab74da763119": {"count": "fp-no-json"},
    "fastfeedparser/tests/integration/json_feed_sample.json": {"count": "fp-no-json"},
    "feedparser/tests/json/example.json": {"count": "fp-no-json"},
    "feedparser/tests/illformed/chardet/eucjp.xml": {"title": "fp-mojibake"},
    "feedparser/tests/illformed/chardet/euckr.xml": {"title": "fp-mojibake"},
    "feedparser/tests/illformed/chardet/gb2312.xml": {"title": "fp-mojibake"},
    "feedparser/tests/illformed/chardet/koi8r.xml": {"title": "fp-mojibake"},
    "feedparser/tests/illformed/chardet/shiftjis.xml": {"title": "fp-mojibake"},
    "feedparser/tests/illformed/rdf_channel_empty_textinput.xml": {"link": "guid-as-link"},
    "feedparser/tests/illformed/rss_incomplete_cdata.xml": {"title": "truncated"},
    "feedparser/tests/wellformed/atom/entry_created.xml": {"published": "fp-no-date"},
    "feedparser/tests/wellformed/atom10/entry_author_name.xml": {"author": "fp-author-email"},
    "feedparser/tests/wellformed/atom10/entry_link_no_href.xml": {"link": "fp-urn-link"},
    "feedparser/tests/wellformed/atom10/entry_title_inline_markup.xml": {
        "title": "fp-title-markup"
    },
    "feedparser/tests/wellformed/base/http_relative_xml_base.xml": {"title": "fp-title-markup"},
    "feedparser/tests/wellformed/base/malformed_base.xml": {"title": "fp-title-markup"},
    "feedparser/tests/wellformed/base/relative_xml_base.xml": {"title": "fp-title-markup"},
    "feedparser/tests/wellformed/base/unsafe_base.xml": {"title": "fp-title-markup"},
    "feedparser/tests/wellformed/node_precedence/atom10_id.xml": {
        "link": "fp-urn-link",
        "guid": "fp-relative-id",
    },
    "feedparser/tests/wellformed/rdf/rdf_item_description.xml": {"link": "guid-as-link"},
    "feedparser/tests/wellformed/rdf/rdf_item_rdf_about.xml": {"link": "guid-as-link"},
    "feedparser/tests/wellformed/rdf/rdf_item_title.xml": {"link": "guid-as-link"},
    "feedparser/tests/wellformed/rss/item_guid_isPermaLink_ValueError.xml": {
        "guid": "fp-drops-guid"
    },
    "feedparser/tests/wellformed/rss/item_guid_not_permalink.xml": {"link": "guid-as-link"},
    "feedparser/tests/wellformed/rss/item_guid_not_permalink_not_guidislink.xml": {
        "link": "guid-as-link"
    },
    "feedparser/tests/wellformed/rss/item_multiple_dc_creator.xml": {"author": "fp-last-wins"},
    "rss-parser/test/input/craigslist.rss": {"title": "fp-title-markup"},
    "rss-parser/test/input/customfields.rss": {"author": "fp-last-wins"},  # an empty dc:creator
    "rss-parser/test/input/feedburner.atom": {"author": "fp-author-email"},
    "rss-parser/test/input/many-links.rss": {"author": "fp-author-email"},
    "rss-parser/test/input/itunes-category.rss": {"author": "author-rule"},
    "rss-parser/test/input/itunes-keywords.rss": {"author": "author-rule"},
    "rss-parser/test/input/itunes-missing-image.rss": {
        "author": "author-rule",
        "guid": "fp-relative-id",
    },
    "rss-parser/test/input/missing-fields.atom": {"link": "fp-urn-link"},
    "rss-parser/test/input/reddit-home.rss": {"guid": "fp-relative-id"},
    "rss-parser/test/input/uolNoticias.rss": {"published": "fp-no-date"},
}

FEED_FILES = sorted(
    p for p in FEEDS.rglob("*") if p.is_file() and p.name not in ("LICENSE", "MANIFEST.json")
)


def _instant(value: object) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(calendar.timegm(value), timezone.utc)


def differences(path: Path) -> dict[str, tuple[int, object, object]]:
    """Field (or "count") → (entry, ours, feedparser's) for the first entry that differs."""
    data = path.read_bytes()
    try:
        ours = list(parse_feed(data, url=URL).entries)
    except FeedError:
        ours = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = feedparser.parse(data, response_headers={"content-location": URL}).entries
    if len(ours) != len(theirs):
        return {"count": (0, len(ours), len(theirs))}
    found: dict[str, tuple[int, object, object]] = {}
    for n, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        own = a.published or a.updated
        pairs = {
            "title": (normalize_title(a.title or ""), normalize_title(b.get("title") or "")),
            "link": (a.link, resolve(b.get("link"), URL)),
            "guid": (a.guid, b.get("id") or None),
            "published": (
                own.replace(microsecond=0) if own else None,
                _instant(b.get("published_parsed") or b.get("updated_parsed")),
            ),
            "author": (a.author or None, (b.get("author") or "").strip() or None),
        }
        for name, (x, y) in pairs.items():
            if x != y:
                found.setdefault(name, (n, x, y))
    return found


def test_every_listed_class_is_explained() -> None:
    assert {c for listed in EXPECTED.values() for c in listed.values()} <= set(CLASSES)


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: str(p.relative_to(FEEDS)))
def test_agrees_with_feedparser_or_the_difference_is_explained(path: Path) -> None:
    found = differences(path)
    expected = EXPECTED.get(str(path.relative_to(FEEDS)), {})
    assert set(found) == set(expected), {f: found.get(f) for f in set(found) ^ set(expected)}
