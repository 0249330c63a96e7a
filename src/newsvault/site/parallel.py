"""Spreading the heavy work of a big build over the CPU cores (fork-based processes).

Two phases are worth it: parsing the heads of post files (the scan) and rendering the
pages (all but the feeds, which need every post's entry). Both run in forked workers
that inherit the build's state and the job list, so only chunk bounds and results cross
process boundaries. Small jobs (an hourly incremental build) stay in-process:
starting workers would cost more than it saves.

Signals are the parent's business: workers ignore SIGINT and SIGTERM (a Ctrl-C reaches
the whole process group), so a stop request is decided once, by the parent's handler,
instead of being printed and acted on by every worker. When the parent gives up (a
second Ctrl-C), it kills its workers itself, and then drops the pool without
``Pool.terminate``: the workers share the pool's queues with the parent, each guarded
by a cross-process lock, and a worker killed while holding one (an idle worker holds
the task queue's read lock while it waits for a task, a busy one the result queue's
write lock while it sends a result) never releases it. ``terminate`` takes both locks,
so it would wait forever; it also lets the pool's worker-handler thread fork
replacements for the killed workers, which ignore its SIGTERM and are then joined
forever. That hung about one second Ctrl-C in ten (see ``_abandon``).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

MIN_JOBS = 200  # below this, one process is faster (for jobs of ~0.3 ms, a page; scale for others)
CHUNK = 64

_STATE: Any = None  # what the forked workers work on (set just before forking)


def workers(configured: int) -> int:
    """``configured`` workers, or one per core when 0."""
    return configured if configured > 0 else (os.cpu_count() or 1)


def _context():
    import multiprocessing  # only for big builds: an hourly one never starts workers

    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: stay sequential
        return None


def run(
    func: Callable[[Any, Sequence[Any]], list[Any]],
    state: Any,
    jobs: Sequence[Any],
    n: int,
    tick: Callable[[int], None] | None = None,
    min_jobs: int = MIN_JOBS,
    chunk: int = CHUNK,
) -> Iterator[Any]:
    """``func(state, chunk)`` over ``jobs`` in chunks (of at least ``chunk`` jobs), in
    ``n`` processes when worth it; yields the results (in no particular order). Workers
    get only the bounds of their chunk: the jobs themselves are inherited with the
    fork, not pickled."""
    global _STATE
    size = max(chunk, len(jobs) // (n * 16))  # ~16 chunks per worker: balanced, few round trips
    bounds = [(i, min(i + size, len(jobs))) for i in range(0, len(jobs), size)]
    ctx = _context() if n > 1 and len(jobs) >= min_jobs else None
    if ctx is None:
        for start, stop in bounds:
            yield from func(state, jobs[start:stop])
            if tick:
                tick(stop - start)
        return
    _STATE = (func, state, jobs)
    try:
        with pool(ctx, n) as workers_pool:
            for results in workers_pool.imap_unordered(_call, bounds):
                yield from results
                if tick:
                    tick(len(results))
            workers_pool.close()
            workers_pool.join()  # reap the workers now: their CPU time belongs to this build
    finally:
        _STATE = None


@contextmanager
def pool(ctx: Any, n: int, **options: Any) -> Iterator[Any]:
    """``ctx.Pool(n, **options)`` for every forked worker of a build: the workers ignore SIGINT and
    SIGTERM (the parent decides), and are killed when the body raises (a second Ctrl-C)."""
    # Blocked while forking, so no worker runs the parent's handlers before
    # _ignore_signals; a signal meanwhile waits for the parent's unblock.
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        workers_pool = ctx.Pool(n, initializer=_ignore_signals, **options)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    try:
        yield workers_pool
    except BaseException:
        _abandon(workers_pool)
        raise
    workers_pool.terminate()  # the body has closed and joined it: nothing left to wait for


_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _ignore_signals() -> None:
    """In each worker, before any job: stopping is decided by the parent alone."""
    for sig in _SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _abandon(pool: Any) -> None:
    """Stop ``pool`` at once, with no step that can wait on a killed worker.

    First the pool's worker-handler thread is stopped (it waits on nothing a worker
    holds), so no worker is forked behind our back; then every worker is SIGKILLed (they
    ignore the SIGTERM of ``Pool.terminate``) and reaped. ``Pool.terminate`` is never
    called, nor its finalizer at exit: they take the queues' locks, which a killed
    worker may hold forever (module docstring). The pool's other two threads are
    daemons left blocked on its pipes; the process is about to exit. These are
    ``multiprocessing.pool.Pool`` internals (the same in CPython 3.11 to 3.13). SIGINT and SIGTERM
    are ignored meanwhile (a few milliseconds), so that a third Ctrl-C cannot cut this
    short and leave workers behind.

    As safe as a crash: a page cut mid-write is rewritten by the next build (the
    manifest, saved at the end, still has its old digest)."""
    from multiprocessing.pool import TERMINATE

    held = _hold_signals()
    try:
        pool._state = TERMINATE
        pool._worker_handler._state = TERMINATE
        pool._change_notifier.put(None)  # wakes the handler (a queue only the parent uses)
        pool._worker_handler.join()
        for process in pool._pool:  # the workers now, and for good
            if process.exitcode is None:
                process.kill()
        for process in pool._pool:
            process.join()  # SIGKILL cannot be ignored: this returns
        pool._terminate.cancel()
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)


def _hold_signals() -> dict[signal.Signals, Any]:
    """Ignore SIGINT and SIGTERM (a mask would not do: another thread may take them);
    returns the handlers to put back. Only the main thread can set handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, signal.SIG_IGN) for sig in _SIGNALS}


def _call(bounds: tuple[int, int]) -> list[Any]:
    func, state, jobs = _STATE
    return func(state, jobs[bounds[0] : bounds[1]])
