"""Full text for summary-only feeds: fetch the article page and take its body.

Two ways, per subscription (``fulltext`` key):

* ``"auto"``: trafilatura finds the main content (images and links kept, comments,
  navigation, ads and related-links blocks left out) and returns it as HTML;
* a CSS selector (``"div.post-content"``): for sites whose pages are regular, every
  element it matches, in document order, exactly as the page has it (outer HTML).

The page is fetched with the injected client, so it obeys the fetch stage's size, time
and redirect limits. The result is *not* safe yet: it goes through the same one-line,
sanitize, absolutize and image stages as feed content (``clean.py``), against the page's
own base URL (its final URL after redirects, or its ``<base href>``).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from newsvault.content.urls import is_absolute_http
from newsvault.errors import FetchError

if TYPE_CHECKING:
    from newsvault.content import Fetcher
    from newsvault.models import Fetched

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
_CHARSET_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
MIN_TEXT = 25  # characters of text below which an extraction counts as failed


class FullTextError(FetchError):
    """The article page could not be fetched or had no extractable body."""


@dataclass(frozen=True)
class FullText:
    html: str
    base_url: str  # resolve the body's relative links against this


def decode_page(page: Fetched) -> str:
    """Page bytes to text: BOM, then the HTTP charset, then ``<meta charset>``, then UTF-8."""
    body = page.body
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(enc, errors="replace").lstrip("\ufeff")
    candidates = []
    if match := _CHARSET_HEADER.search(page.content_type):
        candidates.append(match.group(1))
    if match := _CHARSET_META.search(body[:4096]):
        candidates.append(match.group(1).decode("ascii", "replace"))
    for name in candidates:
        try:
            return body.decode(_normalize_charset(name), errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")


def _normalize_charset(name: str) -> str:
    # WHATWG Encoding: these labels mean the wider encoding in every browser.
    return {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "iso-8859-1": "cp1252",
            "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}.get(name.lower(), name)  # fmt: skip


def page_base(tree: LexborHTMLParser, final_url: str) -> str:
    """The URL relative links on the page resolve against."""
    node = tree.css_first("base[href]")
    href = str(node.attributes.get("href") or "").strip() if node is not None else ""
    joined = urljoin(final_url, href) if href else final_url
    return joined if is_absolute_http(joined) else final_url


def extract_selected(page_html: str, selector: str) -> str:
    """Outer HTML of every element ``selector`` matches, in document order."""
    tree = LexborHTMLParser(page_html)
    try:
        nodes = tree.css(selector)
    except Exception as exc:  # lexbor raises its own errors for bad selectors
        raise FullTextError(f"invalid CSS selector {selector!r}: {exc}") from None
    if not nodes:
        raise FullTextError(f"CSS selector {selector!r} matched nothing")
    return "".join(node.html or "" for node in nodes)


def extract_auto(page_html: str, url: str) -> str:
    """The main content as HTML, found by trafilatura."""
    import trafilatura  # imported here: slow to import, and only needed for "auto"

    extracted = trafilatura.extract(
        page_html,
        url=url,
        output_format="html",
        include_images=True,
        include_links=True,
        include_tables=True,
        include_comments=False,
        include_formatting=True,
    )
    if not extracted:
        raise FullTextError("no article body found on the page")
    body = LexborHTMLParser(extracted).body
    inner = body.inner_html if body is not None else extracted
    return str(inner)


async def fetch_fulltext(link: str, rule: str, fetcher: Fetcher) -> FullText:
    """Fetch ``link`` and extract its body by ``rule`` ("auto" or a CSS selector).

    Raises FullTextError (a FetchError) with the reason when there is nothing usable.
    """
    page = await fetcher.get(link, accept=PAGE_ACCEPT)
    if page.status >= 400:
        raise FullTextError(f"HTTP {page.status}")
    kind = page.content_type.split(";", 1)[0].strip().lower()
    if kind and not (kind.startswith("text/") or "html" in kind or kind.endswith("xml")):
        raise FullTextError(f"not an HTML page ({kind})")
    text = decode_page(page)
    base = page_base(LexborHTMLParser(text), page.url or link)
    if rule != "auto":
        return FullText(extract_selected(text, rule), base)
    body = extract_auto(text, base)
    if len(LexborHTMLParser(body).text(strip=True) or "") < MIN_TEXT:
        raise FullTextError("the extracted body is (almost) empty")
    return FullText(body, base)


__all__ = ["FullText", "FullTextError", "decode_page", "extract_auto", "extract_selected", "fetch_fulltext"]
