"""The reference's one-line rule for post bodies.

The reference system (``perform.js``) wrote ``content.split('\\n').map(s => s.trim()).join('')``:
every line trimmed with JavaScript's ``String.prototype.trim`` and the lines joined with
nothing. Keeping the body on one line stops Markdown (kramdown, markdown-it) from touching
the HTML: a blank line would end the HTML block, an indented line would become code.

Two deliberate differences. A line break between a tag's attributes becomes one space
(the reference glued ``<a\nhref>`` into ``<ahref>``, losing the link). And inside ``<pre>``, ``<textarea>`` (and the obsolete
``<listing>``/``<xmp>``) whitespace is content, so those lines are not trimmed and their
newlines are written as ``&#10;`` — the parser turns that back into a line break, and the
post still stays on one line.
"""

from __future__ import annotations

import re

from newsvault.content.lexer import QUOTED_OR_SPACE, TAG

# JavaScript's String.prototype.trim removes WhiteSpace and LineTerminator code points
# (ECMA-262 §12.2, §12.3): these are not the same as Python's str.isspace (which also
# strips U+001C..U+001F and U+0085 but keeps U+FEFF), so trim exactly this set.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)

# Where newlines are content. A start tag's name ends at whitespace, "/" or ">".
_PRE_TAG = re.compile(r"<(/?)(pre|textarea|listing|xmp)(?=[\s/>])", re.IGNORECASE)


def js_trim(line: str) -> str:
    """Trim ``line`` exactly as JavaScript's ``trim()`` does."""
    return line.strip(JS_WHITESPACE)


_LINE_BREAK = re.compile(r"\r\n?|\n")
_MAYBE_BROKEN_TAG = re.compile(r"<[a-zA-Z][^<>\n\r]*[\n\r]")  # a line break before a tag's ">"


def _space_inside_tags(text: str) -> str:
    """A line break *between attributes* becomes one space.

    The reference joined ``<a\nhref="…">`` into ``<ahref="…">``, an element named
    "ahref" and a lost link (real feeds do this: pretty-printed tags). Line breaks in
    text and inside quoted attribute values still follow the reference rule.
    """

    def tag(match: re.Match[str]) -> str:
        whole = match.group(0)
        if "\n" not in whole and "\r" not in whole:
            return whole
        whole = whole.replace("\r\n", "\n").replace("\r", "\n")
        return QUOTED_OR_SPACE.sub(lambda m: m.group(1) or " ", whole)

    return TAG.sub(tag, text) if _MAYBE_BROKEN_TAG.search(text) else text


def _reference_rule(text: str) -> str:
    # The reference split on "\n" only; a bare "\r" is split on too, because Jekyll's
    # Markdown reads it as a line break (XML feeds never deliver one: XML parsers
    # normalize it, so ordinary inputs give the reference's bytes).
    return "".join(js_trim(line) for line in _LINE_BREAK.split(_space_inside_tags(text)))


def _preserve_newlines(text: str) -> str:
    """Inside pre-like elements: keep every character, newlines as ``&#10;``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "&#10;")


def _segments(html: str) -> list[tuple[str, bool]]:
    """Split ``html`` into (text, inside_pre_like) runs, tracking nesting depth.

    Tags are found lexically (the same way the HTML tokenizer starts a tag: ``<`` then
    the name); a ``<pre>`` inside a comment is counted too, which only means some
    whitespace there is kept rather than trimmed — never a safety question, because
    sanitizing runs afterwards.
    """
    out: list[tuple[str, bool]] = []
    depth = 0
    pos = 0
    for match in _PRE_TAG.finditer(html):
        closing = bool(match.group(1))
        if not closing:
            if depth == 0:
                # the start tag itself (up to its ">") still follows the reference rule
                end = html.find(">", match.end())
                end = len(html) if end < 0 else end + 1
                out.append((html[pos:end], False))
                pos = end
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                out.append((html[pos : match.start()], True))
                pos = match.start()
    out.append((html[pos:], depth > 0))
    return out


def to_one_line(html: str) -> str:
    """Apply the one-line rule: the reference rule outside pre-like elements,
    newlines kept as ``&#10;`` inside them.

    Text with no pre-like element gives exactly the reference's result.
    """
    if not _PRE_TAG.search(html):
        if "\n" not in html and "\r" not in html:  # already one line: only trim the ends
            return js_trim(html)
        return _reference_rule(html)
    parts = []
    for text, preserve in _segments(html):
        parts.append(_preserve_newlines(text) if preserve else _reference_rule(text))
    return "".join(parts)


__all__ = ["JS_WHITESPACE", "js_trim", "to_one_line"]
