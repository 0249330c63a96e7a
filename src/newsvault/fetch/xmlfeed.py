"""The lxml adapter: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 elements → :class:`Entry`.

One pass over each item's children collects the elements we use, keyed by a short
namespace name, so the same code reads RSS 2.0, RSS 1.0 (RDF) and both Atoms. This
module is the only place that knows feed element names (STYLE.md #3).

Choices, in the order POST_FORMAT.md states them:

- content: ``content:encoded`` > ``media:group/media:description`` (or an item-level
  ``media:description``) > Atom ``content`` > ``description`` / Atom ``summary``;
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
from collections.abc import Iterator
from datetime import datetime

from lxml import etree

from newsvault.fetch.charset import fix_c1
from newsvault.fetch.dates import parse_date
from newsvault.fetch.urls import absolute_url
from newsvault.models import Entry

NS = {
    "": "", "http://purl.org/rss/1.0/": "", "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://backend.userland.com/rss2": "", "http://blogs.law.harvard.edu/tech/rss": "",
    "http://www.w3.org/2005/Atom": "atom", "http://purl.org/atom/ns#": "atom",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc", "http://purl.org/dc/terms/": "dcterms",
    "http://search.yahoo.com/mrss/": "media", "http://search.yahoo.com/mrss": "media",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
}
PREFIXES = {"rss": "", "atom": "atom", "content": "content", "dc": "dc", "dcterms": "dcterms",
            "media": "media", "rdf": "rdf", "itunes": "itunes"}
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_XMLNS = re.compile(r'\s+xmlns(?::[\w.-]+)?="[^"]*"')
_HTML_TYPES = ("html", "text/html")
_XHTML_TYPES = ("xhtml", "application/xhtml+xml")
_NOT_FEED_ROOTS = {"html", "xhtml", "head", "body"}

Fields = dict[str, etree._Element]


def feed_items(root: etree._Element) -> tuple[str, list[etree._Element]]:
    """The feed kind ("rss", "rdf", "atom", or "html") and its item elements.

    Names are matched by local name, so namespaced variants and the undeclared
    ``rss:item`` prefixes of broken feeds (recovered by lxml as plain names) both work.
    """
    local = _local(root.tag).lower()
    if local == "rss":
        return "rss", [i for ch in _children(root, "channel") for i in _children(ch, "item")] \
            + _children(root, "item")
    if local == "rdf":
        return "rdf", _children(root, "item") + [
            i for ch in _children(root, "channel") for i in _children(ch, "item")]
    if local == "feed":
        return "atom", _children(root, "entry")
    if local in _NOT_FEED_ROOTS:
        return "html", []
    return "", []


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in el if _local(child.tag) == name]


def entry_from_item(item: etree._Element, base: str) -> Entry:
    fields, links = _collect(item)
    guid = _text(fields.get("guid")) or _text(fields.get("atom:id")) or item.get(RDF_ABOUT)
    link = _rss_link(fields.get("link"), base) or _atom_link(links, base)
    if not link and guid:
        link = absolute_url(guid, None, web_only=True)
    return Entry(
        title=_title(fields.get("title") if "title" in fields else fields.get("atom:title")),
        link=link,
        guid=guid.strip() if guid and guid.strip() else None,
        author=_author(fields),
        published=_first_date(fields, "pubDate", "atom:published", "atom:issued", "dc:date",
                              "dcterms:issued", "dcterms:created", "atom:created"),
        updated=_first_date(fields, "atom:updated", "atom:modified", "dcterms:modified"),
        content=_content(fields),
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
    """"dc:creator"-style key for a child tag; None for namespaces we do not read."""
    if tag[0] == "{":
        ns, _, local = tag[1:].partition("}")
        short = NS.get(ns)
    else:  # no namespace, or a prefix the feed forgot to declare (recovered as a plain name)
        prefix, colon, local = tag.partition(":")
        if not colon:
            return tag
        short = PREFIXES.get(prefix)
    if short is None:
        return None
    return f"{short}:{local}" if short else local


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
    if len(el) and el.get("type", "").lower() in _XHTML_TYPES:
        return fix_c1("".join(el.itertext()))  # type: ignore[arg-type]  # str: parsed from text
    return _text(el)


def _author(fields: Fields) -> str | None:
    for key in ("dc:creator", "author", "atom:author", "itunes:author"):
        el = fields.get(key)
        if el is None:
            continue
        if key == "atom:author" or (key == "author" and len(el)):
            name = next((c for c in el if isinstance(c.tag, str) and
                         etree.QName(c).localname == "name"), None)
            value = _text(name)
        else:
            value = _text(el)
        if value and value.strip():
            return value.strip()
    return None


def _first_date(fields: Fields, *keys: str) -> datetime | None:
    for key in keys:
        value = parse_date(_text(fields.get(key)))
        if value is not None:
            return value
    return None


def _content(fields: Fields) -> str | None:
    for key in ("content:encoded", "media:description", "atom:content", "description",
                "atom:summary", "dc:description"):
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
    if key == "media:description":
        return _text(el) if kind == "html" else plain_to_html(el.text or "")
    if not key.startswith("atom:"):
        return _text(el)
    if el.get("mode") == "base64":
        try:
            return base64.b64decode(el.text or "").decode("utf-8", "replace")
        except ValueError:
            return None
    if kind in _XHTML_TYPES or (len(el) and el.get("mode") == "xml"):
        div = el[0] if len(el) == 1 and etree.QName(el[0]).localname == "div" else el
        return inner_xml(div) if not (el.text or "").strip() else inner_xml(el)
    if kind in _HTML_TYPES or (kind == "" and key == "atom:content" and len(el)):
        return _text(el)
    if kind in ("", "text", "text/plain"):
        return plain_to_html(el.text or "")
    return _text(el)


def plain_to_html(text: str) -> str:
    """Plain text in an HTML post: escaped, line breaks kept as <br>."""
    return "<br>\n".join(html.escape(line, quote=False) for line in text.strip().splitlines())


def _rss_link(el: etree._Element | None, base: str) -> str | None:
    if el is None:
        return None
    href = el.get("href") if el.get("href") else el.text
    return absolute_url(href, el.base or base) if href and href.strip() else None


def _atom_link(links: list[etree._Element], base: str) -> str | None:
    """The rel="alternate" (or rel-less) link, HTML before other types; never enclosures."""
    alternates = [link for link in links if link.get("href") and link.get("rel", "alternate") == "alternate"]
    alternates.sort(key=lambda link: 0 if "html" in link.get("type", "text/html") else 1)
    for link in alternates:
        url = absolute_url(link.get("href"), link.base or base)
        if url:
            return url
    return None


def iter_entries(items: list[etree._Element], base: str) -> Iterator[Entry]:
    for item in items:
        yield entry_from_item(item, base)
