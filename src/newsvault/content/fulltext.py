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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborHTMLParser

from newsvault.charset import decode_html
from newsvault.errors import FullTextError, attach
from newsvault.urls import is_absolute_http, resolve

if TYPE_CHECKING:
    from newsvault.content.fetcher import Fetcher
    from newsvault.models import Fetched

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
MIN_TEXT = 25  # characters of text below which an extraction counts as failed


@dataclass(frozen=True)
class FullText:
    html: str
    base_url: str  # resolve the body's relative links against this
    final_url: str = ""  # the page's URL after redirects (provenance)
    status: int | None = None  # the page's HTTP status (provenance)


def decode_page(page: Fetched) -> str:
    """Page bytes to text, by the same evidence as feeds (``newsvault.charset``), with the
    page's ``<meta charset>`` in the place of an XML prolog."""
    return decode_html(page.body, page.content_type)


def page_base(tree: LexborHTMLParser, final_url: str) -> str:
    """The URL relative links on the page resolve against."""
    node = tree.css_first("base[href]")
    href = str(node.attributes.get("href") or "").strip() if node is not None else ""
    joined = (resolve(href, final_url) or final_url) if href else final_url
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

    Raises FullTextError (a FetchError) with the reason when there is nothing usable;
    the error's ``url`` is ``link``.
    """
    with attach(url=link):
        return await _fetch_fulltext(link, rule, fetcher)


async def _fetch_fulltext(link: str, rule: str, fetcher: Fetcher) -> FullText:
    page = await fetcher.get(link, accept=PAGE_ACCEPT)
    if page.status >= 400:
        raise FullTextError(f"HTTP {page.status}")
    kind = page.content_type.split(";", 1)[0].strip().lower()
    if kind and not (kind.startswith("text/") or "html" in kind or kind.endswith("xml")):
        raise FullTextError(f"not an HTML page ({kind})")
    text = decode_page(page)
    base = page_base(LexborHTMLParser(text), page.url or link)
    if rule != "auto":
        return FullText(extract_selected(text, rule), base, page.url or link, page.status)
    body = extract_auto(text, base)
    if len(LexborHTMLParser(body).text(strip=True) or "") < MIN_TEXT:
        raise FullTextError("the extracted body is (almost) empty")
    return FullText(body, base, page.url or link, page.status)


__all__ = [
    "FullText",
    "FullTextError",
    "decode_page",
    "extract_auto",
    "extract_selected",
    "fetch_fulltext",
]
