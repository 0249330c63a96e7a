"""Which pages the site has, each with the digest of what it shows.

A :class:`Page` is an output path, a digest of everything that decides its bytes and a
function that renders it. The builder renders a page only when its digest differs from
the last build's (or on ``--full``), which is what makes incremental builds both fast
and identical to full ones: anything a page shows must be part of its digest.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from newsvault.site.permalink import slugify_pretty
from newsvault.site.posts import SitePost


class Page(NamedTuple):
    """A named tuple, not a dataclass: a big site has tens of thousands, made on every
    build, and a tuple is made in a quarter of the time."""

    out: str  # path relative to the site root
    key: str  # digest of the page's inputs
    render: Callable[[], bytes | list[bytes]]  # bytes, or parts written one after the other
    post: SitePost | None = None  # set on post pages
    feed: bool = False  # needs the post pages' feed entries: rendered after them


def _repr_token(part: object) -> str:
    text = repr(part)
    return f"r{len(text)}:{text}"


def digest(*parts: object) -> str:
    """sha1 of the parts: strings as they are (length-prefixed, so unambiguous), anything
    else by its repr. An incremental build digests every page, and the repr of long CJK
    titles was most of that time."""
    text = "".join([f"s{len(p)}:{p}" if p.__class__ is str else _repr_token(p) for p in parts])
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def list_key(posts: list[SitePost]) -> str:
    """What a list shows of its posts (their versions and URLs), as one string."""
    return "".join([p.ident for p in posts])


@dataclass(frozen=True)
class Pager:
    number: int | None  # None on the front page
    newer_url: str | None
    older_url: str | None


def paginate(
    posts: list[SitePost], per_page: int, first: str
) -> Iterator[tuple[str, list[SitePost], Pager]]:
    """``(url, posts, pager)`` per page, numbered from the OLDEST posts: ``page/1/`` holds
    the first ``per_page`` posts ever and keeps them. New posts only change the front page
    (``first``), which shows the newest chunk — merged with the one before it while the
    newest is not yet full. Stable pages are better for readers' bookmarks and caches, and
    an hourly build re-renders a handful of list pages instead of all of them."""
    per_page = max(1, per_page)
    oldest = posts[::-1]
    chunks = [oldest[i : i + per_page] for i in range(0, len(oldest), per_page)] or [[]]
    top = len(chunks)
    front = [top] if top == 1 or len(chunks[-1]) >= per_page else [top, top - 1]
    lowest_front = min(front)

    def url(k: int) -> str:
        return first if k >= lowest_front else f"{first}page/{k}/"

    front_posts = [p for k in sorted(front, reverse=True) for p in chunks[k - 1][::-1]]
    yield first, front_posts, Pager(None, None, url(lowest_front - 1) if lowest_front > 1 else None)
    for k in range(lowest_front - 1, 0, -1):
        yield url(k), chunks[k - 1][::-1], Pager(k, url(k + 1), url(k - 1) if k > 1 else None)


class Names:
    """Stable URL slugs for source, tag and category names (distinct names, distinct slugs)."""

    def __init__(self, names: list[str]) -> None:
        self.slugs: dict[str, str] = {}
        used: set[str] = set()
        for name in sorted(set(names)):
            slug = slugify_pretty(name) or "x"
            if slug.lower() in used:
                slug = f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
            used.add(slug.lower())
            self.slugs[name] = slug

    def __getitem__(self, name: str) -> str:
        return self.slugs[name]


def group(
    posts: list[SitePost], keys: Callable[[SitePost], tuple[str, ...]]
) -> dict[str, list[SitePost]]:
    """Posts per key, newest first (the input order), keys in first-seen order."""
    out: dict[str, list[SitePost]] = defaultdict(list)
    for p in posts:
        found = keys(p)
        if len(found) == 1:
            out[found[0]].append(p)
        else:
            for k in dict.fromkeys(found):
                out[k].append(p)
    return out


def by_month(
    posts: list[SitePost], tz_date: Callable[[datetime], str]
) -> dict[str, list[SitePost]]:
    out: dict[str, list[SitePost]] = defaultdict(list)
    for p in posts:
        out[tz_date(p.date)[:7]].append(p)
    return out
