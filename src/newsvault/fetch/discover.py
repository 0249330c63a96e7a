"""What ``newsvault add URL`` needs to know about URL: the feed it is, or the feed its
page links to (autodiscovery), and the feed's own title (the default site name).

Everything is fetched by the project's one HTTP client (its limits, size caps and
redirect checks) as a subscription is (a feed a page links to on another host, as a
full-text page is: global addresses only), and read by the feed parser the runs use, so a
feed that ``add`` accepts is one the next run can read. XML is read hardened (no
DOCTYPE, no entity expansion: :mod:`newsvault.fetch.xmltext`), HTML by the standard
library's tokenizer, which runs nothing and fetches nothing.
"""

from __future__ import annotations

import html.parser
import json
import re
import urllib.parse
from dataclasses import dataclass

from lxml import etree

from newsvault.charset import decode_document
from newsvault.errors import FeedError, FetchError, NoFeedFound
from newsvault.fetch.feeds import parse_feed
from newsvault.fetch.http import FEED_ACCEPT, HttpClient
from newsvault.fetch.xmltext import harden
from newsvault.models import Fetched
from newsvault.urls import resolve

# <link rel="alternate" type=…> values that announce a feed (plain application/json is
# not one: WordPress uses it for its REST API).
FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FeedLink:
    """A feed a page announces in its ``<head>``."""

    url: str
    type: str  # RSS, Atom or JSON Feed
    title: str | None


@dataclass(frozen=True)
class Found:
    """The feed behind a URL given to ``add``."""

    url: str  # the feed's URL: the one given, or the one its page links to
    title: str | None  # the feed's own title (whitespace collapsed), if it has one
    kind: str  # rss, rdf, atom, json…
    page: str | None = None  # the page it was found on, when the URL was a page
    others: tuple[str, ...] = ()  # the other feeds that page links to


async def find_feed(client: HttpClient, url: str) -> Found:
    """The feed at ``url``, or the first readable feed its HTML page links to.

    Raises FetchError saying what was found instead (a page without feed links, feeds
    that cannot be read)."""
    fetched = await _get(client, url)
    try:
        parsed = parse_feed(fetched.body, url=fetched.url, content_type=fetched.content_type)
    except FeedError as exc:
        text = decode_document(fetched.body, fetched.content_type).text
        links = feed_links(text, fetched.url)
        if not links:
            raise NoFeedFound(
                f'{url}: {exc}, and it links to no feed (no <link rel="alternate" '
                'type="application/rss+xml"…>)',
                url=url,
            ) from None
        return await _first_readable(client, url, fetched.url, links)
    return Found(url, feed_title(fetched), parsed.kind)


async def _first_readable(
    client: HttpClient, page: str, final: str, links: list[FeedLink]
) -> Found:
    """The first of ``links`` that reads as a feed. A link to the page's own host is the
    keeper's as much as the page is; one elsewhere is what a web page points at, and is
    fetched like a full-text page: web addresses on global IPs only."""
    home = urllib.parse.urlsplit(final).netloc.lower()
    problems = []
    for link in links:
        try:
            if urllib.parse.urlsplit(link.url).netloc.lower() == home:
                fetched = await _get(client, link.url)
            else:
                fetched = await client.get(link.url, accept=FEED_ACCEPT)
            parsed = parse_feed(fetched.body, url=fetched.url, content_type=fetched.content_type)
        except FetchError as exc:
            problems.append(f"{link.url}: {exc}")
            continue
        others = tuple(other.url for other in links if other.url != link.url)
        return Found(link.url, feed_title(fetched) or link.title, parsed.kind, page, others)
    raise NoFeedFound(
        f"{page} links to {len(links)} feed{'s' if len(links) > 1 else ''}, but none "
        f"can be read: {'; '.join(problems)}",
        url=page,
    )


async def _get(client: HttpClient, url: str) -> Fetched:
    fetched = await client.fetch_feed(url)
    if not 200 <= fetched.status < 300:
        raise FetchError(f"{url}: HTTP {fetched.status}", url=url, status=fetched.status)
    return fetched


class _LinkFinder(html.parser.HTMLParser):
    """Collects ``<base href>`` and the feed ``<link>`` elements of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str, str | None]] = []  # href, type, title

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "link" and "alternate" in values.get("rel", "").lower().split():
            kind = FEED_TYPES.get(values.get("type", "").split(";")[0].strip().lower())
            if kind and values.get("href", "").strip():
                self.links.append((values["href"], kind, _clean(values.get("title"))))

    handle_startendtag = handle_starttag


def feed_links(page: str, url: str) -> list[FeedLink]:
    """The feeds ``page`` (HTML, fetched from ``url``) announces, in page order, each once."""
    finder = _LinkFinder()
    try:
        finder.feed(page)
        finder.close()
    except AssertionError:  # html.parser's way of giving up on hopeless markup
        pass
    base = resolve(finder.base, url) or url
    found: dict[str, FeedLink] = {}
    for href, kind, title in finder.links:
        target = resolve(href, base)
        if target and target not in found:
            found[target] = FeedLink(target, kind, title)
    return list(found.values())


def feed_title(fetched: Fetched) -> str | None:
    """The feed's own title (RSS/RDF channel title, Atom feed title, JSON Feed title)."""
    text = decode_document(fetched.body, fetched.content_type).text.lstrip("\ufeff \t\r\n")
    if text[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return _clean(data.get("title")) if isinstance(data, dict) else None
    root = parse_xml(text)
    if root is None:
        return None
    holder = root
    if _local(root.tag) in ("rss", "rdf"):
        holder = next((c for c in root if _local(c.tag) == "channel"), root)
    title = next((c for c in holder if _local(c.tag) == "title"), None)
    return _clean("".join(str(t) for t in title.itertext())) if title is not None else None


def parse_xml(text: str) -> etree._Element | None:
    """The root of untrusted XML text, read hardened; None when there is no document.

    The DOCTYPE is removed and entities are expanded within limits before lxml sees the
    text (XXE and "billion laughs" are harmless), and lxml fetches nothing."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        load_dtd=False,
        encoding="utf-8",
    )
    try:
        return etree.fromstring(harden(text).text.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _clean(text: object) -> str | None:
    """Whitespace collapsed; None for nothing."""
    if not isinstance(text, str):
        return None
    return _SPACE.sub(" ", text).strip() or None
