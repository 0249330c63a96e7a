"""The clock, kept at the edge so that ``--now`` can fix it for reproducible runs."""

from __future__ import annotations

from datetime import datetime, timezone

from newsvault.errors import UsageError


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def parse_now(text: str | None) -> datetime:
    """``--now`` value (ISO 8601, ``Z`` allowed) → aware UTC datetime; None → the real clock."""
    if not text:
        return utcnow()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(f"--now: {text!r} is not an ISO 8601 time (example: 2021-01-28T00:00:00Z)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
