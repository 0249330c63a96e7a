"""Front matter, read the way Jekyll reads it, and recovered when it is not valid YAML.

Jekyll takes the text between a first line ``---`` and the next line that is ``---`` (or
``...``), whole lines only: a value such as Medium's ``?source=rss-…------2`` does not end
it. When the YAML does not load (the reference system did not escape ``\\`` in titles), the
``key: value`` lines are read one by one so that the post still has its values, and the
problem is reported in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timedelta, timezone

import yaml

from newsvault.archive.fast_yaml import load_simple
from newsvault.archive.yaml_scalars import load_yaml
from newsvault.models import Problem

__all__ = ["FrontMatter", "split_front_matter", "read_front_matter", "parse_date_text"]

_JEKYLL = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?(?:\n|\Z)", re.S | re.M)
_LINE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_DATE_LINE = re.compile(r"^date:[ \t]*(.*?)[ \t]*$", re.M)
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"[ \t]*(Z|z|[-+]\d{1,2}(?::?\d{2})?)?)?"
)
_RECOVER_ESCAPE = re.compile(r'\\([\\"])')


@dataclass
class FrontMatter:
    """The fields of a post's front matter, typed, plus how they were found."""

    values: dict[str, object] = field(default_factory=dict)
    valid_yaml: bool = True
    title: str | None = None
    date: datetime | None = None  # aware UTC
    date_raw: str | None = None  # the text after "date:"
    date_only: bool = False
    author: str | None = None
    link: str | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def split_front_matter(text: str) -> tuple[str, str] | None:
    """``text`` → (front matter, body) by Jekyll's whole-line rule; None when there is none."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end >= 0 and text.find("\n...", 3, end) < 0 and text.find("\n---", 3, end) < 0:
            return text[4 : end + 1], text[end + 5 :]
    m = _JEKYLL.match(text)
    if not m:
        return None
    return m.group(1), text[m.end() :]


def parse_date_text(raw: str) -> tuple[datetime, bool] | None:
    """A YAML/ISO 8601 date or time → (aware UTC datetime, date-only?); None if it is not one."""
    m = _ISO.fullmatch(raw.strip().strip("'\""))
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        if h is None:
            return datetime(int(y), int(mo), int(d), tzinfo=timezone.utc), True
        micro = int((frac or "0")[:6].ljust(6, "0"))
        value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro)
    except ValueError:
        return None
    return value.replace(tzinfo=_zone(tz)).astimezone(timezone.utc), False


def _zone(tz: str | None) -> timezone:
    if tz is None or tz in ("Z", "z"):
        return timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _as_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(t for t in (_as_text(v) for v in value) if t is not None)
    return (str(value),)


def _date_from(value: object, raw: str | None) -> tuple[datetime | None, bool]:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc), False
    if isinstance(value, Date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc), True
    parsed = parse_date_text(raw) if raw else None
    return (parsed[0], parsed[1]) if parsed else (None, False)


def read_front_matter(text: str, problems: list[Problem]) -> FrontMatter:
    """Load the front matter; on invalid YAML recover it line by line (adds a broken problem)."""
    fm = FrontMatter()
    try:
        loaded = _load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        problems.append(Problem("front matter is not valid YAML: " + _explain(exc, text), True))
        fm.valid_yaml = False
        loaded = _recover(text)
    except ValueError as exc:  # PyYAML builds YAML timestamps such as 2021-02-30 and fails
        problems.append(Problem(f"front matter has an impossible date or time ({exc})", True))
        fm.valid_yaml = False
        loaded = _recover(text)
    if not isinstance(loaded, dict):
        problems.append(Problem("front matter is not a list of 'key: value' lines", True))
        fm.valid_yaml = False
        loaded = _recover(text)
    fm.values = {str(k): v for k, v in loaded.items()}
    m = _DATE_LINE.search(text)
    fm.date_raw = m.group(1) if m else None
    _fill(fm)
    return fm


def _load(text: str) -> object:
    """The common simple shape without a parser (same result), else PyYAML."""
    simple = load_simple(text)
    return simple if simple is not None else load_yaml(text)


def _fill(fm: FrontMatter) -> None:
    v = fm.values
    fm.title = _as_text(v.get("title"))
    fm.author = _as_text(v.get("author"))
    fm.link = _as_text(v.get("from"))
    fm.tags = _as_list(v.get("tags"))
    fm.categories = _as_list(v.get("categories"))
    if "date" in v:
        fm.date, fm.date_only = _date_from(v["date"], fm.date_raw)


def _key_at(lines: list[str], line: int) -> str:
    if 0 <= line < len(lines):
        m = _LINE.match(lines[line])
        if m:
            return m.group(1)
    return ""


def _explain(exc: yaml.YAMLError, text: str) -> str:
    """A YAML error in words, naming the field it is in."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "problem_mark", None)
    start = getattr(exc, "context_mark", None)
    lines = text.splitlines()
    key = _key_at(lines, mark.line) if mark is not None else ""
    opener = _key_at(lines, start.line) if start is not None else ""
    raw = lines[mark.line] if mark is not None and 0 <= mark.line < len(lines) else ""
    value = raw.partition(":")[2].strip()
    if "unknown escape character" in problem:
        return f"unescaped backslash in {key or 'a value'}"
    if "quoted scalar" in context:
        return f"unclosed quote in {opener or key or 'a value'}"
    if "flow sequence" in context or "flow mapping" in context:
        return f"unclosed [ or {{ in {opener or key or 'a value'}"
    if value.startswith('"') and len(re.findall(r'(?<!\\)"', value)) > 2:
        return f"unescaped double quote in {key}"
    if "mapping values are not allowed" in problem:
        return f"': ' inside the unquoted {key or 'value'} (it needs quotes)"
    if "block sequence entries" in problem:
        return f"the unquoted {key or 'value'} starts with '- ' (it needs quotes)"
    if "cannot start any token" in problem or "undefined alias" in problem:
        return (
            f"the unquoted {key or 'value'} starts with a YAML special character (it needs quotes)"
        )
    if "found character '\\t'" in problem:
        return f"tab character in {key or 'a value'}"
    where = f" in {key}" if key else (f" (line {mark.line + 2})" if mark is not None else "")
    return f"{problem}{where}"


def _recover(text: str) -> dict[str, object]:
    """Best-effort ``key: value`` reading for front matter YAML rejects."""
    out: dict[str, object] = {}
    for line in text.splitlines():
        m = _LINE.fullmatch(line)
        if not m:
            continue
        key, raw = m.group(1), (m.group(2) or "")
        if raw.startswith("[") and raw.endswith("]"):
            items = [_unquote(i.strip()) for i in raw[1:-1].split(",")]
            out[key] = [i for i in items if i]
        elif key == "date":
            parsed = parse_date_text(raw)
            out[key] = parsed[0] if parsed else raw
        else:
            out[key] = _unquote(raw)
    return out


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return _RECOVER_ESCAPE.sub(r"\1", raw[1:-1])
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    return raw
