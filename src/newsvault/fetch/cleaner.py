"""Content cleaning for many articles at once, on every core.

Cleaning (one-line rule, sanitizing, absolutizing, the fidelity check) is the most
CPU-hungry step of a big run — about 0.4 ms per article, 12 s for 30,000 — and it
needs no network in the ``keep``/``proxy`` image modes without full text. Batches of
at least ``POOL_BATCH`` articles (one feed's new articles) then go to worker processes
so a large first run uses both cores; the small batches of an ordinary hourly run are
cleaned in-process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from newsvault.content import ContentOptions, ContentResult, clean_html

POOL_BATCH = 20


def clean_batch(items: list[tuple[str | None, str]], options: ContentOptions) -> list[ContentResult]:
    """Clean (html, link) pairs; runs in a worker process or inline."""
    return [clean_html(html, link, options) for html, link in items]


class Cleaner:
    """``with Cleaner() as c: await c.clean(items, options)``; the pool starts on first need."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Cleaner":
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    async def clean(self, items: list[tuple[str | None, str]],
                    options: ContentOptions) -> list[ContentResult]:
        if len(items) < POOL_BATCH or self.workers < 2:
            return clean_batch(items, options)
        if self._pool is None:
            # spawn, not fork: the parent runs an event loop and worker threads
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, clean_batch, items, options)
