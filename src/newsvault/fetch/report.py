"""What a fetch run did, per feed, and the exit status that follows from it.

One failed feed is a line in the report, never the end of the run: the run exits 0
when it worked (even if some feeds failed) and 1 only when every feed failed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

OK = "ok"
NOT_MODIFIED = "not_modified"
ERROR = "error"


@dataclass(frozen=True)
class FeedResult:
    site: str
    url: str
    status: str  # ok | not_modified | error
    http_status: int | None = None
    error: str | None = None  # the error (status "error") or a warning (e.g. charset)
    new: int = 0  # articles written in this run
    seen: int = 0  # entries already archived (or archived from another feed this run)
    duration: float = 0.0  # seconds, fetch + parse + content
    skipped: int = 0  # entries that cannot be archived (no link)


@dataclass(frozen=True)
class FetchReport:
    now: datetime
    feeds: tuple[FeedResult, ...] = ()
    stopped: bool = False  # should_stop() ended the run early (articles left unwritten)
    duration: float = 0.0
    deadline_reached: bool = False  # the run deadline cut feeds still in flight
    notes: tuple[str, ...] = ()  # about the run as a whole (deadline, budgets, provenance)

    @property
    def new_by_site(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for feed in self.feeds:
            if feed.new:
                counts[feed.site] += feed.new
        return dict(counts)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def failed(self) -> list[FeedResult]:
        return [f for f in self.feeds if f.status == ERROR]

    @property
    def exit_code(self) -> int:
        """0 when the run worked (some failures allowed) or was stopped on request (the
        feeds it cut are not failures), 1 when every feed failed."""
        return 1 if self.feeds and len(self.failed) == len(self.feeds) and not self.stopped else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat().replace("+00:00", "Z"),
            "new": self.new,
            "failed": len(self.failed),
            "stopped": self.stopped,
            "deadline_reached": self.deadline_reached,
            "notes": list(self.notes),
            "duration": round(self.duration, 3),
            "exit_code": self.exit_code,
            "new_by_site": self.new_by_site,
            "feeds": [{**asdict(f), "duration": round(f.duration, 3)} for f in self.feeds],
        }
