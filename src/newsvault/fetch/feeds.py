"""A fetched feed body → :class:`ParsedFeed` (entries in document order), or a clear error.

``parse_feed`` is the stage's entry point. It decodes the bytes (charset.py) and vets
any DOCTYPE entity declarations before a parser sees them (plain internal entities are
expanded; external, parameter and nested ones — XXE, "billion laughs" — are refused;
lxml never loads a DTD or touches the network). Then JSON Feed is read by jsonfeed.py
and RSS/Atom by lxml in recover mode (xmlfeed.py): ~16× faster than feedparser on the
fixture feeds and it recovers most broken XML. When it finds no items, a repair pass
(stray XML declarations, unquoted attributes) gets a second try, then feedparser's
lenient SGML-based parser, before the feed is reported as unreadable (README, "Fetch")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from newsvault.errors import FetchError
from newsvault.fetch import jsonfeed, loose, xmlfeed
from newsvault.fetch.charset import decode_document
from newsvault.models import Entry


class FeedError(FetchError):
    """The body is not a feed we can read (HTML page, refused DTD, unrecoverable XML)."""


@dataclass(frozen=True)
class ParsedFeed:
    kind: str  # "rss", "rdf", "atom", "json" (or "loose:…" when feedparser rescued it)
    entries: tuple[Entry, ...]
    encoding: str
    notes: tuple[str, ...] = ()


MAX_ENTITY_DECLS = 50
MAX_EXPANSION = 1_000_000
_REFUSED = "refused: the document's DOCTYPE declares XML entities that could be abused"
_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
_PLAIN_ENTITY = re.compile(r"""<!ENTITY\s+([A-Za-z_][\w.-]*)\s+("[^"&%<]*"|'[^'&%<]*')\s*>""")
_XML_DECL = re.compile(r"<\?xml\b[^<>]*\?>")
_UNQUOTED_ATTR = re.compile(r"""(<[A-Za-z_][^<>"']*?\s[\w:.-]+)=([^\s"'<>=`]+)(?=[\s/>])""")
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_FEED_LINK = re.compile(
    r"""<link[^>]+type=["']application/(?:rss|atom)\+xml["'][^>]*>""", re.I)
_HREF = re.compile(r"""href=["']([^"']+)["']""", re.I)
_PARSER_OPTIONS: dict[str, Any] = dict(resolve_entities=False, no_network=True, huge_tree=False, recover=True,
                       load_dtd=False, remove_comments=False, encoding="utf-8")


def parse_feed(data: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    """Parse one feed body fetched from ``url`` (the base for relative links)."""
    decoded = decode_document(data, content_type)
    text = decoded.text.lstrip("\ufeff \t\r\n")
    if not text:
        raise FeedError("empty document")
    if text[0] in "{[":
        return ParsedFeed("json", tuple(jsonfeed.parse_json_feed(text, url)), decoded.encoding,
                          decoded.notes)
    expand = check_entities(text)
    kind, entries = _parse_xml(text, url, expand=expand)
    notes = decoded.notes
    if not entries and kind != "html" and (repaired := repair_xml(text)) != text:
        kind2, entries2 = _parse_xml(repaired, url, expand=expand)
        if entries2:
            kind, entries = kind2, entries2
            notes += ("malformed XML repaired (stray XML declarations, unquoted attributes)",)
    if kind == "html":
        raise FeedError(_html_message(text))
    if not kind:
        rescued = loose.parse_loose(text, url)
        if rescued is None:
            raise FeedError(_not_feed_message(text))
        kind, entries = rescued
    return ParsedFeed(kind, tuple(entries), decoded.encoding, notes)


def check_entities(text: str) -> bool:
    """Vet a DOCTYPE's entity declarations; True when there are (safe) ones to expand.

    Only plain internal entities pass: a literal value with no reference to another
    entity (no nesting, hence no exponential "billion laughs"), at most
    ``MAX_ENTITY_DECLS`` of them, and at most ``MAX_EXPANSION`` characters produced in
    total. External (SYSTEM/PUBLIC) and parameter entities are refused outright.
    """
    doctype = text.find("<!DOCTYPE")
    if doctype < 0:
        return False
    first = _FIRST_ELEMENT.search(text)
    if first is not None and first.start() < doctype:
        return False  # a DOCTYPE after the root element is text, not a declaration
    end = text.find("]>", doctype)
    subset = text[doctype:end if end >= 0 else len(text)]
    declared = _ENTITY_DECL.findall(subset)
    if not declared:
        return False
    plain = dict(_PLAIN_ENTITY.findall(subset))
    plain = {name: a or b for name, (a, b) in ((n, _split(v)) for n, v in plain.items())}
    if len(plain) != len(declared) or len(plain) > MAX_ENTITY_DECLS:
        raise FeedError(_REFUSED + " (external, parameter or nested entities)")
    body = text[end:] if end >= 0 else ""
    produced = sum(len(value) * body.count(f"&{name};") for name, value in plain.items())
    if produced > MAX_EXPANSION:
        raise FeedError(_REFUSED + f" (would expand to {produced:,} characters)")
    return True


def repair_xml(text: str) -> str:
    """Fix the breakage lxml's recovery gives up on: XML declarations that are not at the
    very start (the text is already decoded, so none is needed) and unquoted attributes."""
    text = _XML_DECL.sub("", text)
    return _UNQUOTED_ATTR.sub(r'\1="\2"', text)


def _split(quoted: str) -> tuple[str, str]:
    return (quoted[1:-1], "") if quoted[0] == '"' else ("", quoted[1:-1])


def _parse_xml(text: str, url: str, *, expand: bool) -> tuple[str, list[Entry]]:
    """lxml in recover mode; entities are expanded only after check_entities vetted them."""
    parser = etree.XMLParser(**{**_PARSER_OPTIONS, "resolve_entities": "internal" if expand else False})
    try:
        root = etree.fromstring(text.encode("utf-8"), parser, base_url=url)
    except etree.XMLSyntaxError:
        return "", []
    if root is None:
        return "", []
    kind, items = xmlfeed.feed_items(root)
    return kind, list(xmlfeed.iter_entries(items, url))


def _html_message(text: str) -> str:
    """Say what we got, and where the page's own feed is when it links one."""
    link = _FEED_LINK.search(text)
    href = _HREF.search(link.group(0)) if link else None
    hint = f"; the page links to a feed at {href.group(1)}" if href else ""
    return f"not a feed: got an HTML page{hint}"


def _not_feed_message(text: str) -> str:
    parser = etree.XMLParser(**{**_PARSER_OPTIONS, "recover": False})
    try:
        etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        return f"not a readable feed: {exc.msg}"
    return "not a feed: no RSS, Atom or JSON Feed structure found"
