"""Permalinks that match Jekyll 4's, so links people already shared keep working.

Jekyll builds a post's URL from the permalink pattern (``/:year-:month-:day/:title/`` in
the reference), the date in the site's time zone and the "pretty" slug of the file
name's title part. The functions below follow Jekyll 4.3's ``Utils.slugify``,
``Drops::UrlDrop`` and ``URL#sanitize_url`` step by step; the tests compare them with
real Jekyll on the 599 real sample posts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timezone, tzinfo
from functools import lru_cache

from newsvault.clock import parse_tz as parse_tz  # its home moved to clock; plan.py imports it here
from newsvault.errors import ConfigError

# Jekyll: SLUGIFY_PRETTY_REGEXP = /[^\p{M}\p{L}\p{Nd}._~!$&'()+,;=@]+/
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
_FILENAME_RE = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)(\.[^.]+)$", re.DOTALL)
_PLACEHOLDER_RE = re.compile(r":([a-z_]+)")
# Characters left as they are in an href (Jekyll's path escaping keeps these too).
_HREF_SAFE = "/-._~!$&'()+,;=@:"


def _keep(ch: str, extra: frozenset[str]) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LM" or cat == "Nd" or ch in extra


class _SlugTable(dict):
    """``str.translate`` table of a slug mode: kept characters map to themselves, others
    to "-"; filled on first sight of each character (a title has a few dozen distinct)."""

    def __init__(self, extra: frozenset[str]) -> None:
        super().__init__()
        self.extra = extra

    def __missing__(self, code: int) -> int:
        self[code] = code if _keep(chr(code), self.extra) else 0x2D
        return self[code]


_TABLES: dict[frozenset[str], _SlugTable] = {}
_HYPHENS = re.compile("-{2,}")


def _slugify(text: str, extra: frozenset[str], cased: bool) -> str:
    table = _TABLES.get(extra)
    if table is None:
        table = _TABLES[extra] = _SlugTable(extra)
    slug = _HYPHENS.sub("-", text.translate(table))
    # Ruby's gsub!(/^-|-$/, "") drops one hyphen at each end (runs are already one).
    if slug.startswith("-"):
        slug = slug[1:]
    if slug.endswith("-"):
        slug = slug[:-1]
    return slug if cased else slug.lower()


@lru_cache(maxsize=65536)
def slugify_pretty(text: str, *, cased: bool = True) -> str:
    """Jekyll's ``slugify(text, mode: "pretty", cased: true)`` (what ``:title`` uses)."""
    return _slugify(text, _PRETTY_KEEP, cased)


def slugify_default(text: str) -> str:
    """Jekyll's default-mode slugify (what ``:slug`` uses): letters and digits, lower case."""
    return _slugify(text, frozenset(), cased=False)


def filename_slug(filename: str) -> str:
    """The title part of a post file name (``2021-01-27-Title.md`` → ``Title``), trailing
    dots dropped as Jekyll's ``populate_title`` does."""
    match = _FILENAME_RE.match(filename)
    if match:
        slug = match.group(2)
    else:
        stem, dot, _ext = filename.rpartition(".")
        slug = stem if dot else filename
    return slug.rstrip(".")


def local_date(value: datetime | date, tz: tzinfo) -> datetime | date:
    """The post date as Jekyll sees it: aware times converted to the site zone, dates kept."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(tz)
    return value


def _placeholder(
    name: str, when: datetime | date, slug: str, categories: tuple[str, ...]
) -> str | None:
    """One placeholder's value (computed only when the pattern has it: slugs cost most)."""
    if name == "title":
        return slugify_pretty(slug)
    if name == "slug":
        return slugify_default(slug)
    if name == "categories":
        seen: list[str] = []
        for cat in categories:
            low = str(cat).lower()
            if low not in seen:
                seen.append(low)
        return "/".join(seen)
    field = _DATE_FIELDS.get(name)
    if field is None:
        return ".html" if name == "output_ext" else None
    return field(when if isinstance(when, datetime) else datetime(when.year, when.month, when.day))


_DATE_FIELDS: dict[str, Callable[[datetime], str]] = {
    "year": lambda t: f"{t.year:04d}",
    "month": lambda t: f"{t.month:02d}",
    "day": lambda t: f"{t.day:02d}",
    "i_month": lambda t: str(t.month),
    "i_day": lambda t: str(t.day),
    "short_year": lambda t: f"{t.year % 100:02d}",
    "hour": lambda t: f"{t.hour:02d}",
    "minute": lambda t: f"{t.minute:02d}",
    "second": lambda t: f"{t.second:02d}",
    "y_day": lambda t: f"{t.timetuple().tm_yday:03d}",
}


_SLASHES = re.compile(r"/{2,}")
_NAMED = frozenset({"title", "slug", "categories", "output_ext", *_DATE_FIELDS})


@lru_cache(maxsize=64)
def _tokens(pattern: str) -> tuple[str | tuple[str, str], ...]:
    """The pattern split once into literal text and (placeholder, text after its name)
    pairs: ``:year_`` is the year followed by "_" when no placeholder has that name."""
    out: list[str | tuple[str, str]] = []
    pos = 0
    for match in _PLACEHOLDER_RE.finditer(pattern):
        out.append(pattern[pos : match.start()])
        name = match.group(1)
        key = next((k for k in (name, name.rstrip("_")) if k in _NAMED), None)
        if key is None:
            raise ConfigError(f"[site] permalink {pattern!r}: unknown placeholder :{name}")
        out.append((key, name[len(key) :]))
        pos = match.end()
    out.append(pattern[pos:])
    return tuple(out)


def permalink(
    pattern: str, when: datetime | date, slug: str, categories: tuple[str, ...] = ()
) -> str:
    """The post's URL path, unescaped (``/2021-01-27/美國務卿…/``), as Jekyll computes it."""
    url = "".join(
        t if isinstance(t, str) else _placeholder(t[0], when, slug, categories) + t[1]  # type: ignore[operator]
        for t in _tokens(pattern)
    )
    # Jekyll's URL#sanitize_url.
    url = ("/" + _SLASHES.sub("/", url)).replace("..", "/").replace("./", "")
    return _SLASHES.sub("/", url)


def output_path(url: str) -> str:
    """The file (relative to the site root) that serves ``url``: ``a/b/`` → ``a/b/index.html``."""
    rel = url.lstrip("/")
    if not rel or rel.endswith("/"):
        return rel + "index.html"
    return rel if rel.endswith(".html") else rel + ".html"


# What urllib.parse.quote(…, safe=_HREF_SAFE) leaves as it is.
_HREF_UNSAFE = re.compile("[^A-Za-z0-9_.~" + re.escape(_HREF_SAFE) + "]+")


def _percent(match: re.Match[str]) -> str:
    return "%" + match.group().encode("utf-8").hex("%").upper()


@lru_cache(maxsize=262144)
def href(base_path: str, url: str) -> str:
    """An href for a site-relative URL under the base path, percent-encoded where needed:
    ``urllib.parse.quote(…, safe=_HREF_SAFE)``, but a run of unsafe characters is encoded
    at once (``bytes.hex``) instead of byte by byte in Python: 5× faster on CJK titles."""
    return _HREF_UNSAFE.sub(_percent, base_path.rstrip("/") + "/" + url.lstrip("/"))
