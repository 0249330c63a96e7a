"""Property tests: any title, author or site name survives the trip through a post."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import make_article
from newsvault.archive.fields import normalize_title, title_from_link_text
from newsvault.archive.naming import MAX_NAME_BYTES, post_filename, with_suffix
from newsvault.archive.posts import parse_post, render_post

HOSTILE = [
    '"',
    "'",
    "\\",
    ":",
    ": ",
    " #",
    "#",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "😀",
    "\U0001f1f9\U0001f1fc",
    "𠀀",
    "---",
    "...",
    "&amp;",
    "<b>",
    "*",
    "|",
    ">",
    "%",
    "@",
    "`",
    "!",
    "&",
    "?",
    "yes",
    "null",
    "~",
    "1",
    "0x1F",
    "1,000",
    "2021-01-01",
    "{{",
    "{%",
    "](",
]
# Every code point except surrogates (which cannot be written as UTF-8 anyway).
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(ANY_CHAR, max_size=8)), max_size=12
).map("".join)
titles = st.one_of(
    hostile_text, st.text(ANY_CHAR, max_size=500), st.text(ANY_CHAR, min_size=480, max_size=500)
)
dates = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
links = st.text(st.sampled_from("abcXYZ019-._~%/?#[]@!$&'()*+,;=:"), max_size=40).map(
    lambda s: "https://example.com/" + s
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _front_matter(text: str) -> dict:
    head, sep, _ = text[4:].partition("\n---\n")
    assert sep and text.startswith("---\n")
    return yaml.safe_load(head)


@SETTINGS
@given(
    title=titles,
    author=hostile_text,
    site=hostile_text,
    link=links,
    date=dates,
    extra=st.lists(hostile_text, max_size=3),
)
@example(
    title="- a: b # c",
    author="- x",
    site="a, b",
    link="https://example.com/",
    date=datetime(2021, 1, 1, tzinfo=timezone.utc),
    extra=[],
)
def test_front_matter_loads_to_the_values(
    title: str, author: str, site: str, link: str, date: datetime, extra: list[str]
) -> None:
    art = replace(
        make_article(title, author=author, site=site, link=link, date=date),
        tags=(site, *extra),
        categories=(site,),
    )
    text = render_post(art)
    fm = _front_matter(text)
    assert fm["title"] == normalize_title(title)
    assert fm["author"] == author
    assert fm["from"] == link
    assert fm["tags"] == [site, *extra] and fm["categories"] == [site]
    assert fm["date"] == date
    assert fm["layout"] == "post"
    post = parse_post(text, Path(post_filename(art)))
    assert not post.broken
    assert post.article == replace(art, title=normalize_title(title))
    assert render_post(post.article) == text  # stable: rendering again gives the same bytes


@SETTINGS
@given(title=titles)
def test_link_text_renders_back_to_the_title(title: str) -> None:
    art = make_article(title)
    text = render_post(art)
    link_line = text.split("\n")[-7]
    assert link_line.startswith("[") and link_line.endswith(f"]({art.link})")
    assert title_from_link_text(link_line[1 : -len(art.link) - 3]) == normalize_title(title).strip()
    assert "\n" not in normalize_title(title)


@SETTINGS
@given(title=titles, date=dates, n=st.integers(1, 100_000))
def test_file_name_invariants(title: str, date: datetime, n: int) -> None:
    for name in (
        post_filename(make_article(title, date=date)),
        with_suffix(post_filename(make_article(title, date=date)), n),
    ):
        assert "/" not in name and not name.startswith(".")
        assert not any(c in name for c in '\\:*?"<>|')
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name)
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES  # encodes: no split character
        assert name.startswith(date.strftime("%Y-%m-%d-")) and name.endswith(".md")


@SETTINGS
@given(title=titles, offset=st.integers(-14 * 60, 14 * 60))
def test_name_date_is_utc_whatever_the_zone(title: str, offset: int) -> None:
    utc = datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)
    local = utc.astimezone(timezone(timedelta(minutes=offset)))
    assert post_filename(make_article(title, date=local)).startswith("2021-01-27-")


MARKDOWN_SAFE = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="*_`~!&|"), max_size=120
)


@SETTINGS
@given(
    title=st.one_of(
        MARKDOWN_SAFE,
        st.lists(
            st.sampled_from(
                ["[", "]", "\\", "<", "&lt;", "](", "a", " ", "x>y", "<b>", "http://x.org", "\\["]
            ),
            max_size=10,
        ).map("".join),
    )
)
def test_markdown_shows_the_title_as_link_text(title: str) -> None:
    """A Markdown renderer (markdown-it, CommonMark) shows the link text as the title."""
    from markdown_it import MarkdownIt

    art = make_article(title)
    link_line = render_post(art).split("\n")[-7]
    tokens = MarkdownIt("commonmark").parseInline(link_line)[0].children or []
    assert tokens and tokens[0].type == "link_open" and tokens[-1].type == "link_close"
    shown = "".join(t.content for t in tokens[1:-1])
    assert shown == normalize_title(title).strip()


FRAGMENTS = [
    "---\n",
    "--- \n",
    "...\n",
    "title: ",
    "date: ",
    "from: ",
    "tags: [ ",
    " ]\n",
    '"',
    "\\",
    ": ",
    "- ",
    "\n",
    "<!--NaN-->\n",
    "<!--123-->\n",
    "[t](u)\n",
    "------\n",
    "<div>\n",
    "</div>\n",
    "2021-01-01",
    "T00:00:00Z",
    "{{",
    "\r\n",
    "\ufeff",
    "&",
    "#",
]


@SETTINGS
@given(
    text=st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHAR, max_size=6)), max_size=40
    ).map("".join)
)
def test_reading_never_raises(text: str) -> None:
    post = parse_post(text, Path("2021-01-01-x.md"))
    assert all(p.message for p in post.problems)
    assert post.broken == any(p.broken for p in post.problems)
