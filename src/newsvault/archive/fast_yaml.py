"""Front matter of the common shape, read without a YAML parser, exactly as PyYAML reads it.

A site build reads the front matter of every post, and PyYAML spends ~40–70 µs on each,
mostly constructing Python objects. Nearly every post has the same seven simple lines
(docs/post-format.md, "Layout"), so :func:`load_simple` reads those directly and returns
``None`` for anything it is not certain about; the caller then asks PyYAML. The contract:
whenever a dict comes back it equals what ``yaml.safe_load`` (libyaml or pure Python)
returns, types included.

Accepted, one per line, with empty lines between them allowed:

* ``key: plain`` - a plain scalar made only of characters that YAML never treats
  specially there; its type (str, int, date, datetime, bool, null…) is decided by
  PyYAML's own resolver and built by PyYAML's own constructor, so it cannot differ;
* ``key: "text"`` - double-quoted, without backslash, inner quote, tab or
  non-printable character (YAML then takes the text literally);
* ``key: [ a, "b" ]`` - a one-line flow sequence of such items, or ``[]``;
* ``key:`` - null.

Everything else (comments, indentation, block sequences, single quotes, escapes, odd
keys, duplicate keys…) gives ``None``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from newsvault.archive.yaml_scalars import ODD, PLAIN_FIRST, STR_TAG, plain_tag

__all__ = ["load_simple"]

# A key that is a plain identifier, then ":" and either nothing or spaces and a value.
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,99}):(?: +(.*))?")
# Plain scalar in block context: no indicator first; after that nothing odd but plain
# spaces (": ", " #" and a trailing ":" are checked apart).
_BLOCK_PLAIN = re.compile(PLAIN_FIRST + "(?:[^" + ODD + "]| )*")
# Plain item of a flow sequence: also none of , [ ] { } : ? # and no quotes at all.
_FLOW_PLAIN = re.compile(PLAIN_FIRST + "(?:[^" + ODD + ",\\[\\]{}:?#'\"]| )*")
# Double-quoted without escapes: YAML printable characters only, no tab, no line break
# (\x85 \u2028 \u2029 are line breaks to YAML), no BOM (libyaml skips it at a line start).
_QUOTED = re.compile('"([^"\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]*)"')
_SEQUENCE = re.compile(r"\[([^\[\]{}]*)\]")

# Tags whose SafeConstructor is a plain function of the text (not "=" or "<<").
_SIMPLE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "null", "bool", "int", "float", "timestamp")
)
_CONSTRUCTOR = SafeConstructor()
_NOT_SIMPLE = object()  # "give up" inside this module (None is a valid value: null)


def load_simple(text: str) -> dict[str, object] | None:
    """``yaml.safe_load(text)`` for simple ``key: value`` lines; None when not that simple."""
    out: dict[str, object] = {}
    for line in text.split("\n"):
        if not line:
            continue
        parsed = _line(line)
        if parsed is None or parsed[0] in out:  # duplicate keys: leave them to PyYAML
            return None
        key, value = parsed
        out[key] = list(value) if isinstance(value, tuple) else value
    return out or None  # no keys at all: PyYAML says None, let it


@lru_cache(maxsize=4096)
def _line(line: str) -> tuple[str, object] | None:
    """``key: value`` → (key, value), a sequence as a tuple (the cache must not share
    lists); None when not simple. Cached: ``layout``, ``author`` and ``tags`` lines repeat
    across posts, and every cached value is immutable."""
    m = _KEY_LINE.fullmatch(line)
    if m is None or not _is_str_key(m.group(1)):
        return None
    value = _value((m.group(2) or "").rstrip(" "))
    return None if value is _NOT_SIMPLE else (m.group(1), value)


@lru_cache(maxsize=256)
def _is_str_key(key: str) -> bool:
    """Keys such as ``yes``, ``on`` or ``null`` are not strings to YAML 1.1."""
    return plain_tag(key) == STR_TAG


def _value(raw: str) -> object:
    """The value of one ``key: raw`` line, or ``_NOT_SIMPLE``."""
    if raw.startswith("["):
        return _sequence(raw)
    if raw.startswith('"'):
        m = _QUOTED.fullmatch(raw)
        return m.group(1) if m else _NOT_SIMPLE
    if raw and (": " in raw or " #" in raw or raw.endswith(":") or not _BLOCK_PLAIN.fullmatch(raw)):
        return _NOT_SIMPLE
    return _plain(raw)


def _sequence(raw: str) -> object:
    """``[ a, "b" ]`` on one line → a tuple; ``_NOT_SIMPLE`` if anything is unusual."""
    m = _SEQUENCE.fullmatch(raw)
    if m is None:
        return _NOT_SIMPLE
    inner = m.group(1).strip(" ")
    if not inner:
        return ()
    items: list[object] = []
    for piece in inner.split(","):
        item = piece.strip(" ")
        if item.startswith('"'):
            q = _QUOTED.fullmatch(item)
            value: object = q.group(1) if q else _NOT_SIMPLE
        elif item and _FLOW_PLAIN.fullmatch(item):
            value = _plain(item)
        else:  # empty item ("[ a, ]", "[ , ]") or odd characters
            value = _NOT_SIMPLE
        if value is _NOT_SIMPLE:
            return _NOT_SIMPLE
        items.append(value)
    return tuple(items)


def _plain(text: str) -> object:
    """A plain scalar typed and built by PyYAML itself (str, int, date, datetime…).

    A value PyYAML would fail on (``2021-02-30``, ``=``) is not simple.
    """
    tag = plain_tag(text)
    if tag not in _SIMPLE_TAGS:
        return _NOT_SIMPLE
    try:
        value = SafeConstructor.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, text))
    except (ValueError, ArithmeticError, yaml.YAMLError):
        return _NOT_SIMPLE
    if isinstance(value, float) and math.isnan(value):  # never equal to itself
        return _NOT_SIMPLE
    return value
