"""The one URL module, below every stage: links as browsers see them.

Every link newsvault stores or writes is resolved and serialized here, the way
JavaScript's ``new URL(href, base).href`` does (the WHATWG URL standard:
percent-encoding, IDNA hosts, default ports, dot segments, ``\\`` as ``/``). The
standard is done by ada (the ``ada-url`` package, the parser inside Node.js), not by
hand, so a link in a feed entry, the same link in the article body, in a full-text page
and on the site come out as one string (``https://Example.COM/a/../c d.html`` is
``https://example.com/c%20d.html`` everywhere), and dedup keys (``archive/identity.py``)
start from that string.

Also here: the scheme check browsers make before they look at a scheme (leading and
trailing C0 controls and spaces dropped, tabs and newlines removed anywhere), so
``" jav&#x09;ascript:"`` is recognized as ``javascript:``; ``srcset`` lists; and the
attribute rewriter the content stage uses to make an article's links absolute (feeds
often link relative to the article page, and an archived post lives on another site).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from ada_url import URL

_WEB = ("http:", "https:")

_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_HTML_SPACE = " \t\n\f\r"


def resolve(href: str | None, base: str | None = None, *, web_only: bool = False) -> str | None:
    """``href`` resolved against ``base`` and serialized; None when it is not a URL.

    A ``base`` that is not a URL is ignored (``href`` must then be absolute). With
    ``web_only`` only http(s) results count (a guid such as ``tag:x,2020:1`` or a bare
    number is an identifier, not a link).
    """
    if not href or not (href := href.strip()):
        return None
    try:
        url = URL(href, base) if base else URL(href)
    except ValueError:
        try:
            url = URL(href)
        except ValueError:
            return None
    if web_only and url.protocol not in _WEB:
        return None
    return url.href


# An absolute http(s) URL that resolve() would give back unchanged: a lower-case host whose
# last label starts with a letter (a numeric one is read as an IPv4 address), and only
# characters that no part percent-encodes (a quote in the query is, in http(s)); dot
# segments and their %2e spelling are checked apart. Most feed links look like this, and
# ada costs some microseconds a call through its binding: dedup keys skip it for them.
_SERIALIZED = re.compile(
    r"https?://(?:[a-z0-9_-]+\.)*[a-z][a-z0-9_-]*"  # no port: a default one is dropped
    r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*"
    r"(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)?(?:#[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*)?"
)


def serialized(url: str) -> str | None:
    """``url`` as :func:`resolve` serializes it (None when it is not a URL), without the
    parser when it is already in that form."""
    if (
        _SERIALIZED.fullmatch(url)
        and "/." not in url
        and "/%2" not in url
        and not url.endswith(":")
    ):
        return url
    return resolve(url)


def origin(url: str) -> str | None:
    """What a root-relative path is appended to when resolved against the http(s) URL
    ``url`` (``scheme://[user@]host[:port]``, as :func:`resolve` writes it), else None."""
    root = resolve("/", url, web_only=True)
    return root[:-1] if root is not None and URL(root).hostname else None


def browser_view(value: str) -> str:
    """The string a browser's URL parser actually reads (entity decoding already done)."""
    return _TAB_NEWLINE.sub("", value.strip(_C0_AND_SPACE))


def url_scheme(value: str) -> str | None:
    """The lower-cased scheme of ``value`` as a browser sees it, or None when relative."""
    match = _SCHEME.match(browser_view(value))
    return match.group(1).lower() if match else None


def parse_srcset(value: str) -> list[tuple[str, str]]:
    """Split a ``srcset`` into (url, descriptors) following the HTML spec's algorithm.

    URLs may contain commas (``w_100,h_100`` image CDNs), so a naive split on "," is wrong:
    a candidate URL is a run of non-whitespace, and only trailing commas end it.
    """
    out: list[tuple[str, str]] = []
    pos, n = 0, len(value)
    while True:
        while pos < n and (value[pos] in _HTML_SPACE or value[pos] == ","):
            pos += 1
        if pos >= n:
            return out
        start = pos
        while pos < n and value[pos] not in _HTML_SPACE:
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            out.append((url.rstrip(","), ""))
            continue
        start, depth = pos, 0
        while pos < n and not (value[pos] == "," and depth == 0):
            depth += {"(": 1, ")": -1}.get(value[pos], 0)
            pos += 1
        out.append((url, value[start:pos].strip(_HTML_SPACE)))


def format_srcset(candidates: list[tuple[str, str]]) -> str:
    return ", ".join(f"{url} {desc}" if desc else url for url, desc in candidates)


def map_srcset(value: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to every URL of a srcset; the value is returned untouched when
    nothing changed, so an unchanged attribute keeps its original spelling."""
    candidates = parse_srcset(value)
    mapped = [(fn(url), desc) for url, desc in candidates]
    return value if mapped == candidates else format_srcset(mapped)


def is_absolute_http(url: str) -> bool:
    """Is ``url`` an absolute http(s) URL with a host (a base links can be resolved on)?"""
    return url_scheme(url) in ("http", "https") and bool(urlsplit(browser_view(url)).netloc)


def absolutize(value: str, base: str) -> str:
    """``value`` resolved against ``base`` (the article link).

    Left as written: absolute URLs (any scheme), in-page fragments (``#note-1`` must keep
    pointing into the post), empty values, and everything when ``base`` is not an
    absolute http(s) URL.
    """
    return _absolutize(value, base, lambda: is_absolute_http(base))


def _absolutize(value: str, base: str, base_ok: Callable[[], bool]) -> str:
    view = browser_view(value)
    if not view or view.startswith("#") or url_scheme(view) or not base_ok():
        return value
    return resolve(view, base) or value


__all__ = [
    "absolutize",
    "origin",
    "resolve",
    "serialized",
    "browser_view",
    "format_srcset",
    "is_absolute_http",
    "map_srcset",
    "parse_srcset",
    "url_scheme",
]


def absolutizer(base: str) -> Callable[[str, str, str], str | None]:
    """An attribute rewriter making ``href``/``src``/``srcset``/``poster`` (and the
    ``cite``/``longdesc`` references) absolute against ``base``."""

    # One article's URLs, each resolved once: the sanitizer and the in-place edit
    # (minimal.py) ask for the same ones, and resolving is the costly part of cleaning.
    done: dict[str, str] = {}
    base_ok = cache(lambda: is_absolute_http(base))

    def one(url: str) -> str:
        new = done.get(url)
        if new is None:
            new = done[url] = _absolutize(url, base, base_ok)
        return new

    def rewrite(tag: str, attr: str, value: str) -> str | None:
        if attr == "srcset":
            return map_srcset(value, one)
        if attr in ABSOLUTIZED:
            return one(value)
        return value

    return rewrite


ABSOLUTIZED = frozenset({"cite", "href", "longdesc", "poster", "src"})
__all__ += ["ABSOLUTIZED", "absolutizer"]
