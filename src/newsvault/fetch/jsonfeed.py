"""JSON Feed 1.0/1.1 (https://jsonfeed.org) → :class:`Entry`.

Content: ``content_html`` > ``content_text`` (escaped, line breaks kept) > ``summary``.
Author: the item's ``authors[0].name`` (1.1) or ``author.name`` (1.0).
Link: ``url`` > ``external_url`` > ``id`` when it is an http(s) URL.

An item that cannot be read costs only itself (it is skipped and named in the notes);
a number too long for Python's ``int`` (over 4,300 digits) is kept as its digits.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from newsvault.errors import FetchError
from newsvault.fetch.dates import parse_date
from newsvault.fetch.xmlfeed import plain_to_html, read_each
from newsvault.models import Entry
from newsvault.urls import resolve


def parse_json_feed(text: str, base: str) -> tuple[list[Entry], list[str]]:
    """The entries, and notes on what was repaired or skipped."""
    long_numbers = 0

    def number(digits: str) -> int | str:
        nonlocal long_numbers
        if len(digits.lstrip("-")) <= sys.get_int_max_str_digits():
            return int(digits)
        long_numbers += 1
        return digits

    try:
        data = json.loads(text, parse_int=number)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FetchError(f"not a readable JSON Feed: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FetchError('not a JSON Feed: no "items" list')
    entries, notes = read_each(
        (i for i in data["items"] if isinstance(i, dict)), lambda item: _entry(item, base)
    )
    if long_numbers:
        what = "JSON number" if long_numbers == 1 else "JSON numbers"
        notes.append(
            f"{long_numbers} {what} of more than {sys.get_int_max_str_digits():,} "
            "digits kept as text"
        )
    return entries, notes


def _entry(item: dict[str, Any], base: str) -> Entry:
    guid = item.get("id")
    guid = str(guid).strip() if isinstance(guid, (str, int)) and str(guid).strip() else None
    link = (
        resolve(_str(item.get("url")), base)
        or resolve(_str(item.get("external_url")), base)
        or resolve(guid, None, web_only=True)
    )
    published_text, updated_text = _str(item.get("date_published")), _str(item.get("date_modified"))
    published, updated = parse_date(published_text), parse_date(updated_text)
    unread = None if published or updated else (published_text or updated_text or "").strip()
    return Entry(
        title=_str(item.get("title")),
        link=link,
        guid=guid,
        author=_author(item),
        published=published,
        updated=updated,
        content=_content(item),
        unread_date=unread or None,
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _author(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else []
    candidates = candidates + [item.get("author")]
    for author in candidates:
        name = author.get("name") if isinstance(author, dict) else None
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def _content(item: dict[str, Any]) -> str | None:
    if (value := _str(item.get("content_html"))) and value.strip():
        return value
    if (value := _str(item.get("content_text"))) and value.strip():
        return plain_to_html(value)
    if (value := _str(item.get("summary"))) and value.strip():
        return plain_to_html(value)
    return None
