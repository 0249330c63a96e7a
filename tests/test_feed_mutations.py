"""Mutation test (issue 11): one entity error never changes another entry.

For every fixture feed, the first entry's title, link and body (each in its own copy of
the document) get an undefined HTML entity (``&nbsp;``, ``&eacute;``), a bare ``&`` and
``Q& ``, written into the document's own text. Every other field of every entry must
parse exactly as before (title, link, guid, dates, author, content), the mutated field
must hold the intended characters (U+00A0, é, &), and the feed's notes must say what was
repaired. Feeds with one entry check that entry's other fields; the 2,000-entry-ish real
feeds check the neighbours that libxml2 used to corrupt.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import FEEDS
from newsvault.charset import decode_document
from newsvault.errors import FeedError
from newsvault.fetch.feeds import ParsedFeed, parse_feed
from newsvault.urls import resolve

URL = "http://example.org/feeds/feed.xml"
FIELDS = ("title", "link", "guid", "published", "updated", "author", "content")
TITLE_TEXT = "&nbsp;caf&eacute; Q& A "
TITLE_CHARS = "\u00a0café Q& A "
LINK_TEXT = "&x=1&b"  # after a "?" the link does not have yet
BODY_TEXT = "&eacute;&nbsp;Q& "
BODY_CHARS = ("é\u00a0Q& ", "é\u00a0Q&amp; ")  # as text, or escaped as the HTML it becomes
_ITEM = re.compile(r"<(?:[\w.-]+:)?(?:item|entry)[\s>]")
_PROTECTED = re.compile(r"<!\[CDATA\[.*?\]\]>|<!--.*?-->", re.S)
# the body element per content priority (xmlfeed.py), as it starts in the text
_P = r"(?:(?:rss|atom|dc):)?"  # the prefixes of the elements xmlfeed.py reads these from
_BODIES = (
    r"<content:encoded[\s>]",
    r"<(?:xhtml:)?body[\s>]",
    r"<media:description[\s>]",
    rf"<{_P}content[\s>]",
    rf"<{_P}description[\s>]",
    rf"<{_P}summary[\s>]",
)


@dataclass(frozen=True)
class Case:
    path: Path
    text: str  # the decoded document
    base: ParsedFeed
    span: tuple[int, int]  # the first item, in ``text``


def _parse(text: str) -> ParsedFeed:
    return parse_feed(text.encode("utf-8"), url=URL)


def _cases() -> list[Case]:
    cases = []
    for path in sorted(
        p
        for p in FEEDS.rglob("*")
        if p.is_file() and p.name not in ("LICENSE", "MANIFEST.json") and p.suffix != ".json"
    ):
        text = decode_document(path.read_bytes()).text
        if text.lstrip("\ufeff \t\r\n")[:1] in "{[":
            continue
        try:
            base = _parse(text)
        except FeedError:
            continue
        blanked = _PROTECTED.sub(lambda m: " " * len(m.group(0)), text)
        starts = [m.start() for m in _ITEM.finditer(blanked)]
        # one item tag per entry, so that the first tag is the first entry
        if base.entries and len(starts) == len(base.entries) and not base.kind.startswith("loose"):
            end = starts[1] if len(starts) > 1 else len(text)
            cases.append(Case(path, text, base, (starts[0], end)))
    return cases


CASES = _cases()
XML_FEEDS = [
    p
    for p in FEEDS.rglob("*")
    if p.is_file() and p.suffix != ".json" and p.name not in ("LICENSE", "MANIFEST.json")
]


def test_the_mutation_test_covers_the_fixture_feeds() -> None:
    """Every XML fixture feed with entries is a case (left out: documents with no entries
    — empty, broken beyond use, not feeds)."""
    with_entries = set()
    for path in XML_FEEDS:
        try:
            if parse_feed(path.read_bytes(), url=URL).entries:
                with_entries.add(path)
        except FeedError:
            continue
    assert with_entries and {case.path for case in CASES} == with_entries
    assert any(len(case.base.entries) >= 2 for case in CASES)


def _insert_after_start_tag(
    text: str, span: tuple[int, int], pattern: str, what: str
) -> str | None:
    """``what`` right after the first start tag matching ``pattern`` inside ``span``."""
    found = re.compile(pattern).search(text, span[0], span[1])
    if found is None:
        return None
    end = text.find(">", found.start())
    if end < 0 or text[end - 1] == "/":
        return None
    return text[: end + 1] + what + text[end + 1 :]


def _mutate_title(case: Case) -> str | None:
    for pattern in (rf"<{_P}title[\s>]", r"<media:title[\s>]"):  # xmlfeed.py's title order
        mutated = _insert_after_start_tag(case.text, case.span, pattern, TITLE_TEXT)
        if mutated is not None:
            return mutated
    return None


def _mutate_link(case: Case) -> str | None:
    """A bare ``&`` and parameters at the end of the link the entry uses (RSS text or an
    Atom ``href``)."""
    start, end = case.span
    found = [
        re.compile(rf"<{_P}link>\s*([^<\s]+)\s*</{_P}link>").search(case.text, start, end),
        re.compile(rf"<{_P}link>\s*<!\[CDATA\[\s*([^\s\]]+)\s*\]\]>").search(case.text, start, end),
    ]
    found += re.compile(r"<link\b[^>]*?\bhref=([\"'])(.*?)\1").finditer(case.text, start, end)
    for match in (m for m in found if m is not None):
        raw = match.group(match.lastindex or 1)
        if resolve(html.unescape(raw), URL) == case.base.entries[0].link:
            at = match.end() if match.group(0).endswith("]]>") else match.end(match.lastindex or 1)
            return case.text[:at] + ("" if "?" in raw else "?") + LINK_TEXT + case.text[at:]
    return None


def _expected_link(case: Case) -> str | None:
    link = case.base.entries[0].link or ""
    return resolve(link + ("" if "?" in link else "?") + LINK_TEXT, URL)


def _mutate_body(case: Case) -> str | None:
    if not case.base.entries[0].content:
        return None
    for pattern in _BODIES:
        mutated = _insert_after_start_tag(case.text, case.span, pattern, BODY_TEXT)
        if mutated is not None:
            return mutated
    return None


def _same_except(base: ParsedFeed, mutated: ParsedFeed, field: str | None) -> None:
    assert len(mutated.entries) == len(base.entries)
    for n, (before, after) in enumerate(zip(base.entries, mutated.entries, strict=True)):
        for name in FIELDS:
            if n == 0 and name == field:
                continue
            assert getattr(after, name) == getattr(before, name), (n, name)
    assert any("XML errors repaired" in note for note in mutated.notes), mutated.notes


MUTATIONS = {"title": _mutate_title, "link": _mutate_link, "content": _mutate_body}
RUNS = [
    (case, field)
    for case in CASES
    for field, mutate in MUTATIONS.items()
    if mutate(case) is not None
]


def _from_elsewhere(case: Case, field: str) -> bool:
    """A link taken from the guid, Atom id or rdf:about (mutating it mutates the guid)."""
    entry = case.base.entries[0]
    return field == "link" and entry.link == resolve(entry.guid, None)


def test_every_field_there_is_gets_mutated() -> None:
    """Each case's first entry has every field it carries mutated (none is left out
    because the test could not find it in the text)."""
    runs = {(case.path, field) for case, field in RUNS}
    missing = [
        (case.path.name, field)
        for case in CASES
        for field in MUTATIONS
        if getattr(case.base.entries[0], field)
        and (case.path, field) not in runs
        and not _from_elsewhere(case, field)
    ]
    assert not missing


@pytest.mark.parametrize(
    ("case", "field"), RUNS, ids=[f"{c.path.relative_to(FEEDS)}:{f}" for c, f in RUNS]
)
def test_one_broken_field_changes_nothing_else(case: Case, field: str) -> None:
    mutated = _parse(MUTATIONS[field](case))  # type: ignore[arg-type]
    _same_except(case.base, mutated, field)
    got = getattr(mutated.entries[0], field) or ""
    if field == "title":
        assert TITLE_CHARS in got or TITLE_CHARS.replace("&", "&amp;") in got, got
    elif field == "link":
        assert got == _expected_link(case) and got.endswith("&x=1&b")
    else:
        assert any(chars in got for chars in BODY_CHARS), got
