"""Content cleaning for many articles at once, on every core, in workers that can be killed.

Cleaning (one-line rule, sanitizing, absolutizing, the fidelity check) is the most
CPU-hungry step of a big run — about 0.4 ms per article, 12 s for 30,000 — and it
needs no network in the ``keep``/``proxy`` image modes without full text. Batches of
at least ``POOL_BATCH`` articles (one feed's new articles) then go to worker processes
so a large first run uses both cores; the small batches of an ordinary hourly run are
cleaned in-process, where starting workers would cost more than it saves.

The workers are plain processes, each with its own pipe (no ``concurrent.futures``
pool): a batch that takes longer than its budget gets its worker killed and replaced,
and its articles are cleaned again one by one, so a hostile article costs its own
budget and nothing else (it is archived as text, with a note). Leaving — normally or
on a stop — kills the workers at once instead of waiting for them, and pipes need no
named semaphores, so even a SIGKILLed run leaves nothing in ``/dev/shm``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from newsvault.content.clean import ContentOptions, ContentResult, as_text, clean_html

POOL_BATCH = 20
ARTICLE_BUDGET = 10.0  # seconds of cleaning one article may take in a worker (typical: 1 ms)


def clean_batch(
    items: list[tuple[str | None, str]], options: ContentOptions
) -> list[ContentResult]:
    """Clean (html, link) pairs; runs in a worker process or inline."""
    return [clean_html(html, link, options) for html, link in items]


def _serve(conn: Connection) -> None:
    """A worker: say it is ready (its imports done), then run the jobs that come down the
    pipe until it closes."""
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        items, options = job
        try:
            conn.send((True, clean_batch(items, options)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which falls back
            conn.send((False, f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def call(self, job: tuple[list[tuple[str | None, str]], ContentOptions]) -> tuple[bool, Any]:
        self.conn.send(job)
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(2)
        self.conn.close()


class Cleaner:
    """``with Cleaner() as c: await c.clean(items, options)``; workers start on first need."""

    def __init__(self, workers: int | None = None, budget: float = ARTICLE_BUDGET) -> None:
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.budget = budget
        self.budget_per_item = 0.1  # added to a batch's budget per article it holds
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._free: asyncio.Semaphore | None = None
        # One thread per worker waits on its pipe: the event loop's default executor is
        # busy parsing feeds, and time queued there must not count against a budget.
        self._threads = ThreadPoolExecutor(max(1, self.workers), thread_name_prefix="cleaner")
        self.retired = 0  # workers killed over a budget (or dead)

    def __enter__(self) -> "Cleaner":
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        for worker in self._all:  # never wait for a batch in flight (the stop promise)
            worker.kill()
        self._all, self._idle = [], []
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def clean(
        self, items: list[tuple[str | None, str]], options: ContentOptions
    ) -> list[ContentResult]:
        if len(items) < POOL_BATCH or self.workers < 2:
            return clean_batch(items, options)
        results = await self._run(items, options, self.budget + self.budget_per_item * len(items))
        if results is not None:
            return results
        # Over budget (or a worker died): one by one, each with its own budget.
        out = []
        for item in items:
            one = await self._run([item], options, self.budget)
            out.append(one[0] if one is not None else _as_text(item, self.budget))
        return out

    async def _run(
        self, items: list[tuple[str | None, str]], options: ContentOptions, budget: float
    ) -> list[ContentResult] | None:
        if self._free is None:
            self._free = asyncio.Semaphore(self.workers)
        async with self._free:
            worker = self._idle.pop() if self._idle else await self._start()
            try:
                loop = asyncio.get_running_loop()
                ok, value = await asyncio.wait_for(
                    loop.run_in_executor(self._threads, worker.call, (items, options)), budget
                )
            except (TimeoutError, EOFError, OSError):
                self._retire(worker)
                return None
            except BaseException:
                self._retire(worker)
                raise
            self._idle.append(worker)
            return value if ok else None

    async def _start(self) -> _Worker:
        """A new worker, once it is ready: its start-up is not charged to a budget."""
        # spawn, not fork: the parent runs an event loop and worker threads
        worker = _Worker(multiprocessing.get_context("spawn"))
        self._all.append(worker)
        try:
            await asyncio.get_running_loop().run_in_executor(self._threads, worker.conn.recv)
        except BaseException:
            self._retire(worker)
            raise
        return worker

    def _retire(self, worker: _Worker) -> None:
        self.retired += 1
        worker.kill()
        self._all.remove(worker)


def _as_text(item: tuple[str | None, str], budget: float) -> ContentResult:
    html, link = item
    return ContentResult(
        as_text(html or ""),
        (f"the body of {link} could not be cleaned within {budget:g} s: archived as plain text",),
    )
