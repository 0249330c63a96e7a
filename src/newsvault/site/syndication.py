"""Atom feeds, sitemap.xml and robots.txt — plain string building with XML escaping.

Feeds must parse without errors, so every text is stripped of characters XML 1.0
forbids (real posts carry U+0008) before it is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from newsvault.site.content import XML_ILLEGAL

EPOCH = "1970-01-01T00:00:00Z"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _legal(text: str) -> str:
    if text.isascii() and text.isprintable():  # URLs, most names: nothing XML forbids
        return text
    return XML_ILLEGAL.sub("", text)


def xml_text(text: str) -> str:
    return _escape(_legal(text))


def cdata(text: str) -> str:
    """XML-legal text as CDATA: nothing to escape but the section's own end marker. An
    entry's content is the whole article, and three escaping passes over it were most
    of the cost of making a feed entry."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def xml_attr(text: str) -> str:
    """A quoted attribute value, as ``xml.sax.saxutils.quoteattr`` makes it (that module
    imports urllib.request and the email package: a tenth of the site build's start-up)."""
    value = xml_text(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "&quot;") + '"'


def rfc3339(when: datetime) -> str:
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"


@dataclass(frozen=True)
class FeedEntry:
    title: str
    url: str  # absolute; "" when no base_url is set (then the entry has no link)
    id: str
    date: datetime  # aware UTC
    author: str
    categories: tuple[str, ...]
    html: str  # XML-legal already (the article HTML is: see content.xml_legal)


def _web(url: str) -> bool:
    """Links in a feed are absolute: without ``base_url`` they are left out, not guessed."""
    return url.startswith(("http://", "https://"))


def entry_xml(e: FeedEntry) -> bytes:
    """One ``<entry>``, UTF-8 (kept between builds by the caller: reading and cleaning
    100 articles is costly; as bytes, a feed is written from stored entries without
    decoding them)."""
    stamp = rfc3339(e.date)
    out = [
        "<entry>\n"
        f"<title>{xml_text(e.title)}</title>\n"
        + (
            f'<link rel="alternate" type="text/html" href={xml_attr(e.url)}/>\n'
            if _web(e.url)
            else ""
        )
        + f"<id>{xml_text(e.id)}</id>\n"
        f"<published>{stamp}</published>\n<updated>{stamp}</updated>\n"
        f"<author><name>{xml_text(e.author or '-')}</name></author>\n"
    ]
    out.extend(f"<category term={xml_attr(c)}/>\n" for c in e.categories)
    out.append(f'<content type="html">{cdata(e.html)}</content>\n</entry>\n')
    return "".join(out).encode("utf-8")


def atom_feed(
    *,
    title: str,
    feed_url: str,
    home_url: str,
    feed_id: str,
    language: str,
    entries: list[bytes],
    updated_at: datetime | None,
) -> list[bytes]:
    """An Atom 1.0 document from ready ``entries``, in parts (the caller writes them one
    after the other); ``updated`` is the newest entry's date (``updated_at``), so the
    bytes are reproducible."""
    updated = rfc3339(updated_at) if updated_at else EPOCH
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={xml_attr(language)}>\n',
        f"<title>{xml_text(title)}</title>\n",
        f"<id>{xml_text(feed_id)}</id>\n",
        *(
            [
                f'<link rel="self" type="application/atom+xml" href={xml_attr(feed_url)}/>\n',
                f'<link rel="alternate" type="text/html" href={xml_attr(home_url)}/>\n',
            ]
            if _web(feed_url)
            else []
        ),
        f"<updated>{updated}</updated>\n",
        "<generator>newsvault</generator>\n",
    ]
    return ["".join(out).encode("utf-8"), *entries, b"</feed>\n"]


def urlset(urls: list[tuple[str, datetime | None]]) -> bytes:
    """A sitemap: ``(absolute URL, last modified)`` pairs."""
    rows = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
    ]
    for loc, mod in urls:
        lastmod = f"<lastmod>{rfc3339(mod)}</lastmod>" if mod else ""
        rows.append(f"<url><loc>{xml_text(loc)}</loc>{lastmod}</url>\n")
    rows.append("</urlset>\n")
    return "".join(rows).encode("utf-8")


def sitemap_index(locs: list[str]) -> bytes:
    """A sitemap index: the absolute URLs of the sitemaps it joins."""
    rows = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
    ]
    rows += [f"<sitemap><loc>{xml_text(loc)}</loc></sitemap>\n" for loc in locs]
    rows.append("</sitemapindex>\n")
    return "".join(rows).encode("utf-8")


def robots_txt(sitemap_url: str) -> bytes:
    """Everything may be crawled; the sitemap is named only when its URL is absolute
    (that is, when ``base_url`` is set), as the robots.txt convention requires."""
    line = f"Sitemap: {sitemap_url}\n" if sitemap_url.startswith(("http://", "https://")) else ""
    return f"User-agent: *\nAllow: /\n{line}".encode()
