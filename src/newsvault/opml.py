"""OPML, the file feed readers exchange subscriptions in: reading one into subs.json
entries, and writing subs.json out as one.

Folders (outlines nested in outlines) become each entry's ``folder`` ("News/Tech"), a
key only OPML export and ``list`` use: it changes nothing in the posts (a folder is
not a category; add ``categories`` for that). The file is untrusted: it is read hardened
(no DOCTYPE, no entity expansion, nothing fetched) and capped in size.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from lxml import etree

from newsvault.charset import decode_document
from newsvault.errors import UsageError
from newsvault.fetch.discover import parse_xml

MAX_BYTES = 20 * 1024 * 1024  # 100,000 feeds; a bigger "OPML" file is something else
_SPACE = re.compile(r"\s+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class OpmlFeed:
    """One feed outline: its name, feed URL and folder path ("" at the top)."""

    site: str
    url: str
    folder: str = ""


def read_opml(data: bytes, name: str = "the file") -> list[OpmlFeed]:
    """The feed outlines of an OPML document, in document order.

    A feed outline has ``xmlUrl``; its name is its ``title`` or ``text`` (else the URL's
    host); its folder is the path of the outlines around it (or, at the top, its
    ``category`` attribute's first path). Raises UsageError when it is not OPML."""
    if len(data) > MAX_BYTES:
        raise UsageError(f"{name}: larger than {MAX_BYTES:,} bytes: not an OPML subscription list")
    root = parse_xml(decode_document(data).text)
    if root is None or _local(root.tag) != "opml":
        raise UsageError(f"{name}: not an OPML file (its root element must be <opml>)")
    body = next((c for c in root if _local(c.tag) == "body"), None)
    feeds: list[OpmlFeed] = []
    # (element, folder path), depth first in document order, without recursion
    stack: list[tuple[Any, tuple[str, ...]]] = [
        (c, ()) for c in reversed(list(body if body is not None else ()))
    ]
    while stack:
        el, path = stack.pop()
        if _local(el.tag) != "outline":
            continue
        attrs = {_local(k): v for k, v in el.attrib.items()}
        label = _clean(attrs.get("title")) or _clean(attrs.get("text"))
        url = (attrs.get("xmlurl") or "").strip()
        if url:
            folder = "/".join(path) or _category(attrs.get("category"))
            feeds.append(OpmlFeed(label or _host(url), url, folder))
        children = [c for c in el if _local(c.tag) == "outline"]
        inner = path + ((label.replace("/", "-"),) if label and not url else ())
        stack.extend((c, inner) for c in reversed(children))
    return feeds


def write_opml(entries: Iterable[Mapping[str, Any]], title: str, now: datetime) -> bytes:
    """subs.json entries as an OPML 2.0 document, nested by their ``folder``."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = _xml_text(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(now)
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")
    folders: dict[tuple[str, ...], Any] = {(): body}
    for entry in entries:
        path = tuple(p.strip() for p in str(entry.get("folder") or "").split("/") if p.strip())
        parent = body
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in folders:
                folders[key] = etree.SubElement(
                    folders[key[:-1]], "outline", text=_xml_text(key[-1]), title=_xml_text(key[-1])
                )
            parent = folders[key]
        site = _xml_text(str(entry.get("site", "")))
        etree.SubElement(
            parent,
            "outline",
            type="rss",
            text=site,
            title=site,
            xmlUrl=_xml_text(str(entry.get("url", ""))),
        )
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _category(value: str | None) -> str:
    """The first path of an outline's ``category`` ("/News/Tech,/Other" → "News/Tech")."""
    first = (value or "").split(",")[0]
    return "/".join(p.strip() for p in first.split("/") if p.strip())


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or url


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _xml_text(text: str) -> str:
    """What XML can hold of ``text`` (control characters and lone surrogates → U+FFFD)."""
    return _NOT_XML.sub("\ufffd", text)
