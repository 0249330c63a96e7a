"""Stopping on SIGINT/SIGTERM: a flag the work polls, a grace period, a second signal.

Apart from ``runner`` so that ``fetch`` and ``build`` take it without importing the
publish stage (an hourly ``build`` starts in a tenth of a second).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class StopFlag:
    """Set by SIGINT/SIGTERM (or by hand); the run checks it, sleeps wake on it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal_name: str | None = None
        # True while the run may be interrupted at any point (fetching: as safe as a
        # crash). Never while git runs (a killed git leaves .git/index.lock behind), nor
        # while the site is built (its pages would mix two versions of the site).
        self.interruptible = True
        self.doing = "the current article"  # what a stop request lets finish (its message)

    @contextmanager
    def finishing(self, what: str) -> Iterator[None]:
        """A step a first stop request lets finish, however long the grace period."""
        before = self.interruptible, self.doing
        self.interruptible, self.doing = False, what
        try:
            yield
        finally:
            self.interruptible, self.doing = before

    def set(self, reason: str = "stop") -> None:
        self.signal_name = self.signal_name or reason
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True at once when stopped (short slices keep signals prompt)."""
        deadline = time.monotonic() + max(0.0, seconds)
        while not self._event.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._event.wait(min(left, 0.25))
        return self._event.is_set()


class StopTimeout(KeyboardInterrupt):
    """The grace period after a stop request ran out (a feed still downloading)."""


@contextmanager
def stop_on_signals(
    flag: StopFlag, notify: Callable[[str], None] = lambda _m: None, grace: float = 4.0
) -> Iterator[StopFlag]:
    """SIGINT/SIGTERM set ``flag``; a second one, or ``grace`` seconds passing, stops now.

    Stopping "now" raises KeyboardInterrupt wherever the run is: like a crash, but with
    the lock released on the way out, and as safe as a crash (posts are written
    atomically, the index is rebuilt from ``_posts/``). The grace period bounds how long
    a stop can take when a download is in flight (a service manager waits ~10 s before
    SIGKILL).
    """

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set(name)
        notify(f"{name}: finishing {flag.doing}, then stopping (send it again to stop at once)")
        if grace > 0 and flag.interruptible:  # a step being finished is never timed out
            signal.setitimer(signal.ITIMER_REAL, grace)

    def timeout(_signum: int, _frame: FrameType | None) -> None:
        if flag.interruptible:
            raise StopTimeout(f"still busy {grace:g} s after the stop request: stopped at once")

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, timeout)
    try:
        yield flag
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, old in previous.items():
            signal.signal(sig, old)
