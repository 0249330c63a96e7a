"""What is wrong with a post, in words a user understands.

Broken (``check`` fails): the file cannot be used as a post — no title, no date or a date
that is not a date (and invalid YAML or no front matter, found while reading).
Warnings: the post works but something in it is lossy or surprising — a ``<!--NaN-->``
marker, a marker that disagrees with the date, a date without a time, a file name that
does not follow the title or date, characters that break feeds (control characters,
U+FFFD), Liquid tags that Jekyll would execute.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from newsvault.archive.frontmatter import FrontMatter
from newsvault.models import Article, Problem

__all__ = ["diagnose"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIQUID = re.compile(r"\{\{|\{%")
_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-(.*)\.(?:md|markdown|html)\Z", re.S)
_CONTROL_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SUFFIX = re.compile(r"-\d+\Z")


def diagnose(
    path: Path, fm: FrontMatter, article: Article, layout: str, body: str
) -> list[Problem]:
    """All problems of one parsed post, besides the YAML ones found while reading it."""
    out: list[Problem] = []
    _check_fields(fm, out)
    if layout == "link" and fm.date is not None:
        _check_marker(article, fm, out)
    if fm.date is not None and fm.title is not None:
        _check_name(path.name, fm, out)
    _check_text(body, fm, out)
    return out


def _check_fields(fm: FrontMatter, out: list[Problem]) -> None:
    if fm.title is None:
        out.append(Problem("no title in the front matter", True))
    elif not fm.title.strip():
        out.append(Problem("the title is empty"))
    if "date" not in fm.values or fm.values["date"] is None:
        out.append(Problem("no date in the front matter", True))
    elif fm.date is None:
        out.append(Problem(f"date {fm.date_raw!r} is not a date", True))
    elif fm.date_only:
        out.append(Problem(f"date {fm.date_raw} has no time of day (midnight UTC assumed)"))
    if not fm.link:
        out.append(Problem("no link ('from:'): the article cannot be recognised if it comes again"))
    if not fm.tags and not fm.categories:
        out.append(Problem("no tags or categories: the site name is unknown"))


def _iso(ms: int) -> str:
    try:
        when = datetime.fromtimestamp(ms / 1000, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "out of range"
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _check_marker(article: Article, fm: FrontMatter, out: list[Problem]) -> None:
    if article.ms is None:
        out.append(Problem("the <!--NaN--> marker carries no publication time"))
        return
    assert fm.date is not None
    date_ms = round(fm.date.timestamp() * 1000)
    if article.ms != date_ms and not fm.date_only:
        out.append(
            Problem(
                f"the <!--{article.ms}--> marker ({_iso(article.ms)}) "
                f"disagrees with date: {fm.date_raw}"
            )
        )


def _loose(text: str) -> str:
    """Letters and digits only (entities decoded, width folded, case folded): a name
    "follows" its title when these agree, whatever happened to spaces and punctuation."""
    text = unicodedata.normalize("NFKC", html.unescape(text)).casefold()
    return "".join(c for c in text if c.isalnum())


def _check_name(name: str, fm: FrontMatter, out: list[Problem]) -> None:
    m = _NAME.match(name)
    if not m:
        out.append(Problem("file name is not YYYY-MM-DD-<title>.md, Jekyll will skip it", True))
        return
    day, slug = m.groups()
    raw_day = (fm.date_raw or "").strip("'\" ")[:10]
    assert fm.date is not None
    if day not in (raw_day, fm.date.strftime("%Y-%m-%d")):
        out.append(Problem(f"file name date {day} does not match date: {fm.date_raw}"))
    if _CONTROL_NAME.search(slug):
        out.append(Problem("file name contains control characters (not portable)"))
    title = _loose(fm.title or "")
    if not any(title.startswith(_loose(c)) for c in (slug, _SUFFIX.sub("", slug))):
        out.append(Problem("file name does not follow the title"))


def _check_text(body: str, fm: FrontMatter, out: list[Problem]) -> None:
    m = _CONTROL.search(body)
    if m:
        out.append(
            Problem(
                f"body contains control character U+{ord(m.group()):04X}, which breaks XML feeds"
            )
        )
    title = fm.title or ""
    if "\ufffd" in body or "\ufffd" in title:
        out.append(
            Problem(
                "contains U+FFFD (replacement character): text was damaged before it was archived"
            )
        )
    if _LIQUID.search(body) and fm.values.get("render_with_liquid") is not False:
        out.append(Problem("body contains '{{' or '{%', which Jekyll runs as Liquid"))
