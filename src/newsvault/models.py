"""Plain data passed between the pipeline stages.

    Subscription ──fetch──► FeedResult(entries: Entry…) ──to_article──► Article ──► post file
    post file ──parse_post──► Post (an Article plus what the file said and what is wrong with it)

Everything here is frozen: stages return new values instead of mutating shared state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, get_args

# How an article's images are kept (``images`` in newsvault.toml and subs.json): the one
# list that the settings, subs.json, the CLI's choices and the content stage check against.
ImageMode = Literal["keep", "proxy", "local"]
IMAGE_MODES: tuple[ImageMode, ...] = get_args(ImageMode)


@dataclass(frozen=True)
class Subscription:
    """One entry of ``subs.json`` (the reference format plus optional keys)."""

    site: str
    url: str
    author: str | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    enabled: bool = True
    fulltext: bool | str = False  # False, "auto", or a CSS selector
    images: ImageMode | None = None  # None = the vault default
    revisit: bool = True  # revisit its articles after archiving them (docs/evidence.md)


@dataclass(frozen=True)
class Entry:
    """One item of a parsed feed, before it becomes an article.

    Values are as the feed gave them (decoded text), except ``link`` which is already
    absolute against the feed URL. ``content`` is the HTML chosen by the content
    priority of docs/post-format.md.
    """

    title: str | None
    link: str | None
    guid: str | None
    author: str | None
    published: datetime | None  # aware, UTC
    updated: datetime | None  # aware, UTC
    content: str | None
    unread_date: str | None = None  # the feed's date text when no date of the entry reads


@dataclass(frozen=True)
class Article:
    """An article as the archive stores it: the fields of a post file.

    ``date`` is aware UTC; ``ms`` is the ``<!--MS-->`` marker (None is written
    ``NaN``, as some reference posts have it); ``content`` is the body HTML already
    cleaned and on one line. ``tags``/``categories`` are the full lists, the site
    name first.
    """

    title: str
    date: datetime
    author: str
    link: str
    site: str
    content: str
    ms: int | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    guid: str | None = None


@dataclass(frozen=True)
class Problem:
    """Something wrong with a post file; ``broken`` ones make ``check`` fail."""

    message: str
    broken: bool = False


@dataclass(frozen=True)
class Post:
    """A post file read back from ``_posts/``.

    ``article`` carries the values the file states (best effort for broken files);
    ``body`` is the Markdown/HTML after the front matter, exactly as written;
    ``front_matter`` is the mapping as loaded (extra keys such as ``comments`` kept);
    ``layout`` is "link" (marker, ``[title](link)``, ``------``, ``<div>``) or "html"
    (the older scraped layout: HTML right after the front matter).
    """

    path: Path
    article: Article
    body: str
    front_matter: dict[str, object] = field(default_factory=dict)
    layout: str = "link"
    problems: tuple[Problem, ...] = ()

    @property
    def broken(self) -> bool:
        return any(p.broken for p in self.problems)


@dataclass(frozen=True)
class Fetched:
    """A completed HTTP (or file://) response body, already size-capped and decompressed.

    The fetch stage's client returns this; the content stage (full text, local images)
    receives a client through the :class:`newsvault.content.Fetcher` protocol and never
    imports the HTTP library itself.
    """

    url: str  # final URL after redirects
    status: int
    content_type: str  # the Content-Type header ("" when absent), parameters included
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
