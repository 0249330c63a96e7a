"""Edit an original body in place, touching only what the sanitizer would change.

The sanitizer re-serializes the whole body. When a body needs a few changes (a relative
link, a proxied image, an ``onclick``, a Blogger ``trbidi`` attribute, a comment), this
produces the same edits on the original string instead, leaving every other byte alone:

* comments and ``<script>``/``<style>`` elements are cut out;
* tags of elements the sanitizer unwraps (``form``, ``label``, unknown elements) and
  void elements it drops (``meta``, ``link``, ``input``…) are cut out, their content kept;
* in allowed start tags each attribute goes through the sanitizer's own attribute policy
  (``filter_attribute``: allowlist, URL and style checks, absolutize, image mode): dropped
  attributes are cut out, changed values are rewritten, the rest stays as written.

This is a lexical pass and makes no safety decision: ``fidelity.keep_faithful`` uses its
result only when it passes the lexical guard and parses to the same page as the
sanitizer's output. Anything it reads differently from a browser just fails that test.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Sequence

from newsvault.content.lexer import ATTR as _ATTR
from newsvault.content.lexer import ATTRS as _ATTRS
from newsvault.content.lexer import TAG as _TAG
from newsvault.content.policy import ALLOWED_TAGS
from newsvault.content.sanitize import AttributeRewriter, filter_attribute

_COMMENT = re.compile(r"<!--(?:-?>|.*?--!?>|.*\Z)|<![^>]*>?|<\?[^>]*>?", re.S)
_CODE = re.compile(r"<(script|style)\b" + _ATTRS + r">.*?(?:</\1\s*>|\Z)", re.I | re.S)
_DROPPED_VOID = (
    frozenset(
        {
            "base",
            "basefont",
            "bgsound",
            "embed",
            "frame",
            "input",
            "keygen",
            "link",
            "meta",
            "param",
            "source",
            "track",
        }
    )
    - ALLOWED_TAGS
)
_KEPT_CONTENT = frozenset({"svg", "math", "iframe", "object", "template", "noembed", "noframes", "title", "xmp",
                           "select", "datalist", "applet", "plaintext", "head", "dialog", "option", "frameset",
                           "slot", "portal"})  # fmt: skip
_CHAR_REF = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[a-zA-Z][a-zA-Z0-9]*;?)")


def attribute_value(raw: str) -> str:
    """Decode character references the way the HTML tokenizer does *in attribute values*:
    a legacy named reference without ";" followed by "=" or an alphanumeric stays literal
    (``?a=1&copy=2`` keeps ``&copy``), unlike ``html.unescape``."""

    def repl(match: re.Match[str]) -> str:
        ref = match.group(0)
        if ref.startswith("&#") or ref.endswith(";"):
            return html.unescape(ref)
        name = ref[1:]
        following = raw[match.end() : match.end() + 1]
        if name in html.entities.html5 and following != "=":
            return html.entities.html5[name]
        return ref

    return _CHAR_REF.sub(repl, raw) if "&" in raw else raw


def _quoted(value: str, quote: str) -> str:
    escaped = value.replace("&", "&amp;").replace("\n", "&#10;")
    if quote == "'":
        return "'" + escaped.replace("'", "&#39;") + "'"
    return '"' + escaped.replace('"', "&quot;") + '"'


def _edit_attributes(tag: str, attrs: str, rewriters: Sequence[AttributeRewriter]) -> str:
    out: list[str] = []
    pos = 0
    seen: set[str] = set()
    for attr in _ATTR.finditer(attrs):
        name = attr.group(2).lower()
        group = next((i for i in (3, 4, 5) if attr.group(i) is not None), None)
        value = attribute_value(attr.group(group)) if group else ""
        new = None if name in seen else filter_attribute(tag, name, value, rewriters)
        seen.add(name)
        if new == value:
            continue
        out.append(attrs[pos : attr.start()])
        if new is not None:
            assert group is not None  # a valueless attribute is never rewritten to a value
            out.append(
                attrs[attr.start() : attr.start(group) - (group != 5)]
                + _quoted(new, "'" if group == 4 else '"')
            )
        pos = attr.end()
    out.append(attrs[pos:])
    return "".join(out)


def _edit_tag(match: re.Match[str], rewriters: Sequence[AttributeRewriter]) -> str:
    closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
    if name in ALLOWED_TAGS:
        if closing or not attrs.strip(" \t\n\f\r/"):
            return match.group(0)
        whole, start = match.group(0), match.start()
        edited = _edit_attributes(name, attrs, rewriters)
        return whole[: match.start(3) - start] + edited + whole[match.end(3) - start :]
    if name in _KEPT_CONTENT:
        return match.group(0)  # removed with its content by the sanitizer: cannot be edited here
    return ""  # unwrapped (form, label, unknown) or a dropped void element


def minimal_edit(html_text: str, rewriters: Sequence[AttributeRewriter] = ()) -> str:
    """``html_text`` with only the sanitizer's changes applied (see the module docstring)."""
    text = _COMMENT.sub("", html_text) if "<!" in html_text or "<?" in html_text else html_text
    text = _CODE.sub("", text)
    return _TAG.sub(lambda m: _edit_tag(m, rewriters), text)


__all__ = ["attribute_value", "minimal_edit"]
