"""The one exception hierarchy of newsvault.

    NewsvaultError                 base: the CLI prints its message, no traceback
    ├── ConfigError                bad newsvault.toml / subs.json (exit 2)       .file
    ├── UsageError                 a command used wrongly (exit 2)
    ├── LockedError                another run holds the vault lock (exit 3)     .path
    ├── ArchiveError               a post or the archive folder cannot be read    .path
    │                              or written
    ├── FetchError                 one feed, page or image could not be fetched   .url .status
    │   ├── HttpError              a final HTTP status that is not a success,
    │   │                          or a URL that cannot be fetched
    │   ├── LimitExceeded          size / time / redirect limit hit
    │   ├── BlockedAddress         a page or image on an address not allowed
    │   ├── FeedError              the body is not a feed newsvault can read
    │   │   └── NoFeedFound        a page that is no feed and links to none
    │   └── FullTextError          no usable article body on the page
    ├── BuildError                 the site could not be built                   .path
    └── PublishError               git or deploy failed

The message says everything a person needs (which file, which feed); the object that
failed is also an attribute, so callers and the JSON reports can use it without parsing
the message (as httpx's errors carry their request). Stages that know it attach it where
they catch the error (:func:`attach`), like ``pipeline.py`` does with a feed's URL.

Outside the tree on purpose: ``stop.StopTimeout`` is a ``KeyboardInterrupt``, not an
error: the grace period of a stop request ran out, and it must unwind through every
``except Exception`` like the second Ctrl-C it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class NewsvaultError(Exception):
    exit_code = 1


class ConfigError(NewsvaultError):
    exit_code = 2

    def __init__(self, message: str, *, file: Path | str | None = None) -> None:
        super().__init__(message)
        self.file = file  # the settings file at fault (newsvault.toml, subs.json), if known


class UsageError(NewsvaultError):
    exit_code = 2


class LockedError(NewsvaultError):
    exit_code = 3

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = path  # the lock file


class ArchiveError(NewsvaultError):
    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = path  # the post, folder or index that could not be read or written


class FetchError(NewsvaultError):
    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url  # the feed, page or image
        self.status = status  # the HTTP status when one was received


class HttpError(FetchError):
    """A final HTTP status that is not a success; ``status`` is kept for the report."""

    def __init__(self, message: str, status: int | None, *, url: str | None = None) -> None:
        super().__init__(message, url=url, status=status)


class LimitExceeded(FetchError):
    pass


class BlockedAddress(FetchError):
    """A full-text page or image on an address that is not allowed (final: no retry)."""


class FeedError(FetchError):
    """The body is not a feed we can read (empty, an HTML page, no feed structure)."""


class NoFeedFound(FeedError):
    """The URL was read, and it is not a feed nor links to one that can be read."""


class FullTextError(FetchError):
    """The article page could not be fetched or had no extractable body."""


class BuildError(NewsvaultError):
    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = path  # the output file at fault, if one


class PublishError(NewsvaultError):
    pass


@contextmanager
def attach(**context: object) -> Iterator[None]:
    """Give a NewsvaultError raised inside the context the attributes it lacks
    (``with attach(url=sub.url): …``); the message is left as it is."""
    try:
        yield
    except NewsvaultError as exc:
        for name, value in context.items():
            if getattr(exc, name, None) is None:
                setattr(exc, name, value)
        raise
