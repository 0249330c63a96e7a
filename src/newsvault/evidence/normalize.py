"""What a page says, for telling an edit from noise: :func:`normalize` (docs/evidence.md).

Two fetches of an unchanged article rarely give the same bytes: whitespace and markup
move, links gain tracking parameters, a "5 minutes ago" or a view counter ticks, an ad
slot rotates. An archivist must not call that an edit. :func:`normalize` keeps what a
reader would call the article — its visible text and where its links lead — and drops:

- whitespace differences (every run of Unicode whitespace, zero-width characters and
  ``&nbsp;`` included, is one space; text is NFC-normalized);
- tracking parameters of links (``utm_*``, ``fbclid``, ``gclid``, ``spm``… :data:`TRACKING`),
  and link fragments;
- timestamps: dates and times of day in the usual numeric, ISO and Chinese forms, and
  relative times ("5 minutes ago", "3小时前");
- ad slots: elements whose ``class`` or ``id`` names an ad (``ad``, ``ads``, ``advert``,
  ``sponsor``, ``adsbygoogle``…), ``<ins>`` ad tags, and ``script``/``style``/``noscript``/
  ``iframe``/``template`` (never text a reader reads);
- image addresses (an image moved to a CDN, or archived locally, is not an edit).

Two bodies are the same version when their normalized texts are equal;
:func:`fingerprint` is the SHA-256 of it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

__all__ = [
    "TRACKING",
    "feed_carries",
    "fingerprint",
    "normalize",
    "select_body",
    "strip_tracking",
]

TRACKING = re.compile(
    r"^(utm_\w*|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|igshid|spm|"
    r"_hs\w*|ref_src|scene|srcid|sharer_\w+|share_token|from|isappinstalled|"
    r"clicktime|enterid|chksm|mpshare|sessionid|sid)$",
    re.I,
)
_NOISE_TAGS = "script, style, noscript, iframe, template, ins, object, embed"
_AD = re.compile(
    r"(?:^|[\s_-])(?:ad|ads|advert\w*|adsbygoogle|adslot|ad-slot|sponsor\w*|"
    r"promo\w*|banner-ad|dfp|doubleclick|gpt-ad)(?:$|[\s_-]|\d)",
    re.I,
)
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_TIMESTAMPS = re.compile(
    "|".join(
        (
            r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
            r"\d{4}/\d{1,2}/\d{1,2}",
            r"\d{1,2}/\d{1,2}/\d{2,4}",
            r"\d{4}\.\d{1,2}\.\d{1,2}",
            r"\d{4}年\d{1,2}月\d{1,2}日",
            r"\d{1,2}月\d{1,2}日",
            r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?",
            r"\d+\s*(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago",
            r"\d+\s*(?:秒|分钟|小时|天|周)前",
            r"(?:刚刚|昨天|前天|just now|yesterday)",
        )
    ),
    re.I,
)


def strip_tracking(url: str, base: str = "") -> str:
    """``url`` made absolute against ``base``, without tracking parameters or fragment."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
    except ValueError:
        return url.strip()
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


def select_body(page_html: str, selector: str | None = None) -> str:
    """The part of a page that is the article, as HTML: what ``selector`` matches (the
    subscription's own rule), else ``<article>``, else ``<main>``, else ``<body>``."""
    tree = LexborHTMLParser(page_html)
    for rule in ([selector] if selector else []) + ["article", "main"]:
        try:
            nodes = tree.css(rule)
        except Exception:  # noqa: BLE001 - a bad selector: fall back to the usual places
            continue
        if nodes:
            return "".join(node.html or "" for node in nodes)
    body = tree.body
    return str(body.html) if body is not None else page_html


def normalize(html: str, base: str = "") -> str:
    """The comparable text of an article body (see the module docstring): its visible
    text, then a line per link target, every kind of noise removed."""
    tree = LexborHTMLParser(f"<div>{html}</div>")
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(_NOISE_TAGS):
        node.decompose()
    for node in root.css("[class], [id]"):
        names = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if _AD.search(names):
            node.decompose()
    links = [strip_tracking(str(a.attributes.get("href") or ""), base) for a in root.css("a[href]")]
    text = unicodedata.normalize("NFC", root.text(separator=" ") or "").replace("\xa0", " ")
    text = _SPACE.sub(" ", _TIMESTAMPS.sub(" ", text)).strip()
    return "\n".join([text, *(link for link in links if link)])


def fingerprint(html: str, base: str = "") -> str:
    """SHA-256 (hex) of :func:`normalize`: equal for two fetches of the same version."""
    return hashlib.sha256(normalize(html, base).encode("utf-8", "surrogatepass")).hexdigest()


def feed_carries(feed_html: str, page_body: str, base: str = "") -> bool:
    """Whether a feed entry carries the article's whole text, not a summary: its
    normalized text is at least 80% as long as the page's article part, and that
    part contains its opening (what makes a change of the text show in the feed)."""
    feed = normalize(feed_html, base).split("\n", 1)[0]
    page = normalize(page_body, base).split("\n", 1)[0]
    return bool(feed) and len(feed) >= 0.8 * len(page) and feed[:40] in page
