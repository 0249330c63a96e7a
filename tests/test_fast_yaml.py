"""The parser-free front matter reader: whenever it answers, it answers exactly as PyYAML.

"Exactly" means equal *and* of the same types (str vs date vs datetime with the same
offset, list vs str), for both the libyaml loader and the pure-Python one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import make_article
from newsvault.archive import frontmatter
from newsvault.archive.fast_yaml import load_simple
from newsvault.archive.frontmatter import read_front_matter, split_front_matter
from newsvault.archive.posts import render_post
from paths import FIXTURES
from test_properties import dates, hostile_text, links, titles

LOADERS = (yaml.CSafeLoader, yaml.SafeLoader)
REAL_POSTS = sorted((FIXTURES / "posts").glob("**/*.md"))


def typed(value: object) -> object:
    """``value`` with every type made visible, so that ``==`` also compares types."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, (date, datetime)):  # isoformat shows the offset (or its absence)
        return (type(value).__name__, value.isoformat())
    return (type(value).__name__, value)


def pyyaml(text: str, loader: type) -> tuple[str, object]:
    """("ok", typed result) or ("error", exception type): what PyYAML makes of ``text``."""
    try:
        return "ok", typed(yaml.load(text, Loader=loader))  # noqa: S506 - safe loaders
    except Exception as exc:  # noqa: BLE001 - ValueError for 2021-02-30 is PyYAML's too
        return "error", type(exc).__name__


def assert_same_as_pyyaml(text: str) -> dict | None:
    """The contract: None, or exactly what both PyYAML loaders return."""
    fast = load_simple(text)
    if fast is not None:
        for loader in LOADERS:
            assert pyyaml(text, loader) == ("ok", typed(fast)), (loader.__name__, text)
    return fast


def real_front_matters() -> list[tuple[Path, str]]:
    out = []
    for path in REAL_POSTS:
        text = path.read_text("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
        split = split_front_matter(text)
        if split is not None:
            out.append((path, split[0]))
    return out


def test_real_posts_read_as_pyyaml_reads_them() -> None:
    posts = real_front_matters()
    assert len(posts) == len(REAL_POSTS)  # every real-sample post and the seed post
    fast = sum(assert_same_as_pyyaml(text) is not None for _, text in posts)
    refused = [p.name for p, text in posts if load_simple(text) is None]
    # Measured: every one takes the fast path (so did all 600 of the full sample);
    # demand the large majority.
    assert fast >= 0.9 * len(posts), (fast, len(posts), refused[:10])


def test_read_front_matter_is_the_same_with_and_without_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posts = real_front_matters()
    fast = []
    for _, text in posts:
        problems: list = []
        fast.append((read_front_matter(text, problems), problems))
    monkeypatch.setattr(frontmatter, "load_simple", lambda text: None)
    for (path, text), (fm, problems) in zip(posts, fast, strict=True):
        slow_problems: list = []
        slow = read_front_matter(text, slow_problems)
        assert fm == slow and typed(fm.values) == typed(slow.values), path.name
        assert problems == slow_problems, path.name


SIMPLE = [
    (
        'layout: post\ntitle: "翻墙七种武器之离别钩:VPN Gate (上)"\ndate: 2014-04-18T09:31:24+02:00\n'
        "author: Vergil\nfrom: https://pao-pao.net/article/75\ntags: [ 泡泡 ]\ncategories: [ 泡泡 ]\n",
        {
            "layout": "post",
            "title": "翻墙七种武器之离别钩:VPN Gate (上)",
            "date": datetime(2014, 4, 18, 9, 31, 24, tzinfo=timezone(timedelta(hours=2))),
            "author": "Vergil",
            "from": "https://pao-pao.net/article/75",
            "tags": ["泡泡"],
            "categories": ["泡泡"],
        },
    ),
    ("date: 2021-01-27\n", {"date": date(2021, 1, 27)}),
    (
        "date: 2021-01-27T23:57:20.000Z\n",
        {"date": datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)},
    ),
    ("date: 2021-01-27 23:57:20\n", {"date": datetime(2021, 1, 27, 23, 57, 20)}),
    (
        "comments: True\nn: 1_000\nh: 0x1F\nf: .5\nz: ~\nnull_key: null\nempty:\n",
        {
            "comments": True,
            "n": 1000,
            "h": 31,
            "f": 0.5,
            "z": None,
            "null_key": None,
            "empty": None,
        },
    ),
    (
        'tags: []\ncategories: [ ]\nx: [ news, "a: b", 1, 2021-01-01 ]\n',
        {"tags": [], "categories": [], "x": ["news", "a: b", 1, date(2021, 1, 1)]},
    ),
    (
        "from: https://medium.com/x?source=rss-1------2\nt: a#b\ns: a  b   \n\n",
        {"from": "https://medium.com/x?source=rss-1------2", "t": "a#b", "s": "a  b"},
    ),
    ('title: ""\nq: "  \u3000 spaced\u00a0"\n', {"title": "", "q": "  \u3000 spaced\u00a0"}),
]


@pytest.mark.parametrize(("text", "expected"), SIMPLE)
def test_simple_shapes_are_read(text: str, expected: dict) -> None:
    assert typed(assert_same_as_pyyaml(text)) == typed(expected)


NOT_SIMPLE = [
    "",
    "\n\n",
    "# comment\na: b\n",
    "a: b # c\n",
    "a: b\n  c\n",
    "a:\n- x\n",
    "a: |\n  x\n",
    "a: 'q'\n",
    'a: "x\\"y"\n',
    'a: "x\\\\y"\n',
    'a: "x"y\n',
    'a: "x\ty"\n',
    "a: x\ty\n",
    "yes: 1\n",
    "on: 1\n",
    "null: 1\n",
    "True: 1\n",
    "a: 1\na: 2\n",
    "a: b: c\n",
    "a: b:\n",
    "a: - b\n",
    "a: *x\n",
    "a: &x b\n",
    "a: !x b\n",
    "a: =\n",
    "a: <<\n",
    "a: .nan\n",
    "a: 2021-02-30\n",
    "a: [ x, ]\n",
    "a: [ , ]\n",
    "a: [ [x] ]\n",
    "a: [ x\n",
    "a: {x: 1}\n",
    "a: [ a:b ]\n",
    "a: [ a?b ]\n",
    'a: [ "a, b" ]\n',
    "a:b\n",
    "a : b\n",
    " a: b\n",
    "a: \u00a0b\n",
    "a: b\u00a0\n",
    "a: b\u3000\n",
    "a: b\u2028c\n",
    "a: \ufeffb\n",
    'a: "\ufeff"\n',
    'a: "\x85"\n',
    "a: b\r\n",
    "---\na: b\n",
    "%YAML 1.1\n",
    'a: "x" # c\n',
    "a: [ x ] y\n",
    "a: x\x7fy\n",
    "a:\tb\n",
]


@pytest.mark.parametrize("text", NOT_SIMPLE)
def test_unusual_shapes_are_left_to_pyyaml(text: str) -> None:
    assert load_simple(text) is None


def test_cached_lines_never_share_a_list() -> None:
    first = load_simple("tags: [ a ]\n")
    assert first is not None
    first["tags"].append("changed")  # type: ignore[union-attr]
    assert load_simple("tags: [ a ]\n") == {"tags": ["a"]}


SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    title=titles,
    author=hostile_text,
    site=hostile_text,
    link=links,
    when=dates,
    extra=st.lists(hostile_text, max_size=3),
)
@example(
    title="a",
    author="- x",
    site="a, b",
    link="https://example.com/#x",
    when=datetime(2021, 1, 1, tzinfo=timezone.utc),
    extra=["yes", "2021-01-01"],
)
def test_rendered_posts_read_as_pyyaml_reads_them(
    title: str, author: str, site: str, link: str, when: datetime, extra: list[str]
) -> None:
    art = replace(
        make_article(title, author=author, site=site, link=link, date=when),
        tags=(site, *extra),
        categories=(site,),
    )
    text = split_front_matter(render_post(art))
    assert text is not None
    assert_same_as_pyyaml(text[0])


# Every character YAML might care about, odd whitespace and line breaks included.
HOSTILE_CHARS = st.sampled_from(
    list(
        ":#\"'[]{},\\ \t\u00a0\u3000\u2028\u2029\u0085\ufeff\x00\x7f\r0123456789-+._abcexXYZ"
        "泡中~!&*|>%@`?=<TtZz"
    )
)
PIECES = st.sampled_from(
    [
        ": ",
        " #",
        "yes",
        "No",
        "null",
        "~",
        "2021-01-27",
        "2014-04-18T09:31:24+02:00",
        "2021-01-27 23:57:20",
        "1_000",
        "0x1F",
        ".5",
        ".inf",
        ".nan",
        "1:30",
        "0b",
        "---",
        "...",
        "<<",
        "=",
        "http://x",
    ]
)
HOSTILE = st.lists(st.one_of(HOSTILE_CHARS, PIECES), max_size=8).map("".join)
VALUES = st.one_of(
    HOSTILE,
    HOSTILE.map(lambda s: f'"{s}"'),
    st.lists(st.one_of(HOSTILE, HOSTILE.map(lambda s: f'"{s}"')), max_size=4).map(
        lambda items: "[ " + ", ".join(items) + " ]"
    ),
    st.lists(HOSTILE, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
)
KEYS = st.one_of(
    st.sampled_from(
        [
            "title",
            "date",
            "tags",
            "a",
            "_",
            "a-b",
            "yes",
            "on",
            "Null",
            "True",
            "y",
            "1",
            "~",
            "<<",
            "=",
            "- a",
            "a b",
            "? a",
            "#a",
            "",
            "日",
        ]
    ),
    st.text(st.sampled_from("abzAZ_-09"), min_size=1, max_size=6),
)
SEPARATORS = st.sampled_from([": ", ":", ":   ", " : ", ":\t", ": \t"])
LINES = st.one_of(
    st.tuples(KEYS, SEPARATORS, VALUES, st.sampled_from(["", " ", "  ", "\t", " # c"])).map(
        "".join
    ),
    st.sampled_from(["", " ", "# c", "- x", "  k: v", "---", "...", "\t"]),
)
DOCUMENTS = st.tuples(st.lists(LINES, min_size=1, max_size=6), st.sampled_from(["", "\n"])).map(
    lambda t: "\n".join(t[0]) + t[1]
)


# The same values after ordinary keys, so that the fast path answers often enough to be
# put to the test (over a quarter of these documents; a few percent of DOCUMENTS).
PLAIN_KEYS = st.text(st.sampled_from("abtz_-"), min_size=1, max_size=4).filter(
    lambda k: k[0] != "-"
)
USUAL_DOCUMENTS = st.lists(
    st.one_of(st.tuples(PLAIN_KEYS, VALUES).map(": ".join), st.just("")), min_size=1, max_size=4
).map("\n".join)


@settings(SETTINGS, max_examples=1500)
@given(text=st.one_of(DOCUMENTS, USUAL_DOCUMENTS))
@example(text='a: 2014-04-18T09:31:24+02:00\nb: [ 1, x, "y" ]\n')
def test_any_key_value_lines_read_as_pyyaml_reads_them(text: str) -> None:
    assert_same_as_pyyaml(text)
