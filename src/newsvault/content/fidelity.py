"""Keep content that needs no change byte for byte.

The sanitizer always re-serializes (double quotes, normalized entities), which would
rewrite every post even when nothing was unsafe or relative. So after cleaning, the
original one-line input is kept instead of the cleaned output when both *parse to the
same tree* — then the browser builds the same page from either, and the cleaned one
is safe.

How "the same tree" is decided:

* Both strings are parsed by lexbor (selectolax), a spec-conformant HTML5 parser, in
  the context a post body has on the built page: inside a ``<div>`` in ``<body>``, with
  a sentinel paragraph after it. Attributes that land on ``<html>``/``<body>``, stray end
  tags that close the wrapper, and formatting elements or ``<textarea>`` left open
  (which would leak into the rest of the page) all show up as a different tree.
* The trees are compared through lexbor's serialization of the whole document, which
  writes every element, attribute (name, value, order), text and comment node.

When the trees differ only because URL attributes were rewritten (a relative link made
absolute, an image proxied or stored locally), the original is *patched* instead: just
those attribute values are replaced in the original string, and the patched string is
kept if it passes the same test against the cleaned output. So a feed item whose only
change is its image URL keeps every other byte (the seed post's ``class='media'``
quoting, for one).

A cheap lexical guard runs first and sends anything that *looks* active (a tag name
outside the allowlist, ``on…=``, ``srcdoc``, ``…script:``, CSS ``expression(``) to the
cleaned output without asking the parser: a difference between lexbor and some browser
on such input can then never keep the raw bytes. It only costs fidelity, never safety.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Callable, Sequence

from selectolax.lexbor import LexborHTMLParser

from newsvault.content.policy import ALLOWED_TAGS

_PREFIX = "<!DOCTYPE html><html><head></head><body><div>"
_SUFFIX = "</div><p>newsvault-sentinel</p></body></html>"

_TAG_NAME = re.compile(r"</?([a-zA-Z][^\s/>]*)")  # how the HTML tokenizer opens a tag
_LOOKS_ACTIVE = re.compile(
    r"""[\s"'/]on[a-z0-9_-]*\s*=|srcdoc|script\s*:|expression\s*\(|-moz-binding|behaviou?r\s*:|<!|<\?""",
    re.IGNORECASE,
)


def looks_inert(html: str) -> bool:
    """False when a raw string has anything that resembles active markup (see above)."""
    if _LOOKS_ACTIVE.search(html):
        return False
    return all(m.group(1).lower() in ALLOWED_TAGS for m in _TAG_NAME.finditer(html))


def page_tree(fragment: str) -> str:
    """A canonical form of the document the fragment yields as a post body."""
    return LexborHTMLParser(_PREFIX + fragment + _SUFFIX).html or ""


def same_tree(original: str, cleaned: str) -> bool:
    """True when ``original`` may be published instead of ``cleaned``."""
    if original == cleaned:
        return True
    return looks_inert(original) and page_tree(original) == page_tree(cleaned)


# A start tag and its attributes, as the tokenizer reads well-formed ones. Odd spellings
# (a quote inside an attribute name) may be read differently here; the patched result is
# then a different tree and is not used.
_START_TAG = re.compile(r"""<([a-zA-Z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_VALUED_ATTR = re.compile(r"""([^\s"'>/=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
Rewrite = Callable[[str, str, str], "str | None"]


def _quoted(value: str, quote: str) -> str:
    escaped = value.replace("&", "&amp;")
    if quote == "'":
        return "'" + escaped.replace("'", "&#39;") + "'"
    return '"' + escaped.replace('"', "&quot;") + '"'


def patch_attributes(original: str, rewriters: Sequence[Rewrite], names: frozenset[str]) -> str:
    """``original`` with the values of attributes in ``names`` replaced by what
    ``rewriters`` make of them; everything else byte for byte."""
    pieces: list[str] = []
    pos = 0
    for tag in _START_TAG.finditer(original):
        name = tag.group(1).lower()
        offset = tag.start(2)
        for attr in _VALUED_ATTR.finditer(tag.group(2)):
            attr_name = attr.group(1).lower()
            if attr_name not in names:
                continue
            group = next(i for i in (2, 3, 4) if attr.group(i) is not None)
            value: str | None = htmlmod.unescape(attr.group(group))
            new = value
            for rewrite in rewriters:
                new = rewrite(name, attr_name, new) if new is not None else None
            if new is None or new == value:
                continue
            quote = {2: '"', 3: "'", 4: '"'}[group]
            start = offset + attr.start(group) - (group != 4)
            end = offset + attr.end(group) + (group != 4)
            pieces.append(original[pos:start])
            pieces.append(_quoted(new, quote))
            pos = end
    pieces.append(original[pos:])
    return "".join(pieces)


def keep_faithful(original: str, cleaned: str, rewriters: Sequence[Rewrite], names: frozenset[str]) -> str:
    """What to publish: ``original`` when nothing needs to change, else ``original`` with
    only its rewritten URL values patched when that gives the same page, else ``cleaned``."""
    if original == cleaned or not looks_inert(original):
        return cleaned
    cleaned_tree = page_tree(cleaned)
    if page_tree(original) == cleaned_tree:
        return original
    if rewriters:
        patched = patch_attributes(original, rewriters, names)
        if patched != original and looks_inert(patched) and page_tree(patched) == cleaned_tree:
            return patched
    return cleaned


__all__ = ["keep_faithful", "looks_inert", "page_tree", "patch_attributes", "same_tree"]
