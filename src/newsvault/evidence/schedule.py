"""When an archived article is looked at again (pure; docs/evidence.md).

The schedule is a list of ages (default 1 h, 6 h, 24 h, 3 d, 7 d, 30 d after it was
first seen). After a failure the article is checked every ``confirm_every`` instead,
until a verdict or a success: three failures spanning a day are then seen within about
a day and a half of the page vanishing, however far apart the schedule's steps are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from newsvault.config import parse_span  # the durations' one home: [evidence] settings

__all__ = ["next_due", "parse_span"]


def next_due(
    seen: datetime,
    now: datetime,
    steps: Sequence[timedelta],
    *,
    failing: bool,
    confirm_every: timedelta,
) -> datetime | None:
    """The next revisit after one at ``now`` of an article first seen at ``seen``: the
    first step of the schedule after ``now`` (None past the last), or sooner while the
    article is failing without a verdict yet."""
    later = [seen + step for step in steps if seen + step > now]
    scheduled = min(later) if later else None
    if failing:
        confirm = now + confirm_every
        return confirm if scheduled is None or confirm < scheduled else scheduled
    return scheduled
