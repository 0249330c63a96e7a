"""The lxml adapter: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 elements → :class:`Entry`.

One pass over each item's children collects the elements we use, keyed by a short
namespace name, so the same code reads RSS 2.0, RSS 1.0 (RDF) and both Atoms. This
module is the only place that knows feed element names.

Choices, in the order docs/post-format.md states them:

- title: RSS ``title`` > Atom ``title`` > ``dc:title`` > ``media:title``;
- content: ``content:encoded`` > ``xhtml:body`` > ``media:group/media:description`` (or an
  item-level ``media:description``) > Atom ``content`` > ``description`` / Atom
  ``summary`` > ``dc:description`` > ``itunes:summary``;
- author: ``dc:creator`` > RSS ``author`` > Atom ``author/name`` > ``itunes:author`` (the
  item's own, never the feed's, like the reference);
- link: RSS ``link`` > Atom ``link`` (rel ``alternate`` or none, HTML first) > the guid
  when it is an http(s) URL; made absolute against ``xml:base`` / the feed URL;
- guid: RSS ``guid`` > Atom ``id`` > RDF ``rdf:about``;
- published: ``pubDate`` > Atom ``published``/``issued`` > ``dc:date`` > ``dcterms:issued``/``created``;
  updated: Atom ``updated``/``modified`` > ``dcterms:modified``.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

from lxml import etree

from newsvault.charset import fix_c1
from newsvault.fetch.dates import parse_date
from newsvault.models import Entry
from newsvault.urls import resolve

NS = {
    "": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://backend.userland.com/rss2": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://www.w3.org/2005/Atom": "atom",
    "http://purl.org/atom/ns#": "atom",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/elements/1.0/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://search.yahoo.com/mrss/": "media",
    "http://search.yahoo.com/mrss": "media",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
}
# Feeds misspell namespace names in harmless ways (Apple's own examples write
# "DTDs/Podcast-1.0.dtd"; "…/modules/content" without its slash, https): those match too.
_LOOSE_NS = {
    ns.lower().removeprefix("https:").removeprefix("http:").rstrip("/#"): short
    for ns, short in NS.items()
    if ns
}
PREFIXES = {
    "rss": "",
    "atom": "atom",
    "content": "content",
    "dc": "dc",
    "dcterms": "dcterms",
    "media": "media",
    "rdf": "rdf",
    "itunes": "itunes",
    "xhtml": "xhtml",
}
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_XMLNS = re.compile(r'\s+xmlns(?::[\w.-]+)?="[^"]*"')
_HTML_TYPES = ("html", "text/html")
_XHTML_TYPES = ("xhtml", "application/xhtml+xml")
_NOT_FEED_ROOTS = {"html", "xhtml", "head", "body"}
_FEED_ROOTS = {"rss", "rdf", "feed"}
_ITEM_NAMES = {"rss": "item", "rdf": "item", "atom": "entry"}

Fields = dict[str, etree._Element]
T = TypeVar("T")


def feed_items(root: etree._Element) -> tuple[str, list[etree._Element]]:
    """The feed kind ("rss", "rdf", "atom", or "html") and its item elements.

    Names are matched by local name, so namespaced variants and the undeclared
    ``rss:item`` prefixes of broken feeds (recovered by lxml as plain names) both work.
    """
    local = _local(root.tag).lower()
    if local == "rss":
        return "rss", [
            i for ch in _children(root, "channel") for i in _children(ch, "item")
        ] + _children(root, "item")
    if local == "rdf":
        return "rdf", _children(root, "item") + [
            i for ch in _children(root, "channel") for i in _children(ch, "item")
        ]
    if local == "feed":
        return "atom", _children(root, "entry")
    if local in _NOT_FEED_ROOTS:  # a feed inside an (X)HTML page is still a feed
        inner = next((el for el in root.iter() if _local(el.tag).lower() in _FEED_ROOTS), None)
        return feed_items(inner) if inner is not None else ("html", [])
    return "", []


def all_items(root: etree._Element, kind: str) -> list[etree._Element]:
    """Every item element of the document in order, wherever recovery put it (an
    unclosed ``<itunes:category>`` before the items makes libxml2 nest them inside)."""
    name = _ITEM_NAMES.get(kind)
    return [el for el in root.iter() if name and _local(el.tag) == name]


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in el if _local(child.tag) == name]


_PUBLISHED = (
    "pubDate",
    "atom:published",
    "atom:issued",
    "dc:date",
    "dcterms:issued",
    "dcterms:created",
    "atom:created",
)
_UPDATED = ("atom:updated", "atom:modified", "dcterms:modified")
_TITLES = ("title", "atom:title", "dc:title", "media:title")


def entry_from_item(item: etree._Element, base: str) -> Entry:
    fields, links = _collect(item)
    guid = _text(fields.get("guid")) or _text(fields.get("atom:id")) or item.get(RDF_ABOUT)
    link = _rss_link(fields.get("link"), base) or _atom_link(links, base)
    if not link and guid:
        link = resolve(guid, None, web_only=True)
    published, unread = _first_date(fields, _PUBLISHED)
    updated, unread_updated = _first_date(fields, _UPDATED)
    title_key = next((k for k in _TITLES if k in fields), None)
    return Entry(
        title=_title(fields.get(title_key) if title_key else None),
        link=link,
        guid=guid.strip() if guid and guid.strip() else None,
        author=_author(fields),
        published=published,
        updated=updated,
        content=_content(fields),
        unread_date=None if published or updated else unread or unread_updated,
    )


def _collect(item: etree._Element) -> tuple[Fields, list[etree._Element]]:
    """First child per (namespace, name); all Atom links; media:group's description."""
    fields: Fields = {}
    links: list[etree._Element] = []
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        key = _key(tag)
        if key is None:
            continue
        if key == "atom:link":
            links.append(child)
        elif key == "media:group":
            desc = _media_description(child)
            if desc is not None:
                fields.setdefault("media:description", desc)
        fields.setdefault(key, child)
    return fields, links


def _key(tag: str) -> str | None:
    """ "dc:creator"-style key for a child tag; None for namespaces we do not read."""
    if tag[0] == "{":
        ns, _, local = tag[1:].partition("}")
        short = NS[ns] if ns in NS else _loose_namespace(ns)
    else:  # no namespace, or a prefix the feed forgot to declare (recovered as a plain name)
        prefix, colon, local = tag.partition(":")
        if not colon:
            return tag
        short = PREFIXES.get(prefix)
    if short is None:
        return None
    return f"{short}:{local}" if short else local


@lru_cache(maxsize=512)
def _loose_namespace(ns: str) -> str | None:
    return _LOOSE_NS.get(ns.lower().removeprefix("https:").removeprefix("http:").rstrip("/#"))


def _media_description(group: etree._Element) -> etree._Element | None:
    for child in group:
        if isinstance(child.tag, str) and _key(child.tag) == "media:description":
            return child
    return None


def _text(el: etree._Element | None) -> str | None:
    """The element's text; child elements (unescaped HTML inside RSS) are serialized back."""
    if el is None:
        return None
    if len(el) == 0:
        return fix_c1(el.text) if el.text else el.text
    return fix_c1(inner_xml(el))


def inner_xml(el: etree._Element) -> str:
    parts = [html.escape(el.text, quote=False)] if el.text else []
    for child in el:
        if isinstance(child.tag, str) or isinstance(child, etree._Comment):
            parts.append(etree.tostring(child, encoding="unicode", with_tail=False))
        if child.tail:
            parts.append(html.escape(child.tail, quote=False))
    return _XMLNS.sub("", "".join(parts))


def _title(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    if el.get("mode") == "base64":  # Atom 0.3
        return _base64(el.text)
    if len(el) and el.get("type", "").lower() in _XHTML_TYPES:
        return fix_c1("".join(el.itertext()))  # type: ignore[arg-type]  # str: parsed from text
    return _text(el)


def _author(fields: Fields) -> str | None:
    for key in ("dc:creator", "author", "atom:author", "itunes:author"):
        el = fields.get(key)
        if el is None:
            continue
        if key == "atom:author" or (key == "author" and len(el)):
            name = next((c for c in el if isinstance(c.tag, str) and _local(c.tag) == "name"), None)
            value = _text(name)
        else:
            value = _text(el)
        if value and value.strip():
            return value.strip()
    return None


def _first_date(fields: Fields, keys: tuple[str, ...]) -> tuple[datetime | None, str | None]:
    """The first date that reads, else (None, the first date text that did not)."""
    unread = None
    for key in keys:
        text = _text(fields.get(key))
        value = parse_date(text)
        if value is not None:
            return value, None
        if unread is None and text and text.strip():
            unread = text.strip()
    return None, unread


def _content(fields: Fields) -> str | None:
    for key in (
        "content:encoded",
        "xhtml:body",
        "media:description",
        "atom:content",
        "description",
        "atom:summary",
        "dc:description",
        "itunes:summary",
    ):
        el = fields.get(key)
        if el is None or el.get("src"):
            continue
        value = _typed_content(el, key)
        if value and value.strip():
            return value
    return None


def _typed_content(el: etree._Element, key: str) -> str | None:
    """Atom/media content types → HTML: text is escaped, xhtml serialized, base64 decoded."""
    kind = el.get("type", "").lower()
    if key == "xhtml:body":
        return inner_xml(el)
    if key == "media:description":
        return _text(el) if kind == "html" else plain_to_html(el.text or "")
    if not key.startswith("atom:"):
        return _text(el)
    if el.get("mode") == "base64":
        return _base64(el.text)
    if kind in _XHTML_TYPES or (len(el) and el.get("mode") == "xml"):
        div = el[0] if len(el) == 1 and _local(el[0].tag) == "div" else el
        return inner_xml(div) if not (el.text or "").strip() else inner_xml(el)
    if kind in _HTML_TYPES or (kind == "" and key == "atom:content" and len(el)):
        return _text(el)
    if kind in ("", "text", "text/plain"):
        return plain_to_html(el.text or "")
    return _text(el)


def _base64(text: str | None) -> str | None:
    try:
        return base64.b64decode(text or "").decode("utf-8", "replace")
    except ValueError:
        return None


def plain_to_html(text: str) -> str:
    """Plain text in an HTML post: escaped, line breaks kept as <br>."""
    return "<br>\n".join(html.escape(line, quote=False) for line in text.strip().splitlines())


def _rss_link(el: etree._Element | None, base: str) -> str | None:
    if el is None:
        return None
    href = el.get("href") if el.get("href") else el.text
    return resolve(href, el.base or base) if href and href.strip() else None


def _atom_link(links: list[etree._Element], base: str) -> str | None:
    """The rel="alternate" (or rel-less) link, HTML before other types; never enclosures."""
    alternates = [
        link for link in links if link.get("href") and link.get("rel", "alternate") == "alternate"
    ]
    alternates.sort(key=lambda link: 0 if "html" in link.get("type", "text/html") else 1)
    for link in alternates:
        url = resolve(link.get("href"), link.base or base)
        if url:
            return url
    return None


def entries_of(items: list[etree._Element], base: str) -> tuple[list[Entry], list[str]]:
    """The entries of ``items``; an item that cannot be read costs itself only (a note)."""
    return read_each(items, lambda item: entry_from_item(item, base))


def read_each(items: Iterable[T], read: Callable[[T], Entry]) -> tuple[list[Entry], list[str]]:
    """``read`` every item; one that raises is skipped and named in the note returned."""
    entries: list[Entry] = []
    failed: list[str] = []
    for position, item in enumerate(items, 1):
        try:
            entries.append(read(item))
        except Exception as exc:  # noqa: BLE001 - a hostile item costs itself, not the feed
            failed.append(f"item {position} ({type(exc).__name__}: {str(exc)[:80]})")
    notes = (
        [
            f"{len(failed)} unreadable {'entry' if len(failed) == 1 else 'entries'} skipped: "
            + "; ".join(failed[:3])
        ]
        if failed
        else []
    )
    return entries, notes
