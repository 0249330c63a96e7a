"""Spreading the heavy work of a big build over the CPU cores (fork-based processes).

Two phases are worth it: parsing the heads of post files (the scan) and rendering the
pages (all but the feeds, which need every post's entry). Both run in forked workers
that inherit the build's state and the job list, so only chunk bounds and results cross
process boundaries. Small jobs (an hourly incremental build) stay in-process:
starting workers would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
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


def run(func: Callable[[Any, Sequence[Any]], list[Any]], state: Any, jobs: Sequence[Any], n: int,
        tick: Callable[[int], None] | None = None, min_jobs: int = MIN_JOBS,
        chunk: int = CHUNK) -> Iterator[Any]:
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
        with ctx.Pool(n) as pool:
            for results in pool.imap_unordered(_call, bounds):
                yield from results
                if tick:
                    tick(len(results))
            pool.close()
            pool.join()  # reap the workers now: their CPU time belongs to this build
    finally:
        _STATE = None


def _call(bounds: tuple[int, int]) -> list[Any]:
    func, state, jobs = _STATE
    return func(state, jobs[bounds[0]:bounds[1]])
