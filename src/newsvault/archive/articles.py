"""Entry (what the feed said) → Article (what the archive stores), per docs/post-format.md.

Decisions, each pinned by a test:

- DATE: the item's published time, else its updated time; when neither reads (dates are
  read exactly or not at all, fetch/dates.py), or the time is later than "now", the time
  of archiving — and the feed's report says so (``date_notes``). Kept to the millisecond
  (the post format's precision), so DATE and MS agree.
- MS: the item's own time (published, else updated) in epoch milliseconds, not clamped
  to now; when the item has no time, DATE's milliseconds.
- AUTHOR: the subscription's ``author`` key when set (it *overrides*: that is what people
  set it for — feeds whose author fields are junk or e-mail addresses), else the item's
  author (dc:creator / author / Atom author name / itunes:author, see xmlfeed.py), else
  the subscription's site name (the reference's rule).
- LINK: the entry's link (already absolute, WHATWG-serialized); entries without one
  cannot become posts and are counted as skipped.
- TITLE: the archive's ``normalize_title``; TAGS/CATEGORIES: the site, then the
  subscription's extras (duplicates of the site dropped).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from newsvault.archive.fields import normalize_title
from newsvault.archive.identity import guid_key
from newsvault.models import Article, Entry, Subscription

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def article_date(entry: Entry, now: datetime) -> datetime:
    """DATE: published, else updated; missing or in the future → now (to the millisecond)."""
    own = entry.published or entry.updated
    if own is None or own > now:
        own = now
    return to_millisecond(own)


def date_notes(entries: Iterable[Entry], now: datetime) -> list[str]:
    """The report's lines for entries about to be archived with the fetch time as DATE."""
    unread: list[str] = []
    missing = future = 0
    for entry in entries:
        own = entry.published or entry.updated
        if own is None and entry.unread_date:
            unread.append(entry.unread_date)
        elif own is None:
            missing += 1
        elif own > now:
            future += 1
    notes = []
    if unread:
        distinct = list(dict.fromkeys(unread))
        quoted = ", ".join(f'"{text[:60]}"' for text in distinct[:3])
        more = ", …" if len(distinct) > 3 else ""
        notes.append(
            f"{_entries(len(unread))} without a readable date: {quoted}{more} "
            "(archived with the fetch time)"
        )
    if missing:
        notes.append(f"{_entries(missing)} without a date (archived with the fetch time)")
    if future:
        notes.append(
            f"{_entries(future)} dated after the fetch time (archived with the fetch time)"
        )
    return notes


def _entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"


def article_ms(entry: Entry, date: datetime) -> int:
    """MS: the item's own time (not clamped) in epoch ms; else DATE's."""
    return epoch_ms(entry.published or entry.updated or date)


def epoch_ms(value: datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def to_millisecond(value: datetime) -> datetime:
    value = value.astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


def article_author(entry: Entry, sub: Subscription) -> str:
    return sub.author or (entry.author or "").strip() or sub.site


def extras(site: str, values: tuple[str, ...]) -> tuple[str, ...]:
    out = [site]
    for value in values:
        if value not in out:
            out.append(value)
    return tuple(out)


def to_article(entry: Entry, sub: Subscription, *, now: datetime, content: str) -> Article:
    """The article for an entry that has a link; ``content`` is the cleaned one-line HTML."""
    if not entry.link:
        raise ValueError("an entry without a link cannot become an article")
    date = article_date(entry, now)
    return Article(
        title=normalize_title(entry.title or ""),
        date=date,
        author=article_author(entry, sub),
        link=entry.link,
        site=sub.site,
        content=content,
        ms=article_ms(entry, date),
        tags=extras(sub.site, sub.tags),
        categories=extras(sub.site, sub.categories),
        guid=guid_key(entry.guid, sub.url),
    )


__all__ = ["article_author", "article_date", "article_ms", "date_notes", "epoch_ms", "to_article"]
