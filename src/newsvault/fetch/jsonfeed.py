"""JSON Feed 1.0/1.1 (https://jsonfeed.org) → :class:`Entry`.

Content: ``content_html`` > ``content_text`` (escaped, line breaks kept) > ``summary``.
Author: the item's ``authors[0].name`` (1.1) or ``author.name`` (1.0).
Link: ``url`` > ``external_url`` > ``id`` when it is an http(s) URL.
"""

from __future__ import annotations

import json
from typing import Any

from newsvault.errors import FetchError
from newsvault.fetch.dates import parse_date
from newsvault.fetch.urls import absolute_url
from newsvault.fetch.xmlfeed import plain_to_html
from newsvault.models import Entry


def parse_json_feed(text: str, base: str) -> list[Entry]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FetchError(f"not a readable JSON Feed: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FetchError("not a JSON Feed: no \"items\" list")
    return [_entry(item, base) for item in data["items"] if isinstance(item, dict)]


def _entry(item: dict[str, Any], base: str) -> Entry:
    guid = item.get("id")
    guid = str(guid).strip() if isinstance(guid, (str, int)) and str(guid).strip() else None
    link = (absolute_url(_str(item.get("url")), base)
            or absolute_url(_str(item.get("external_url")), base)
            or absolute_url(guid, None, web_only=True))
    return Entry(
        title=_str(item.get("title")),
        link=link,
        guid=guid,
        author=_author(item),
        published=parse_date(_str(item.get("date_published"))),
        updated=parse_date(_str(item.get("date_modified"))),
        content=_content(item),
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
