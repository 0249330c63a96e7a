"""feedparser as the last resort, for documents lxml cannot make a feed of.

feedparser's loose (SGML) parser reads some tag soup that no XML parser recovers; it
is ~10× slower than the lxml adapter, so it only runs when lxml found no feed at all, or
fewer items than the document's item tags (feeds.py), and counts only when it finds more.
Its result becomes :class:`Entry` here and nowhere else, with the same field
priorities as xmlfeed.py (``content`` covers content:encoded and Atom content). Dates
are read from feedparser's raw strings by our own dates.py: its ``*_parsed`` values
come from lenient parsers that guess (see docs/fetch-dates.md).
"""

from __future__ import annotations

from typing import Any

from newsvault.fetch.dates import parse_date
from newsvault.models import Entry
from newsvault.urls import resolve


def parse_loose(text: str, url: str) -> tuple[str, list[Entry]] | None:
    """(``"loose:<version>"``, entries), or None when feedparser finds no entries either."""
    import feedparser

    result = feedparser.parse(
        text.encode("utf-8"),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
        },
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries = result.get("entries") or []
    if not entries:
        return None
    return f"loose:{result.get('version') or 'unknown'}", [_entry(e, url) for e in entries]


def _entry(item: Any, base: str) -> Entry:
    guid = (item.get("id") or "").strip() or None
    link = resolve(item.get("link"), base) or resolve(guid, None, web_only=True)
    published_text = dict.get(item, "published")  # raw keys: no feedparser aliasing
    updated_text = dict.get(item, "updated")
    published, updated = parse_date(published_text), parse_date(updated_text)
    return Entry(
        title=item.get("title"),
        link=link,
        guid=guid,
        author=(item.get("author") or "").strip() or None,
        published=published,
        updated=updated,
        content=_content(item),
        unread_date=None if published or updated else (published_text or updated_text or None),
    )


def _content(item: Any) -> str | None:
    for part in item.get("content") or []:
        if part.get("value", "").strip():
            return part["value"]
    summary = item.get("summary")
    return summary if summary and summary.strip() else None
