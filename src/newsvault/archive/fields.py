"""The field rules of the post format (docs/post-format.md) that more than one stage
applies: TITLE, LINKTEXT and DATE.

They are rules about values, not about whole posts, so they live apart from post
rendering (``posts.py``): file naming (``naming.py``), the dedup index and the fetch stage
use them without importing the renderer (which imports naming: the cycle this removes).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

__all__ = ["format_date", "link_text", "normalize_title", "title_from_link_text"]

_WS = re.compile(r"[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_CTRL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LINKTEXT = re.compile(r"[\\\[\]<]|&(?=(?:amp;)*lt;)")
_LINKTEXT_BACK = re.compile(r"\\([\\\[\]])|&amp;(?=(?:amp;)*lt;)|&lt;")
_LINKTEXT_ESC = {"<": "&lt;", "&": "&amp;", "\\": "\\\\", "[": "\\[", "]": "\\]"}
_LINKTEXT_UNESC = {"&lt;": "<", "&amp;": "&"}


def normalize_title(raw: str) -> str:
    """TITLE rule: whitespace runs → one space, other control characters removed, trimmed."""
    if raw.isprintable() and "  " not in raw and raw[:1] != " " and raw[-1:] != " ":
        return raw
    return _WS.sub(" ", _CTRL.sub("", raw)).strip(" ")


def link_text(title: str) -> str:
    """LINKTEXT rule: the title, trimmed, ``\\ [ ]`` backslash-escaped and ``<`` → ``&lt;``.

    So that the text stays invertible (and displays as the title), a literal ``&lt;`` in
    the title is written ``&amp;lt;``; every other ``&`` is kept, as the reference did.
    """
    title = title.strip()
    if not _LINKTEXT.search(title):
        return title
    return _LINKTEXT.sub(lambda m: _LINKTEXT_ESC[m.group()], title)


def title_from_link_text(text: str) -> str:
    """Inverse of :func:`link_text`."""
    return _LINKTEXT_BACK.sub(lambda m: m.group(1) or _LINKTEXT_UNESC[m.group()], text)


def format_date(date: datetime) -> str:
    """DATE rule: UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    d = date.astimezone(timezone.utc)
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:"
        f"{d.second:02d}.{d.microsecond // 1000:03d}Z"
    )
