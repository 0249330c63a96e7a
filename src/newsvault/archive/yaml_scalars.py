"""YAML scalars for post front matter (docs/post-format.md, "Layout").

The rule: a value is written plain when a YAML 1.1 loader (PyYAML ``safe_load``) reads
the plain text back as the very same string, else double-quoted. Ordinary names and
URLs then come out exactly as the reference system wrote them, and everything else
still round-trips. Two extra cases are quoted although PyYAML would read them back,
because Jekyll's loader (Ruby Psych) would not: values that Psych turns into numbers
(``1,000``, ``1_0``) or symbols (``:name``); and values with Unicode whitespace (NBSP…)
at either end, which many tools trim. Quoting is always valid, so the extra
caution costs nothing but a byte-identity that only matters for ordinary inputs.

Checking is fast for the common case (a character-class regex plus PyYAML's own implicit
resolvers); anything unusual is decided by actually loading it, and cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

import yaml
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

try:  # libyaml is ~10x faster; the pure loader gives the same results.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

__all__ = [
    "plain_ok",
    "flow_plain_ok",
    "double_quoted",
    "scalar",
    "flow_item",
    "load_yaml",
    "plain_tag",
    "STR_TAG",
    "ODD",
    "PLAIN_FIRST",
]

# Safe beyond doubt in block context: no indicator first, no control/odd whitespace,
# none of ": ", " #", no trailing ":". (ODD and PLAIN_FIRST are regex fragments the fast
# front-matter reader builds on too.)
ODD = (
    r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff\ufffe\uffff"
    r"\ud800-\udfff"
)
PLAIN_FIRST = r"[^\-?:,\[\]{}#&*!|>'\"%@`" + ODD + "]"
_FAST_BLOCK = re.compile(PLAIN_FIRST + "[^" + ODD + "]*")
# Same, for an item of a flow sequence: additionally none of , [ ] { } : ? (pure
# PyYAML ends a flow plain scalar at ':' and '?').
_FAST_FLOW = re.compile(PLAIN_FIRST + "[^" + ODD + ",\\[\\]{}:?]*")
_FAST_WITH_SPACES = re.compile(r"[^ ]+(?: [^ ]+)*")  # single inner spaces only
# What Ruby Psych (Jekyll) reads as a number, time or symbol although PyYAML may not.
_PSYCH_NOT_STR = re.compile(
    r"[-+]?[0-9][0-9_,.:]*(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9_,]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|:.*|[-+]?0[box][0-9a-fA-F_]+"
    r"|(?i:yes|no|true|false|on|off|null|~)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*"
)
STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = Resolver()

# YAML's printable set (what PyYAML's reader accepts unescaped); the rest is escaped.
_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]')
_SHORT_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\x00": "\\0",
    "\x07": "\\a",
    "\x08": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\x0b": "\\v",
    "\x0c": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}


def load_yaml(text: str) -> object:
    """``yaml.safe_load`` with libyaml when available (same results, much faster)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


def plain_tag(text: str) -> str:
    """The tag YAML 1.1 implicit typing gives ``text`` as a plain scalar (PyYAML's own
    rules): :data:`STR_TAG` when it stays a string."""
    tag: str = _RESOLVER.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


def _psych_safe(value: str) -> bool:
    """Also a string for Jekyll's loader, and no edge whitespace of any kind (NBSP…)."""
    return _PSYCH_NOT_STR.fullmatch(value) is None and value.strip() == value


@lru_cache(maxsize=4096)
def _load_check(value: str, flow: bool) -> bool:
    """Decide the unusual cases by loading the plain text for real (with a next line)."""
    text = f"k: [ {value} ]\nz: 1\n" if flow else f"k: {value}\nz: 1\n"
    expected = {"k": [value] if flow else value, "z": 1}
    for loader in {_Loader, yaml.SafeLoader}:  # libyaml and pure PyYAML must both agree
        try:
            data = yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders
        except yaml.YAMLError:
            return False
        if data != expected:
            return False
    return True


def _probe(value: str) -> str:
    """Single inner spaces are harmless in a plain scalar: hide them from the fast regex."""
    if " " in value and _FAST_WITH_SPACES.fullmatch(value):
        return value.replace(" ", "x")
    return value


def plain_ok(value: str) -> bool:
    """May ``value`` be written as a plain scalar (block context, e.g. ``author:``)?"""
    if not value or not _psych_safe(value):
        return False
    if (
        _FAST_BLOCK.fullmatch(_probe(value))
        and value[-1] != ":"
        and ": " not in value
        and " #" not in value
        and plain_tag(value) == STR_TAG
    ):
        return True
    return _load_check(value, False)


def flow_plain_ok(value: str) -> bool:
    """May ``value`` be written plain as an item of ``[ a, b ]``?"""
    if not value or not _psych_safe(value) or any(c in value for c in ",[]{}"):
        return False
    if _FAST_FLOW.fullmatch(_probe(value)) and " #" not in value and plain_tag(value) == STR_TAG:
        return True
    return _load_check(value, True)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


def double_quoted(value: str) -> str:
    """``value`` as a YAML double-quoted scalar that every YAML loader reads back exactly."""
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"'


def scalar(value: str) -> str:
    """Plain when safe, else double-quoted (AUTHOR and LINK of docs/post-format.md)."""
    return value if plain_ok(value) else double_quoted(value)


def flow_item(value: str) -> str:
    """An item of a flow sequence (SITE and extra tags): plain when safe in flow context."""
    return value if flow_plain_ok(value) else double_quoted(value)
