"""A post's body as HTML for its page and its feed entry.

Posts are Markdown with raw HTML, rendered by Jekyll's kramdown in the reference. Two
shapes exist (docs/post-format.md): the "link" layout (``<!--ms-->``, ``[title](link)``,
``------``, then the article in one ``<div>`` line) and the older "html" layout
(pretty-printed HTML right after the front matter). kramdown passes both through as
HTML; CommonMark would turn the indented lines after blank lines of the html layout
into code blocks. So both are passed through as HTML, and only other bodies go through
markdown-it (html enabled). For the link layout the ``[title](link)`` header is left out
because the page template already shows the title and the link to the original.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import escape

from newsvault.urls import origin as url_origin
from newsvault.urls import resolve

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from selectolax.lexbor import LexborHTMLParser, LexborNode

_LINK_LAYOUT = re.compile(
    r"\A<!--[^\n]*-->\n\[[^\n]*\]\([^\n]*\)\n-{2,}\n\n(<div>\n.*\n</div>)\n?\Z", re.S
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Characters XML 1.0 forbids (U+0008 occurs in real posts); also unpaired surrogates.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_C0_ILLEGAL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# Elements that must never act on the reader's page, whatever an old post contains.
_DANGEROUS = re.compile(
    r"<(script|style|iframe|object|embed|noscript)\b.*?</\1\s*>|<(?:meta|base|link)\b[^>]*>",
    re.S | re.I,
)
# href/src/poster values that are not absolute already (no scheme, not a fragment). The
# engine looks for "=" and only then checks the attribute name with fixed-width
# lookbehinds: 25× faster than matching names first; the one-letter lookbehind (the last
# letter of href/src/poster) turns most other attributes away before the three names
# (``href = "x"``, with spaces around "=", is left as it is).
_REL_URL = re.compile(
    r"""=(?<=[fcr]=)(?:(?<=\shref=)|(?<=\ssrc=)|(?<=\sposter=))(["'])(?![a-z][a-z0-9+.-]*:|#)"""
    r"""([^"'<>]*)\1""",
    re.I,
)
# The first-letter lookahead halves the scan: most "<" fail there, before the names.
_DANGEROUS_HINT = re.compile(
    r"<(?=[sSiIoOeEnNmMbBlLfF])((?i:script|style|iframe|object|embed|noscript|meta|base|link|frame(?:set)?))\b"
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# A root-relative path that resolving (``urls.resolve``) would only prefix with the
# origin: only characters the WHATWG path leaves as they are (no space, quote, ``<>``,
# backtick, braces, ``\\``, control or non-ASCII character: those are percent-encoded or
# turned into "/"), no query or fragment, and no dot segment (checked apart, with their
# ``%2e`` spelling).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/\[\]|]*")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt  # only bodies that are not HTML need it: loaded then

    return MarkdownIt("commonmark", {"html": True})


def body_html(body: str, layout: str) -> str:
    """The article HTML of a post body (see the module docstring for the rules)."""
    match = _LINK_LAYOUT.match(body)
    if match and not _BLANK_LINE.search(match.group(1)):
        return match.group(1)
    if layout == "html" and body.lstrip().startswith("<"):
        return body.strip()
    return _markdown().render(body)


def _absolute(base: str, origin: str, url: str, keep: str) -> str:
    if not url or url.startswith(("#", keep)) or _SCHEME.match(url):
        return url
    if url.startswith("//"):  # scheme-relative: the https page, never mixed content
        return resolve("https:" + url) or url
    if _PLAIN_PATH.fullmatch(url) and "/." not in url and "/%2" not in url:
        return origin + url  # what resolve gives, 5× faster
    return resolve(url, base) or url


def xml_legal(text: str, raw: bytes) -> str:
    """``text`` (decoded from ``raw``) without the characters XML forbids. The regex runs
    only when there may be some: C0 controls are single bytes in UTF-8, which
    ``bytes.translate`` finds ~5× faster than a regex scan of the text; surrogates
    cannot come out of decoding."""
    if len(raw.translate(None, _C0_ILLEGAL)) != len(raw) or "\ufffe" in text or "\uffff" in text:
        return XML_ILLEGAL.sub("", text)
    return text


def drop_dangerous(html: str) -> str:
    """``html`` without the elements that could act on the reader's page (script, style,
    frames, plugins, ``meta``/``base``/``link``).

    Old posts (adopted, imported, written by hand) never went through the sanitizer.
    The page's CSP already stops inline script, so what matters is markup that loads
    the site's *own* scripts: ``<script src=/pagefind/pagefind-ui.js></script/>`` or
    ``<script/src=…>``, which a pattern does not see the way a browser does. So: the
    cheap pattern removes the ordinary cases byte for byte (:func:`_drop_matched`),
    and whenever a tag name of the list is still present, a real HTML5 parse (lexbor)
    decides — any such element it finds is removed from the tree and the tree is
    serialized (checked again; if even that parses to something active, the body is
    shown as text). Bodies without any of the names cost one regex search."""
    if _DANGEROUS_HINT.search(html) is None:
        return html
    dropped = _drop_matched(html)
    if _DANGEROUS_HINT.search(dropped) is None or not _active(dropped)[0]:
        return dropped
    for _ in range(2):
        active, tree = _active(dropped)
        if not active:
            return dropped
        for node in active:
            node.decompose()
        body = tree.body
        dropped = str(body.inner_html or "") if body is not None else ""
    if _active(dropped)[0]:
        return "<pre>" + str(escape(dropped)) + "</pre>"
    return dropped


_ACTIVE_CSS = "script, style, iframe, object, embed, noscript, meta, base, link, frame, frameset"


def _active(html: str) -> tuple[list[LexborNode], LexborHTMLParser]:
    """The active elements of ``html`` parsed as a page body (lexbor), and the tree."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser("<!DOCTYPE html><html><head></head><body>" + html)
    return tree.css(_ACTIVE_CSS), tree


def _drop_matched(html: str) -> str:
    """``_DANGEROUS.sub("", html)``, tried only where the cheap hint regex finds a tag name
    (a full ``sub`` tests all nine names at every ``<``: 3× slower). An element without
    its closing tag is left alone, as ``sub`` does, and its name is not tried again: no
    later closing tag exists either, and hostile bodies with thousands of unclosed
    ``<script`` would otherwise take quadratic time."""
    parts: list[str] = []
    pos = 0
    unclosed: set[str] = set()
    for hint in _DANGEROUS_HINT.finditer(html):
        start = hint.start()
        name = hint.group(1).lower()
        if start < pos or name in unclosed:
            continue
        match = _DANGEROUS.match(html, start)
        if match is None:
            unclosed.add(name)
            continue
        parts.append(html[pos:start])
        pos = match.end()
    if not parts:
        return html
    parts.append(html[pos:])
    return "".join(parts)


def safe_html(html: str, origin_link: str, keep_prefix: str = "/assets/") -> str:
    """Make stored HTML (XML-legal already: see :func:`xml_legal`) fit for the page: no
    active elements, relative links pointing at the original site (they meant the
    source's pages, not ours), except the vault's own archived images under
    ``keep_prefix`` (``<base_path>assets/``).

    Old posts never went through the content stage either: their lazy-loaded images are
    promoted and their embedded videos and frames become links here, as the content
    stage does for new ones (:func:`newsvault.content.clean.prepare_content`), and a
    ``<noscript>``'s content is shown — before the active elements go."""
    html = drop_dangerous(as_content_stage(html, origin_link))
    origin = url_origin(origin_link)
    if origin is None:
        return html
    return _REL_URL.sub(
        lambda m: (
            "=" + m.group(1) + _absolute(origin_link, origin, m.group(2), keep_prefix) + m.group(1)
        ),
        html,
    )


def as_content_stage(html: str, origin_link: str) -> str:
    """What the content stage's embed and lazy-image passes make of ``html`` (only when
    it has a hint of either: most bodies cost two regex searches)."""
    from newsvault.content.embeds import embeds_to_links, needs_embed_pass
    from newsvault.content.lazyimages import needs_lazy_pass, promote_lazy_images

    if needs_lazy_pass(html):
        html = promote_lazy_images(html)
    if needs_embed_pass(html):
        html = embeds_to_links(html, origin_link)
    return html


def article_html(body: str, layout: str, origin_link: str, keep_prefix: str = "/assets/") -> str:
    """Body → safe article HTML, in one call."""
    return safe_html(body_html(body, layout), origin_link, keep_prefix)
