"""A fetched feed body → :class:`ParsedFeed` (entries in document order), or a clear error.

``parse_feed`` is the stage's entry point. It decodes the bytes (charset.py); JSON Feed
is read by jsonfeed.py, RSS/Atom by lxml in recover mode (xmlfeed.py): ~16× faster than
feedparser on the fixture feeds, and it recovers most broken XML. A document that is not
well-formed is first rewritten by xmltext.py so that libxml2's recovery cannot lose a
character (entities, bare ``&``, the DOCTYPE rule: nothing is ever fetched or expanded
beyond the limits); when items are still missing — nested by recovery inside an unclosed
element, or beyond what lxml can read — they are looked for in the whole tree, then by
feedparser's lenient SGML-based parser. Whatever was repaired is in ``notes``; an item
that cannot be read costs only itself (README, "Fetch"; docs/fetch-fidelity.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from newsvault.charset import decode_document
from newsvault.errors import FeedError
from newsvault.fetch import jsonfeed, loose, xmlfeed
from newsvault.fetch.xmltext import harden, needs_hardening
from newsvault.models import Entry


@dataclass(frozen=True)
class ParsedFeed:
    kind: str  # "rss", "rdf", "atom", "json" (or "loose:…" when feedparser rescued it)
    entries: tuple[Entry, ...]
    encoding: str
    notes: tuple[str, ...] = ()


_XML_DECL = re.compile(r"<\?xml\b[^<>]*\?>")
_UNQUOTED_ATTR = re.compile(r"""(<[A-Za-z_][^<>"']*?\s[\w:.-]+)=([^\s"'<>=`]+)(?=[\s/>])""")
_FEED_LINK = re.compile(r"""<link[^>]+type=["']application/(?:rss|atom)\+xml["'][^>]*>""", re.I)
_HREF = re.compile(r"""href=["']([^"']+)["']""", re.I)
_HTML_START = re.compile(r"(?:\s|<\?[^>]*>|<!--.*?-->)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_PARSER_OPTIONS: dict[str, Any] = dict(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    recover=True,
    load_dtd=False,
    remove_comments=False,
    encoding="utf-8",
)


@dataclass(frozen=True)
class _Read:
    kind: str  # as ParsedFeed.kind, "" when no feed root was found
    entries: list[Entry]
    notes: list[str]
    missing: bool  # the text has more item start tags than entries were read


def parse_feed(data: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    """Parse one feed body fetched from ``url`` (the base for relative links)."""
    decoded = decode_document(data, content_type)
    text = decoded.text.lstrip("\ufeff \t\r\n")
    if not text:
        raise FeedError("empty document")
    if text[0] in "{[":
        entries, repairs = jsonfeed.parse_json_feed(text, url)
        return ParsedFeed("json", tuple(entries), decoded.encoding, decoded.notes + tuple(repairs))
    read = _read_xml(text, url)
    if not read.entries and read.kind != "html" and (repaired := repair_xml(text)) != text:
        again = _read_xml(repaired, url)
        if again.entries:
            read = _Read(
                again.kind,
                again.entries,
                again.notes
                + ["malformed XML repaired (stray XML declarations, unquoted attributes)"],
                again.missing,
            )
    if read.kind == "html":
        raise FeedError(_html_message(text))
    if not read.kind or read.missing:
        read = _rescue(text, url, read)
    if not read.kind:
        raise FeedError(_not_feed_message(text))
    return ParsedFeed(
        read.kind,
        tuple(read.entries),
        decoded.encoding,
        decoded.notes + tuple(dict.fromkeys(read.notes)),
    )


def repair_xml(text: str) -> str:
    """Fix the breakage lxml's recovery gives up on: XML declarations that are not at the
    very start (the text is already decoded, so none is needed) and unquoted attributes."""
    text = _XML_DECL.sub("", text)
    return _UNQUOTED_ATTR.sub(r'\1="\2"', text)


def _read_xml(text: str, url: str) -> _Read:
    """lxml in recover mode, on the hardened text whenever the document is not well-formed."""
    hardened = harden(text) if needs_hardening(text) else None
    root, errors = _lxml(hardened.text if hardened else text, url)
    if errors and hardened is None:
        hardened = harden(text)
        root, errors = _lxml(hardened.text, url)
    if root is None:
        return _Read("", [], hardened.notes() if hardened else [], False)
    kind, items = xmlfeed.feed_items(root)
    notes = hardened.notes() if hardened else []
    expected = hardened.items.get("entry" if kind == "atom" else "item", 0) if hardened else 0
    if len(items) < expected:
        found = xmlfeed.all_items(root, kind)
        if len(found) > len(items):
            extra = len(found) - len(items)
            notes.append(
                f"{extra} {'item was' if extra == 1 else 'items were'} nested inside a "
                "broken element (an unclosed tag before them) and read from there"
            )
            items = found
    entries, skipped = xmlfeed.entries_of(items, url)
    if errors and entries:
        notes.append(f"malformed XML recovered ({errors[0]})")
    return _Read(kind, entries, notes + skipped, len(items) < expected)


def _lxml(text: str, url: str) -> tuple[etree._Element | None, list[str]]:
    """The root (None when lxml builds none) and libxml2's error messages."""
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser, base_url=url)
    except etree.XMLSyntaxError as exc:
        return None, [str(exc.msg)]
    except Exception as exc:  # noqa: BLE001 - whatever libxml2 trips on costs the parse, not the run
        return None, [f"{type(exc).__name__}: {exc}"]
    errors = [
        f"line {e.line}: {e.message.strip()}"
        for e in parser.error_log
        if e.level >= etree.ErrorLevels.ERROR
    ]
    return root, errors


def _rescue(text: str, url: str, read: _Read) -> _Read:
    """feedparser's lenient parser, when lxml found no feed or fewer items than the text
    has; its result is used only when it finds more entries."""
    try:
        rescued = loose.parse_loose(text, url)
    except Exception:  # noqa: BLE001 - the rescue is a bonus: its failure changes nothing
        rescued = None
    if rescued is None or len(rescued[1]) <= len(read.entries):
        return read
    kind, entries = rescued
    found = f"{len(entries)} entries" + (f" (lxml found {len(read.entries)})" if read.kind else "")
    return _Read(
        kind, entries, read.notes + [f"read by feedparser's lenient parser: {found}"], False
    )


def _html_message(text: str) -> str:
    """Say what we got, and where the page's own feed is when it links one."""
    link = _FEED_LINK.search(text)
    href = _HREF.search(link.group(0)) if link else None
    hint = f"; the page links to a feed at {href.group(1)}" if href else ""
    return f"not a feed: got an HTML page{hint}"


def _not_feed_message(text: str) -> str:
    if _HTML_START.match(text):
        return _html_message(text)
    parser = etree.XMLParser(**{**_PARSER_OPTIONS, "recover": False})
    try:
        etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        return f"not a readable feed: {exc.msg}"
    except Exception as exc:  # noqa: BLE001
        return f"not a readable feed: {type(exc).__name__}"
    return "not a feed: no RSS, Atom or JSON Feed structure found"
