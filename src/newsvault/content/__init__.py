"""The content stage: safe, faithful, self-contained article HTML.

    prepare_content(html, link, options=…, fetcher=…, assets_dir=…) -> ContentResult
        fulltext → oneline → sanitize → absolutize → images   (order: ``clean.py``)
    clean_html(html, link, options) -> ContentResult          (no network: keep/proxy)

Network access (full-text pages, local images) goes through a :class:`Fetcher` the
caller injects; the fetch stage's HTTP client (limits, per-host concurrency, proxies)
satisfies it, and this package never imports an HTTP library. ``pool.py`` cleans big
batches in worker processes.
"""

from __future__ import annotations

from newsvault.content.clean import (
    STAGES,
    ContentOptions,
    ContentResult,
    clean_html,
    prepare_content,
)
from newsvault.content.fetcher import Fetcher
from newsvault.content.images import ImageStore
from newsvault.content.oneline import to_one_line
from newsvault.content.sanitize import sanitize

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
