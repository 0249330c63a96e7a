"""Feed health in a reader's terms: is this source working, failing, or gone quiet?

The numbers come from the fetch state (``fetch/state.py``): the last success and the
last attempt, the failures since the last success with the last error, and the times
new articles arrived. A source is *silent* when its feed still answers but nothing new
has come for much longer than usual for it: a daily source quiet for a week, a weekly
one quiet for two months. "Usual" is the median gap between the runs that brought
something new (the newest :data:`KEEP_ARRIVALS`), so a source that posts in bursts or
only on weekdays is judged by its own rhythm. Silence is measured at the feed's last
attempt, never at the clock: the same state gives the same page (docs/feed-health.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

__all__ = [
    "KEEP_ARRIVALS",
    "SILENT_FACTOR",
    "SILENT_AT_LEAST",
    "MIN_GAPS",
    "Rhythm",
    "rhythm",
    "span_words",
]

KEEP_ARRIVALS = 50  # runs with new articles remembered per feed, for its usual rhythm
MIN_GAPS = 3  # fewer gaps than this: the rhythm is unknown, nothing is called silent
SILENT_FACTOR = 5  # quiet for more than 5 × the usual gap…
SILENT_AT_LEAST = 3 * 86_400.0  # …and at least 3 days (a source's quiet weekend is normal)


@dataclass(frozen=True)
class Rhythm:
    """How often a feed brings something new, and whether it has gone quiet."""

    last_new: datetime | None  # the last run that archived something from it
    usual_gap: float | None  # seconds: median gap between such runs; None while unknown
    quiet_for: float | None  # seconds from last_new to the last attempt
    silent: bool


def rhythm(arrivals: Iterable[datetime], last_attempt: datetime | None) -> Rhythm:
    """The rhythm of a feed from the times new articles arrived (any order)."""
    times = sorted(arrivals)
    if not times:
        return Rhythm(None, None, None, False)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    usual = median(gaps) if len(gaps) >= MIN_GAPS else None
    quiet = (last_attempt - times[-1]).total_seconds() if last_attempt else None
    silent = (
        usual is not None
        and quiet is not None
        and quiet > max(SILENT_FACTOR * usual, SILENT_AT_LEAST)
    )
    return Rhythm(times[-1], usual, quiet, silent)


# per theme language: (seconds, singular, plural); Chinese has no plural
UNITS: dict[str, Sequence[tuple[float, str, str]]] = {
    "en": (
        (86_400.0, "{n} day", "{n} days"),
        (3_600.0, "{n} hour", "{n} hours"),
        (60.0, "{n} minute", "{n} minutes"),
    ),
    "zh-Hant": (
        (86_400.0, "{n} 天", "{n} 天"),
        (3_600.0, "{n} 小時", "{n} 小時"),
        (60.0, "{n} 分鐘", "{n} 分鐘"),
    ),
    "zh-Hans": (
        (86_400.0, "{n} 天", "{n} 天"),
        (3_600.0, "{n} 小时", "{n} 小时"),
        (60.0, "{n} 分钟", "{n} 分钟"),
    ),
}


def span_words(seconds: float, language: str = "en") -> str:
    """A duration as a reader says it, in its largest whole unit: "12 days", "3 小時"."""
    units = UNITS.get(language, UNITS["en"])
    size, one, many = next((u for u in units if seconds >= u[0]), units[-1])
    n = max(1, int(seconds // size))
    return (one if n == 1 else many).format(n=n)
