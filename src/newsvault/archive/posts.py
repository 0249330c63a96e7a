"""Posts both ways: ``Article`` → post text (exact bytes of docs/post-format.md) and back.

Rendering is a single f-string over pre-quoted fields, so the fetch stage can write
thousands of posts per run. Reading is tolerant of everything the reference system
ever wrote (see ``frontmatter.py``) and never raises on bad content: what is wrong
goes into ``Post.problems``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from newsvault.archive.fields import format_date, link_text, normalize_title
from newsvault.archive.frontmatter import read_front_matter, split_front_matter
from newsvault.archive.yaml_scalars import double_quoted, flow_item, scalar
from newsvault.models import Article, Post, Problem

__all__ = ["render_post", "parse_post", "read_post", "parse_bytes"]

_MARKER = re.compile(r"<!--(-?\d+|NaN)-->\n")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=1024)  # a feed's tags are the same for each of its posts
def _flow(items: tuple[str, ...]) -> str:
    return "[ " + ", ".join(flow_item(i) for i in items) + " ]" if items else "[ ]"


_NO_LIQUID = "render_with_liquid: false\n"


def _has_liquid(text: str, content: str) -> bool:
    """Jekyll runs ``{{ }}``/``{% %}`` in a post body as Liquid: one stray ``{%`` in a title
    would fail the whole site build, so such posts opt out (Jekyll ≥ 4.1)."""
    return "{{" in text or "{%" in text or "{{" in content or "{%" in content


def render_post(article: Article) -> str:
    """The post text for ``article``, byte for byte as docs/post-format.md, "Layout", says.

    One addition for hostile input only: ``render_with_liquid: false`` after
    ``categories:`` when the link text or content holds Liquid delimiters.
    """
    title = normalize_title(article.title)
    ms = "NaN" if article.ms is None else str(article.ms)
    text = link_text(title)
    return (
        "---\nlayout: post\n"
        f"title: {double_quoted(title)}\n"
        f"date: {format_date(article.date)}\n"
        f"author: {scalar(article.author)}\n"
        f"from: {scalar(article.link)}\n"
        f"tags: {_flow(article.tags)}\n"
        f"categories: {_flow(article.categories)}\n"
        f"{_NO_LIQUID if _has_liquid(text, article.content) else ''}"
        f"---\n<!--{ms}-->\n[{text}]({article.link})\n------\n\n"
        f"<div>\n{article.content}\n</div>\n"
    )


def _split_link_body(body: str, link: str | None) -> tuple[str, int | None, str | None, str] | None:
    """Body of the "link" layout → (layout, ms, link text, content); None if not that layout."""
    m = _MARKER.match(body)
    if not m:
        return None
    ms = None if m.group(1) == "NaN" else int(m.group(1))
    rest = body[m.end() :]
    line_end = rest.find("\n")
    link_line = rest[:line_end] if line_end >= 0 else rest
    after = rest[line_end + 1 :] if line_end >= 0 else ""
    text = None
    if link and link_line.startswith("[") and link_line.endswith(f"]({link})"):
        text = link_line[1 : -len(link) - 3]
    elif link_line.startswith("[") and link_line.endswith(")"):
        cut = link_line.rfind("](")
        if cut > 0:
            text = link_line[1:cut]
    content = after
    if content.startswith("------\n\n<div>\n"):
        content = content[len("------\n\n<div>\n") :]
        if content.endswith("\n</div>\n"):
            content = content[: -len("\n</div>\n")]
    return "link", ms, text, content


def parse_post(text: str, path: Path, *, diagnose: bool = True) -> Post:
    """Post text → :class:`Post` (values as the file states them, plus its problems).

    A leading BOM and CRLF line endings are tolerated (and reported); ``Post.body`` is
    then the body with LF endings. ``diagnose=False`` skips the checks that only report
    (file name, marker, control characters, Liquid…): the site generator reads every post
    on a full build and needs the values, not the warnings; problems found while reading
    (no front matter, invalid YAML) are still reported.
    """
    problems: list[Problem] = []
    if text.startswith("\ufeff"):  # Jekyll skips a byte-order mark; so do we, and say so
        text = text[1:]
        problems.append(Problem("file starts with a byte-order mark (U+FEFF)"))
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
        problems.append(Problem("file has Windows (CRLF) line endings"))
    split = split_front_matter(text)
    if split is None:
        problems.append(
            Problem(
                "no front matter (the file does not start with a '---' line "
                "followed by a closing '---' line)",
                broken=True,
            )
        )
        return Post(
            path=path,
            article=_empty_article(text),
            body=text,
            layout="none",
            problems=tuple(problems),
        )
    fm_text, body = split
    fm = read_front_matter(fm_text, problems)
    values = fm.values
    link_body = _split_link_body(body, fm.link)
    if link_body is not None:
        layout, ms, _, content = link_body
    else:
        layout, ms, content = "html", None, body
    date = fm.date or _EPOCH
    if layout == "html":
        ms = int((date - _EPOCH).total_seconds() * 1000) if fm.date else None
    tags = fm.tags
    categories = fm.categories
    site = (
        tags[0]
        if tags
        else next((c for c in categories if c != "news"), categories[0] if categories else "")
    )
    article = Article(
        title=fm.title or "",
        date=date,
        author=fm.author or "",
        link=fm.link or "",
        site=site,
        content=content,
        ms=ms,
        tags=tags,
        categories=categories,
        guid=_str_or_none(values.get("guid")),
    )
    if diagnose:
        from newsvault.archive.diagnose import diagnose as checks  # they live apart from parsing

        problems.extend(checks(path, fm, article, layout, body))
    return Post(
        path=path,
        article=article,
        body=body,
        front_matter=values,
        layout=layout,
        problems=tuple(problems),
    )


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _empty_article(content: str) -> Article:
    return Article(
        title="",
        date=_EPOCH,
        author="",
        link="",
        site="",
        content=content,
        ms=None,
        tags=(),
        categories=(),
    )


def read_post(path: Path, *, diagnose: bool = True) -> Post:
    """Read and parse one post file; unreadable or non-UTF-8 files become broken posts."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Post(
            path=path,
            article=_empty_article(""),
            body="",
            layout="none",
            problems=(Problem(f"cannot read the file: {exc.strerror or exc}", True),),
        )
    return parse_bytes(data, path, diagnose=diagnose)


def parse_bytes(data: bytes, path: Path, *, diagnose: bool = True) -> Post:
    """A post file's bytes → :class:`Post` (for callers that need the bytes too, e.g. to
    digest them, without reading the file twice); non-UTF-8 bytes make a broken post."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        post = parse_post(text, path, diagnose=diagnose)
        where = f"byte {exc.start}"
        return Post(
            path=post.path,
            article=post.article,
            body=post.body,
            front_matter=post.front_matter,
            layout=post.layout,
            problems=(Problem(f"not valid UTF-8 text (at {where})", True), *post.problems),
        )
    return parse_post(text, path, diagnose=diagnose)
