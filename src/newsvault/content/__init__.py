"""The content stage: safe, faithful, self-contained article HTML.

    prepare_content(html, link, options=…, fetcher=…, assets_dir=…) -> ContentResult
        fulltext → oneline → sanitize → absolutize → images   (order: ``clean.py``)
    clean_html(html, link, options) -> ContentResult          (no network: keep/proxy)

Network access (full-text pages, local images) goes through a :class:`Fetcher` the
caller injects; the fetch stage's HTTP client (limits, per-host concurrency, proxies)
satisfies it, and this package never imports an HTTP library.
"""

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


from newsvault.content.clean import (  # noqa: E402  (Fetcher must exist first)
    STAGES,
    ContentOptions,
    ContentResult,
    clean_html,
    prepare_content,
)
from newsvault.content.images import ImageStore  # noqa: E402
from newsvault.content.oneline import to_one_line  # noqa: E402
from newsvault.content.sanitize import sanitize  # noqa: E402

__all__ = [
    "STAGES",
    "ContentOptions",
    "ContentResult",
    "Fetcher",
    "ImageStore",
    "clean_html",
    "prepare_content",
    "sanitize",
    "to_one_line",
]
