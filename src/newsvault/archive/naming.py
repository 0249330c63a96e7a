"""Post file names (docs/post-format.md, "File name").

``_posts/YYYY-MM-DD-<NAME>.md``: the date is the UTC date of DATE, NAME is the title's
first 50 code points with ``/`` → ``--`` (the reference rule) and, for portability,
``\\ : * ? " < > |`` and control characters → ``-``, trailing dots and spaces trimmed.
The whole file name stays within 240 bytes without splitting a character, so it fits
every common file system (255 bytes) even with a ``-NN`` suffix.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from newsvault.archive.fields import normalize_title
from newsvault.models import Article

__all__ = ["post_filename", "name_for", "with_suffix", "MAX_NAME_BYTES", "NAME_CHARS"]

MAX_NAME_BYTES = 240
NAME_CHARS = 50
_UNSAFE = re.compile(r'[\\:*?"<>|\x00-\x1f\x7f-\x9f]')


def _utc_day(date: datetime) -> str:
    if date.tzinfo is not None:
        date = date.astimezone(timezone.utc)
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def _slug(title: str) -> str:
    name = title[:NAME_CHARS].replace("/", "--")
    if not name.isascii() or not name.isalnum():
        name = _UNSAFE.sub("-", name)
    return name.rstrip(". ")


def _fit(stem: str, tail: str) -> str:
    """``stem + tail`` cut (by whole characters, then re-trimmed) to MAX_NAME_BYTES."""
    budget = MAX_NAME_BYTES - len(tail.encode("utf-8"))
    raw = stem.encode("utf-8")
    if len(raw) > budget:
        stem = raw[:budget].decode("utf-8", errors="ignore")
        stem = stem[:11] + stem[11:].rstrip(". ")
    return stem + tail


def name_for(title: str, date: datetime) -> str:
    """File name for a (normalized) title and a date: ``YYYY-MM-DD-NAME.md``."""
    return _fit(f"{_utc_day(date)}-{_slug(title)}", ".md")


def post_filename(article: Article) -> str:
    """The file name of ``article`` (its title is normalized first, as in the post)."""
    return name_for(normalize_title(article.title), article.date)


def with_suffix(filename: str, n: int) -> str:
    """``2021-01-27-x.md`` → ``2021-01-27-x-2.md`` (n ≥ 2); n == 1 gives the name itself.

    The one ``-N`` rule, for the store's next free name and for publishing's keep-both
    rebase: the extension is kept (``x.html`` → ``x-2.html``) and the name stays within
    MAX_NAME_BYTES, the stem giving way to the suffix."""
    if n <= 1:
        return filename
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:
        stem, ext = filename, ""
    return _fit(stem, f"-{n}.{ext}" if ext else f"-{n}")
