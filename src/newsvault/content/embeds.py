"""Before sanitizing: video embeds become plain links, ``<noscript>`` fallbacks are shown.

Frames and plugins are removed by the sanitizer (they load and run another document),
but an embedded YouTube or Vimeo video is part of the article: it becomes a link to
the video's own page, with the frame's title as its text, so the archive still says
what was there. ``<noscript>`` holds what a reader without JavaScript should see (often
the real ``<img>`` of a lazy-loaded picture); the archive has no JavaScript, so the
wrapper is removed and its markup is kept (and sanitized like everything else).

This works on the raw string with tag-shaped regular expressions. It never decides
safety: whatever it produces still goes through the sanitizer.
"""

from __future__ import annotations

import html as htmlmod
import re
from urllib.parse import urlsplit

from newsvault.urls import absolutize, browser_view, url_scheme

_ATTRS = r"""((?:[^>"']|"[^"]*"|'[^']*')*)"""
_IFRAME = re.compile(r"<iframe\b" + _ATTRS + r">.*?(?:</iframe\s*>|\Z)", re.I | re.S)
_OBJECT = re.compile(r"<object\b" + _ATTRS + r">(.*?)(?:</object\s*>|\Z)", re.I | re.S)
_EMBED = re.compile(r"<embed\b" + _ATTRS + r">", re.I)
_NOSCRIPT = re.compile(r"</?noscript\b" + _ATTRS + r">", re.I)
_ATTR = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_ANY = re.compile(r"<(?:iframe|object|embed|noscript)\b", re.I)

# Known video players: (pattern on the embed URL, canonical page URL, default text).
VIDEO_SITES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"(?:youtube(?:-nocookie)?\.com/(?:embed|v)/|youtu\.be/)([\w-]{6,})"),
     "https://www.youtube.com/watch?v={0}", "YouTube video"),
    (re.compile(r"player\.vimeo\.com/video/(\d+)"), "https://vimeo.com/{0}", "Vimeo video"),
    (re.compile(r"dailymotion\.com/embed/video/(\w+)"),
     "https://www.dailymotion.com/video/{0}", "Dailymotion video"),
    (re.compile(r"player\.bilibili\.com/player\.html\?(?:[^\"'\s]*&)?bvid=(\w+)"),
     "https://www.bilibili.com/video/{0}", "Bilibili video"),
)  # fmt: skip
_VIDEO_URL = re.compile(
    r"""(?:https?:)?//[^\s"'<>]*(?:youtube(?:-nocookie)?\.com/(?:embed|v)/|youtu\.be/"""
    r"""|player\.vimeo\.com/video/|dailymotion\.com/embed/video/)[^\s"'<>]*"""
)


def needs_embed_pass(html: str) -> bool:
    return _ANY.search(html) is not None


def attributes(attr_text: str) -> dict[str, str]:
    """The attributes of a tag, entity-decoded; the first of duplicate names wins (as in HTML)."""
    out: dict[str, str] = {}
    for match in _ATTR.finditer(attr_text):
        name = match.group(1).lower()
        value = next((g for g in match.group(2, 3, 4) if g is not None), "")
        out.setdefault(name, htmlmod.unescape(value))
    return out


def video_link(src: str, base: str) -> tuple[str, str] | None:
    """(page URL, default text) for an embed source, or None when it is not http(s)."""
    url = absolutize(browser_view(src), base)
    if url.startswith("//"):
        url = "https:" + url
    if url_scheme(url) not in ("http", "https"):
        return None
    for pattern, page, text in VIDEO_SITES:
        match = pattern.search(url)
        if match:
            return page.format(match.group(1)), text
    host = urlsplit(url).hostname or url
    return url, f"Embedded content ({host})"


def _link(src: str, title: str, base: str) -> str:
    found = video_link(src, base) if src else None
    if found is None:
        return ""
    url, default = found
    text = " ".join(title.split()) or default
    return f'<a href="{htmlmod.escape(url)}">{htmlmod.escape(text, quote=False)}</a>'


def _frame(match: re.Match[str], base: str) -> str:
    attrs = attributes(match.group(1))
    return _link(attrs.get("src") or attrs.get("data-src", ""), attrs.get("title", ""), base)


def _object(match: re.Match[str], base: str) -> str:
    attrs = attributes(match.group(1))
    data = attrs.get("data", "")
    if not any(p.search(data) for p, _, _ in VIDEO_SITES):
        inner = _VIDEO_URL.search(match.group(2))
        if inner is None:
            return match.group(0)  # not a video: left to the sanitizer, which drops it
        data = htmlmod.unescape(inner.group(0))
    return _link(data, attrs.get("title", ""), base)


def embeds_to_links(html: str, base: str) -> str:
    """Replace frames/plugins with links and unwrap ``<noscript>``."""
    if not needs_embed_pass(html):
        return html
    html = _OBJECT.sub(lambda m: _object(m, base), html)
    html = _IFRAME.sub(lambda m: _frame(m, base), html)
    html = _EMBED.sub(lambda m: _frame(m, base), html)
    return _NOSCRIPT.sub("", html)


__all__ = ["VIDEO_SITES", "attributes", "embeds_to_links", "needs_embed_pass", "video_link"]
