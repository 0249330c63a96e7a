"""The plain-or-quoted rule and the double-quoted escaping."""

from __future__ import annotations

import pytest
import yaml

from newsvault.archive.yaml_scalars import double_quoted, flow_item, scalar

PLAIN = [
    "(臺)中央社CNA",
    "iYouPort",
    "Example News",
    "https://x.org/a?b=c&d=e#f",
    "https://medium.com/x?source=rss-1------2",
    "Timothy Grose",
    "a-b",
    "36Kr",
]
QUOTED = [
    "",
    " lead",
    "trail ",
    "- dash",
    "a: b",
    "a #b",
    "#x",
    "yes",
    "No",
    "null",
    "~",
    "123",
    "1.5",
    "1,000",
    "1_000",
    ":sym",
    "2021-01-01",
    "[x]",
    "{x}",
    "'q'",
    '"q"',
    "a\nb",
    "tab\there",
    "x:",
    "*ref",
    "&anc",
    "!tag",
    "|",
    ">",
    "%d",
    "@x",
    "`x`",
    "a\u00a0",
    "\u00a0a",
    "<<",
    "=",
    "a  b",
]


@pytest.mark.parametrize("value", PLAIN)
def test_plain_when_safe(value: str) -> None:
    assert scalar(value) == value
    assert yaml.safe_load(f"k: {scalar(value)}") == {"k": value}


@pytest.mark.parametrize("value", QUOTED)
def test_quoted_when_needed(value: str) -> None:
    out = scalar(value)
    assert yaml.safe_load(f"k: {out}") == {"k": value}
    if value.strip() != value or value in ("yes", "123", ":sym", "1,000", "- dash"):
        assert out.startswith('"')


@pytest.mark.parametrize("value", PLAIN + QUOTED + ["a,b", "a]", "x:y", "a{b}"])
def test_flow_items_round_trip(value: str) -> None:
    text = f"k: [ {flow_item(value)}, {flow_item('z')} ]"
    assert yaml.safe_load(text) == {"k": [value, "z"]}


def test_double_quoted_escapes_everything_odd() -> None:
    value = '\\ " \x00\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x85\u2028\u2029\ufeff \u00a0 😀 \U0010fffd'
    out = double_quoted(value)
    assert "\n" not in out and "\x00" not in out
    assert yaml.safe_load(f"k: {out}") == {"k": value}
    assert yaml.load(f"k: {out}", Loader=yaml.CSafeLoader) == {"k": value}
    assert double_quoted('a "b" \\c') == '"a \\"b\\" \\\\c"'
