"""Feed dates → aware UTC datetimes, read exactly or not at all (None).

A strict grammar of the forms feeds really write (docs/fetch-dates.md has the table and
the reasons): RFC 822/2822 and RFC 850 (RSS, HTTP), ISO 8601 / RFC 3339 / W3C-DTF in
extended and basic form (Atom, JSON Feed, HTML ``<time>``), JavaScript's
``Date.prototype.toString()`` and C's ``asctime()``, month-name forms (``Jan 2, 2006``,
``2 January 2006``, in a few European languages), numeric dates with ``/ . -``
(year first; or year last when only one reading of day and month is possible), the
CJK ``2021年1月27日`` forms, 12-hour clocks (``3:04 PM``, ``下午3:04``) and epoch seconds
or milliseconds. Each pattern must match the *whole* text (a leading phrase without
digits such as "Posted on" may come first, a ``(comment)`` may follow): nothing is
guessed from a prefix, no field is filled in from a default, and a date that does not
exist (31 Nov) is no date. ``24:00`` is the next day's midnight (ISO 8601, JavaScript);
a leap second ``:60`` is read as ``:59``.

Time zones: numeric offsets in every spelling (``+0800 +08:00 +08 -7 GMT+8 UTC+08:00``),
``Z UT UTC GMT``, the RFC 822 North American names (``CST`` is −06:00, as RFC 822 and
JavaScript read it) and a few unambiguous regional names. A date without a zone keeps
its written wall-clock time as UTC — what feedparser does, and what the older Node
system did on its UTC runner.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

__all__ = ["parse_date", "EARLIEST"]

EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
"""Earlier results are placeholders (``0001-01-01``, Go's and .NET's zero time), not dates."""

_MONTH_NAMES = (  # CLDR abbreviations and full names; none means two months in two languages
    "jan january janv janvier ene enero gen gennaio januar janeiro januari",
    "feb february febr fevr févr février febrero fev fevereiro febbraio februar februari",
    "mar march mars marzo mär märz marco março mrt maart",
    "apr april avr avril abr abril aprile",
    "may mai mayo maggio mei maio",
    "jun june juin junio giu giugno juni junho",
    "jul july juil juillet julio lug luglio juli julho",
    "aug august aout août ago agosto augustus",
    "sep sept september septembre septiembre set setembro settembre",
    "oct october octobre octubre okt oktober out outubro ott ottobre",
    "nov november novembre noviembre novembro",
    "dec december déc decembre décembre dic diciembre dez dezember dezembro dicembre",
)
MONTHS = {name: n for n, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_WEEKDAYS = frozenset(
    (
        "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday "
        "saturday sunday mo di mi do fr sa so mon. lun mar mer jeu ven sam dim lundi mardi "
        "mercredi jeudi vendredi samedi dimanche lu ma mi ju vi sá do mié jue vie sáb dom "
        "lunes martes miércoles jueves viernes sábado domingo seg ter qua qui sex segunda terça "
        "quarta quinta sexta montag dienstag mittwoch donnerstag freitag samstag sonntag "
        "gio lunedì martedì mercoledì giovedì venerdì sabato domenica"
    ).split()
)
# RFC 822 §5.1 zone names, then regional names that name one offset only.
ZONE_NAMES = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "CET": 60,
    "CEST": 120,
    "BST": 60,
    "JST": 540,
    "KST": 540,
    "HKT": 480,
    "SGT": 480,
    "IST": 330,
    "AEST": 600,
    "AEDT": 660,
    "MSK": 180,
    "EET": 120,
    "EEST": 180,
    "WET": 0,
    "WEST": 60,
}
_AM = ("am", "a.m.", "上午", "凌晨", "早上", "오전")
_PM = ("pm", "p.m.", "下午", "晚上", "오후")

_TIME = (
    r"(?P<ap1>上午|下午|凌晨|早上|晚上|오전|오후)?\s*(?P<H>\d{1,2})"
    r"(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
    r"|\s*[时時点點시]\s*(?P<M2>\d{1,2})\s*[分분]?(?:\s*(?P<S2>\d{1,2})\s*[秒초])?)"
    r"\s*(?P<ap2>[AaPp]\.?[Mm]\.?)?"
)
_ZONE = r"(?P<zone>[A-Za-z]{1,5}(?:\s?[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{1,2}(?::?\d{2})?)"
_TZ = rf"(?:\s*{_ZONE})?"
_WD = r"(?:(?P<wd>[^\W\d_]+)\.?(?:,\s*|\s+))?"
_ORD = r"(?:st|nd|rd|th)?"

_PATTERNS = tuple(
    re.compile(p, re.I)
    for p in (
        # ISO 8601 extended / RFC 3339 / HTML (T or a space), zone after the time
        rf"(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?:(?:T|\s+){_TIME}{_TZ})?",
        # ISO 8601 basic
        r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T(?P<H>\d{2})(?P<M>\d{2})(?:(?P<S>\d{2})"
        r"(?:[.,](?P<F>\d{1,9}))?)?(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?",
        # RFC 822/2822/850: [Wed,] 27 Jan 2021 [10:00[:00]] [zone]
        rf"{_WD}(?P<d>\d{{1,2}})\.?{_ORD}(?:\s+|-)(?P<mon>[^\W\d_]+)\.?,?(?:\s+|-)(?P<y>\d{{2,4}})"
        rf"(?:(?:,\s*|\s+)(?:at\s+)?{_TIME}{_TZ})?",
        # month first: Jan 2, 2006 [3:04 PM] · Wed Jan 27 2021 10:00:00 GMT+0800 (JavaScript)
        rf"{_WD}(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})"
        rf"(?:(?:,\s*|\s+)(?:at\s+)?{_TIME}{_TZ})?",
        # asctime / date(1): Wed Jan 27 10:00:00 [CST] 2021
        rf"(?P<wd>[^\W\d_]+)\s+(?P<mon>[^\W\d_]+)\s+(?P<d>\d{{1,2}})\s+{_TIME}{_TZ}\s+(?P<y>\d{{4}})",
        # year first with / or .: 2021/01/27 10:00 · 2021.01.27
        rf"(?P<y>\d{{4}})(?P<sep>[/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})\.?"
        rf"(?:(?:T|\s+){_TIME}{_TZ})?",
        # CJK: 2021年1月27日 [星期三] [下午]10:00 · 2021년 1월 27일
        r"(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일号號]?"
        r"(?:\s*(?:[(（]\s*\S{1,3}\s*[)）]|(?:星期|周|週|禮拜|礼拜)[一二三四五六日天]))?"
        rf"(?:\s*{_TIME}{_TZ})?",
        # year last, numeric: 12/31/2020 (US) · 31.12.2020 · 31-12-2020 — unambiguous only
        rf"(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}})"
        rf"(?:(?:,\s*|\s+|T){_TIME}{_TZ})?",
    )
)
# The two shapes nearly every feed writes, read without the general grammar (~4× faster).
_FAST_ISO = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-](?:0\d|1[0-5]):[0-5]\d)"
)
_FAST_RFC = re.compile(
    r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) "
    r"(?:GMT|UTC|\+0000|([+-])(0\d|1[0-5])([0-5]\d))"
)
_EPOCH = re.compile(r"(?P<s>\d{9,10})(?:\.(?P<f>\d{1,6}))?|(?P<ms>\d{12,13})")
_COMMENT = re.compile(r"\s*\([^()]*\)$")  # RFC 2822 comment, JavaScript's "(China Standard Time)"
_SPLIT = re.compile(r"[\s:：,，]+")
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?$")
_MAX_PREFIX_WORDS = 6


def parse_date(text: str | None) -> datetime | None:
    """One feed date → an aware UTC datetime, or None when it cannot be read exactly."""
    if not text:
        return None
    if (fast := _fast(text.strip())) is not None:
        return fast
    text = " ".join(text.split())
    if text.endswith(")"):
        text = _COMMENT.sub("", text)
    if not text or len(text) > 200:
        return None
    value = _read(text)
    if value is None:  # "Posted on 27 Jan 2021 13:00": a leading phrase without digits
        for count, split in enumerate(_SPLIT.finditer(text)):
            if count >= _MAX_PREFIX_WORDS or any(c.isdigit() for c in text[: split.start()]):
                break
            if (value := _read(text[split.end() :])) is not None:
                break
    if value is None or value < EARLIEST:
        return None
    return value


def _fast(text: str) -> datetime | None:
    """The common RFC 3339 and RFC 822 shapes; None sends the text to the full grammar
    (which also decides what these shapes hold that is not a date: 24:00, 31 Nov…)."""
    try:
        if _FAST_ISO.fullmatch(text):
            value = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
        elif (m := _FAST_RFC.fullmatch(text)) and (month := MONTHS.get(m[2].lower())):
            offset = (int(m[8]) * 60 + int(m[9])) * (-1 if m[7] == "-" else 1) if m[7] else 0
            value = datetime(
                int(m[3]), month, int(m[1]), int(m[4]), int(m[5]), int(m[6]), tzinfo=_zone(offset)
            ).astimezone(timezone.utc)
        else:
            return None
    except ValueError:
        return None
    return value if value >= EARLIEST else None


@lru_cache(maxsize=128)
def _zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes)) if minutes else timezone.utc


def _read(text: str) -> datetime | None:
    if epoch := _EPOCH.fullmatch(text):
        return _from_epoch(epoch)
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is not None:
            return _build(match.groupdict())
    return None


def _from_epoch(match: re.Match[str]) -> datetime:
    if match["ms"]:
        return datetime.fromtimestamp(int(match["ms"]) / 1000, tz=timezone.utc)
    micro = int((match["f"] or "").ljust(6, "0"))
    return datetime.fromtimestamp(int(match["s"]), tz=timezone.utc) + timedelta(microseconds=micro)


def _build(g: dict[str, str | None]) -> datetime | None:
    """The instant the fields name, or None when any field is impossible."""
    if (weekday := g.get("wd")) and weekday.lower() not in _WEEKDAYS:
        return None
    year, month, day = _ymd(g)
    if year is None or month is None or day is None:
        return None
    hour, minute, second, micro = _hms(g)
    if hour is None:
        return None
    offset = _offset(g.get("zone"))
    if offset is None:
        return None
    extra = timedelta(0)
    if hour == 24:  # the end of the day: the next day's midnight, only exactly 24:00
        if minute or second or micro:
            return None
        hour, extra = 0, timedelta(days=1)
    try:
        local = datetime(year, month, day, hour, minute, second, micro, tzinfo=_zone(offset))
        return (local + extra).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _ymd(g: dict[str, str | None]) -> tuple[int | None, int | None, int | None]:
    year_text = g["y"] or ""
    year = int(year_text)
    if len(year_text) == 2:  # RFC 2822 §4.3: 00–49 → 20xx, 50–99 → 19xx
        year += 2000 if year < 50 else 1900
    elif len(year_text) == 3:
        year += 1900
    if name := g.get("mon"):
        month = MONTHS.get(name.lower().rstrip("."))
        return year, month, int(g["d"] or 0)
    if g.get("a"):  # year last: day and month must be told apart by their values
        a, b = int(g["a"] or 0), int(g["b"] or 0)
        if g["sep"] == ".":  # no locale writes the month first with dots (CLDR)
            return year, b, a
        if a == b or b > 12 >= a:
            return year, a, b  # month/day (US)
        if a > 12 >= b:
            return year, b, a  # day/month
        return year, None, None  # both readings exist: ambiguous
    return year, int(g["m"] or 0), int(g["d"] or 0)


def _hms(g: dict[str, str | None]) -> tuple[int | None, int, int, int]:
    if g.get("H") is None:
        return 0, 0, 0, 0
    hour = int(g["H"] or 0)
    minute = int(g.get("M") or g.get("M2") or 0)
    second = int(g.get("S") or g.get("S2") or 0)
    micro = int((g.get("F") or "")[:6].ljust(6, "0"))
    if second == 60:
        second = 59  # a leap second: within a second of the truth, on the written date
    marker = (g.get("ap1") or g.get("ap2") or "").lower()
    if marker:
        if hour > 12 or (hour == 0 and marker in _PM):  # "0:04 AM" is still 00:04
            return None, 0, 0, 0
        if marker in _PM and hour != 12:
            hour += 12
        elif marker in _AM and hour == 12:
            hour = 0
    if hour > 24 or minute > 59 or second > 59:
        return None, 0, 0, 0
    return hour, minute, second, micro


def _offset(zone: str | None) -> int | None:
    """Minutes east of UTC; 0 for no zone (the written time is kept as UTC)."""
    if not zone:
        return 0
    zone = zone.replace(" ", "")
    name = zone.rstrip("+-0123456789:")
    numeric = zone[len(name) :]
    if name:
        upper = name.upper()
        if numeric:
            if upper not in ("UTC", "GMT", "UT"):
                return None
        elif upper in ZONE_NAMES:
            return ZONE_NAMES[upper]
        elif len(upper) == 1 and upper != "J":
            return 0  # RFC 2822 §4.3: military zones are read as -0000
        else:
            return None
    match = _OFFSET.match(numeric)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if len(hours) == 1 and minutes and ":" not in numeric:
        return None  # "+800": neither HHMM nor H:MM
    hours_, minutes_ = int(hours), int(minutes or 0)
    if hours_ > 15 or minutes_ > 59:
        return None
    total = hours_ * 60 + minutes_
    return -total if sign == "-" else total
