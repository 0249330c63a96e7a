"""Feed dates → aware UTC datetimes (None when the text is not a date).

Fast paths for the two formats nearly every feed uses (RFC 822 in RSS, RFC 3339 in
Atom/JSON Feed); feedparser's date parsers, which know dozens of odd real-world forms
(W3C-DTF fragments, Korean, Greek, Hungarian…), are the fallback for the rest.
Dates without a zone are taken as UTC.
"""

from __future__ import annotations

import calendar
import email.utils
import re
from datetime import datetime, timezone

_RFC3339_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ZONE_FIX = re.compile(r"(?<=[+-]\d{2})(\d{2})$")  # +0800 → +08:00 for fromisoformat
_FOREIGN_ZONES = {"CET": "+0100", "CEST": "+0200", "BST": "+0100", "JST": "+0900", "KST": "+0900",
                  "HKT": "+0800", "SGT": "+0800", "IST": "+0530", "AEST": "+1000",
                  "AEDT": "+1100", "MSK": "+0300", "EET": "+0200", "EEST": "+0300",
                  "WET": "+0000", "WEST": "+0100"}
_MIN = datetime(1970, 1, 2, tzinfo=timezone.utc)


def parse_date(text: str | None) -> datetime | None:
    """Parse one feed date; implausible results (before 1970) count as no date."""
    if not text or not (text := text.strip()):
        return None
    value = _iso(text) if _RFC3339_LIKE.match(text) else _rfc822(text)
    if value is None:
        value = _fallback(text)
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value if value >= _MIN else None


def _iso(text: str) -> datetime | None:
    candidate = text.replace("Z", "+00:00").replace("z", "+00:00")
    candidate = _ZONE_FIX.sub(r":\1", candidate)
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _rfc822(text: str) -> datetime | None:
    parts = text.rsplit(None, 1)
    if len(parts) == 2 and parts[1].upper() in _FOREIGN_ZONES:
        text = f"{parts[0]} {_FOREIGN_ZONES[parts[1].upper()]}"
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _fallback(text: str) -> datetime | None:
    try:
        from feedparser.datetimes import _parse_date
    except ImportError:  # pragma: no cover - feedparser is a dependency
        return None
    try:
        parsed = _parse_date(text)
    except Exception:  # feedparser's date handlers raise anything on odd input
        return None
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
