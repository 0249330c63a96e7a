"""When an archived article is looked at again (pure; docs/evidence.md).

The schedule is a list of ages (default 1 h, 6 h, 24 h, 3 d, 7 d, 30 d after it was
first seen). After a failure the article is checked every ``confirm_every`` instead,
until a verdict or a success: three failures spanning a day are then seen within about
a day and a half of the page vanishing, however far apart the schedule's steps are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

__all__ = ["next_due", "parse_span"]

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)", re.I)
_UNIT = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_span(text: str) -> timedelta:
    """``90s``, ``15m``, ``6h``, ``3d``, ``1d12h`` → a positive timedelta (ValueError if not)."""
    value = text.strip()
    parts = _SPAN.findall(value)
    if not parts or _SPAN.sub("", value).strip():
        raise ValueError(f"{text!r} is not a duration (examples: 1h, 6h, 3d, 1d12h)")
    seconds = sum(float(n) * _UNIT[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r} must be a positive duration")
    return timedelta(seconds=seconds)


def next_due(seen: datetime, now: datetime, steps: Sequence[timedelta], *, failing: bool,
             confirm_every: timedelta) -> datetime | None:
    """The next revisit after one at ``now`` of an article first seen at ``seen``: the
    first step of the schedule after ``now`` (None past the last), or sooner while the
    article is failing without a verdict yet."""
    later = [seen + step for step in steps if seen + step > now]
    scheduled = min(later) if later else None
    if failing:
        confirm = now + confirm_every
        return confirm if scheduled is None or confirm < scheduled else scheduled
    return scheduled
