"""The clock, kept at the edge so that ``--now`` can fix it for reproducible runs; and
the durations and time zones the user writes."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo

from newsvault.errors import ConfigError, UsageError

_TZ_RE = re.compile(r"^(?:UTC|Z|([+-])(\d{2}):?(\d{2}))$")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def parse_now(text: str | None) -> datetime:
    """``--now`` value (ISO 8601, ``Z`` allowed) → aware UTC datetime; None → the real clock."""
    if not text:
        return utcnow()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--now: {text!r} is not an ISO 8601 time (example: 2021-01-28T00:00:00Z)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def parse_tz(text: str) -> tzinfo:
    """``"+08:00"``, ``"-0500"``, ``"UTC"``/``"Z"`` → a fixed-offset time zone (the
    ``[site]`` zones; here, below every stage, so that the config can check them)."""
    match = _TZ_RE.match(text.strip())
    if not match:
        raise ConfigError(f"[site] time zone {text!r}: use an offset such as '+08:00' or 'UTC'")
    if match.group(1) is None:
        return timezone.utc
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    sign = -1 if match.group(1) == "-" else 1
    return timezone(timedelta(minutes=sign * minutes))


def fixed_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at ``start`` (``--now``) and then advances in real time."""
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)", re.IGNORECASE)
_UNIT = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str, option: str = "--every", minimum: float = 0.0) -> float:
    """``90s``, ``15m``, ``1h``, ``1h30m``, ``2d``, or plain seconds → seconds (> 0, and at
    least ``minimum``)."""
    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        parts = _DURATION.findall(value)
        if not parts or _DURATION.sub("", value).strip():
            raise UsageError(
                f"{option}: {text!r} is not a duration (examples: 90s, 15m, 1h, 1h30m)"
            ) from None
        seconds = sum(float(n) * _UNIT[u.lower()] for n, u in parts)
    if not seconds > 0 or math.isnan(seconds) or math.isinf(seconds):
        raise UsageError(f"{option}: {text!r} must be a positive duration")
    if seconds < minimum:
        raise UsageError(
            f"{option}: {text!r} is too short: the minimum is {minimum:g}s (feeds "
            "change a few times an hour at most; a faster loop only loads their servers)"
        )
    return seconds
