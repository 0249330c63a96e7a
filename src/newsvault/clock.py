"""The clock, kept at the edge so that ``--now`` can fix it for reproducible runs."""

from __future__ import annotations

import re
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
