"""What the content stage needs from an HTTP client, apart from everything else, so the
stage's modules can name it without importing the package (``content/__init__.py``
imports them)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from newsvault.models import Fetched


@runtime_checkable
class Fetcher(Protocol):
    """What the content stage needs from an HTTP client.

    ``get`` returns the completed response (after redirects); it raises
    :class:`newsvault.errors.FetchError` (or ``LimitExceeded``) when the URL cannot be
    fetched or the body is larger than ``max_bytes``. ``accept`` is the Accept header.
    """

    async def get(
        self, url: str, *, max_bytes: int | None = None, accept: str | None = None
    ) -> Fetched: ...


__all__ = ["Fetcher"]
