"""Make feed HTML safe to publish, with nh3 (the Rust ``ammonia`` sanitizer).

nh3 parses with html5ever (a browser-grade HTML5 parser), keeps only allowlisted
elements and attributes (``policy.py``), drops comments, and re-serializes. On top of it
this module checks what nh3 leaves to its user:

* ``srcset``, ``poster``, ``cite``, ``longdesc`` URLs (nh3 only checks ``href``/``src``):
  every URL must have a safe scheme, ``data:`` only for images in image places;
* ``style``: kept as written unless, after CSS escapes and comments are resolved, it
  holds active content (``expression()``, ``javascript:``/``vbscript:``, ``behavior``,
  ``-moz-binding``, ``@import``, or a ``url()`` with a non-http(s), non-image scheme),
  or a ``position: fixed`` overlay (it would cover the mirror's own page), in which case
  the whole attribute is dropped.

Attribute rewriters (absolutize, image mode) run *after* these checks inside the same
nh3 pass, in the order the caller gives (see ``clean.py``).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Sequence

import nh3

from newsvault.content import policy
from newsvault.urls import parse_srcset, url_scheme

# (tag, attribute, value) -> new value, or None to drop the attribute
AttributeRewriter = Callable[[str, str, str], "str | None"]

_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(.))", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
_CSS_JUNK = re.compile(r"[\s\x00-\x1f\x7f]+")
_CSS_URL = re.compile(r"url\(([^)]*)\)?")
_CSS_ACTIVE = (
    "expression(",
    "javascript:",
    "vbscript:",
    "livescript:",
    "behavior:",
    "behaviour:",
    "-moz-binding",
    "@import",
    "</",
    "<!",
    "position:fixed",
)  # fmt: skip  (a fixed overlay hijacks the whole mirror page)
_DATA_TYPE = re.compile(r"data:([^,;]*)", re.I)


def _css_unescape(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return match.group(2)

    return _CSS_ESCAPE.sub(repl, text)


def style_is_safe(value: str) -> bool:
    """True when an inline style has no active content (see the module docstring)."""
    compact = _CSS_JUNK.sub("", _CSS_COMMENT.sub("", _css_unescape(value))).lower()
    if any(bad in compact for bad in _CSS_ACTIVE):
        return False
    for match in _CSS_URL.finditer(compact):
        target = match.group(1).strip("'\"")
        scheme = url_scheme(target)
        if scheme is None or scheme in ("http", "https"):
            continue
        if not (scheme == "data" and _is_image_data(target)):
            return False
    return True


def _is_image_data(url: str) -> bool:
    match = _DATA_TYPE.match(url.strip())
    if match is None:
        return False
    kind = match.group(1).strip().lower()
    return kind.startswith("image/") and kind[6:] in policy.IMAGE_DATA_TYPES


def url_is_safe(tag: str, attr: str, url: str) -> bool:
    """A URL attribute value is safe when it is relative or has an allowed scheme;
    ``data:`` only for images in image places (an ``<img>``'s ``data:`` cannot run script)."""
    scheme = url_scheme(url)
    if scheme is None:
        return True
    if scheme == "data":
        return (tag, attr) in policy.IMAGE_DATA_PLACES and _is_image_data(url)
    return scheme in policy.LINK_SCHEMES


def check_attribute(tag: str, attr: str, value: str) -> str | None:
    """The safety stage for one attribute nh3 has allowed: the value, or None to drop it."""
    if attr.startswith("on") or attr == "srcdoc":  # never allowlisted; kept as a backstop
        return None
    if attr == "style":
        return value if style_is_safe(value) else None
    if attr == "srcset":
        ok = all(url_is_safe(tag, attr, url) for url, _ in parse_srcset(value))
        return value if ok else None
    if attr in policy.URL_ATTRIBUTES:
        return value if url_is_safe(tag, attr, value) else None
    return value


def attribute_allowed(tag: str, attr: str) -> bool:
    """nh3's allowlist decision for one attribute, as configured below."""
    return (
        attr in policy.GENERIC_ATTRIBUTES
        or attr in policy.TAG_ATTRIBUTES.get(tag, ())
        or any(attr.startswith(prefix) for prefix in policy.GENERIC_PREFIXES)
    )


def filter_attribute(
    tag: str, attr: str, value: str, rewriters: Sequence[AttributeRewriter] = ()
) -> str | None:
    """The whole attribute policy of ``sanitize`` for one attribute (allowlist, URL and
    style checks, then the rewriters): used to edit an original in place (``minimal.py``),
    whose result is then checked against nh3's own output."""
    if not attribute_allowed(tag, attr):
        return None
    result: str | None = check_attribute(tag, attr, value)
    for rewrite in rewriters:
        if result is None:
            break
        result = rewrite(tag, attr, result)
    return result


_rewriters: contextvars.ContextVar[Sequence[AttributeRewriter]] = contextvars.ContextVar(
    "newsvault_content_rewriters", default=()
)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    result: str | None = check_attribute(tag, attr, value)
    for rewrite in _rewriters.get():
        if result is None:
            break
        result = rewrite(tag, attr, result)
    return result


_CLEANER = nh3.Cleaner(
    tags=set(policy.ALLOWED_TAGS),
    clean_content_tags=set(policy.CLEAN_CONTENT_TAGS),
    attributes={"*": set(policy.GENERIC_ATTRIBUTES)}
    | {tag: set(names) for tag, names in policy.TAG_ATTRIBUTES.items()},
    generic_attribute_prefixes=set(policy.GENERIC_PREFIXES),
    url_schemes=set(policy.LINK_SCHEMES) | {"data"},
    link_rel=None,  # adding rel="noopener" to every link would change every post
    strip_comments=True,
    attribute_filter=_attribute_filter,
)


def sanitize(html: str, rewriters: Sequence[AttributeRewriter] = ()) -> str:
    """Sanitize an HTML fragment; ``rewriters`` then transform each surviving attribute.

    The result is nh3's serialization, with every newline written as ``&#10;`` so it
    stays on one line (the same character for the parser, in text and attributes alike).
    """
    token = _rewriters.set(tuple(rewriters))
    try:
        out = _CLEANER.clean(html)
    finally:
        _rewriters.reset(token)
    return _LEADING_LF.sub(r"\1&#10;&#10;", out.replace("\n", "&#10;"))


# The HTML parser drops one newline right after <pre>/<textarea>/<listing>; the spec's
# serializer writes an extra one to survive that, html5ever's does not, so add it here.
# (nh3 writes every attribute value double-quoted with '"' escaped, so this tag regex is exact.)
_LEADING_LF = re.compile(r'(<(?:pre|textarea|listing)(?:\s+[^\s=>]+(?:="[^"]*")?)*>)&#10;')


__all__ = [
    "AttributeRewriter",
    "attribute_allowed",
    "check_attribute",
    "filter_attribute",
    "sanitize",
    "style_is_safe",
    "url_is_safe",
]
