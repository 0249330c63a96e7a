"""Lazy-loaded images: put the real picture where a browser without the site's script looks.

Many sites ship ``<img src="data:image/gif;base64,R0lGOD…">`` (a 1×1 GIF) or an empty
``src``, with the real address in ``data-src``, ``data-original``, ``data-lazy-src`` or
``data-actualsrc`` (and ``data-srcset``/``data-lazy-srcset``), and a script that swaps
them in. WordPress' Jetpack keeps a real ``src`` but sets ``srcset`` to the GIF, which
browsers prefer. The archive runs no script, so the picture never shows. Here the real
address is promoted into ``src``/``srcset``; when a ``<noscript>`` right after the
image holds the same picture for readers without JavaScript, it is dropped (it would
show the picture twice), and a placeholder with no address of its own takes the
``<noscript>`` image's place.

Like :mod:`newsvault.content.embeds` this works on the string with tag-shaped regular
expressions and never decides safety: the content stage sanitizes what it produces, the
site build removes active elements after it. A body without any hint of lazy loading is
returned as it is (the same object), so byte-faithful bodies stay byte-faithful.
"""

from __future__ import annotations

import html as htmlmod
import re

from newsvault.content.embeds import attributes

_ATTRS = r"""((?:[^>"']|"[^"]*"|'[^']*')*)"""
_IMG = re.compile(r"<img\b" + _ATTRS + r">", re.I)
_NOSCRIPT_AFTER = re.compile(r"\s*<noscript\b[^>]*>(.*?)</noscript\s*>", re.I | re.S)
_ATTR = re.compile(r"""\s*([^\s"'<>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")
_HINT = re.compile(
    r"data-(?:src|original|lazy|actualsrc|srcset)|<noscript|src\s*=\s*[\"']?(?:data:|[\"'\s>])",
    re.I,
)
# Attributes that carry the real address, in the order they are trusted.
SRC_ATTRS = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-actualsrc",
    "data-original-src",
    "data-url",
)
SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "data-original-srcset")
SIZES_ATTRS = ("data-sizes", "data-lazy-sizes")
# File names sites use for their placeholder pictures.
_PLACEHOLDER_NAME = re.compile(
    r"(?:^|/)(?:blank|spacer|pixel|placeholder|transparent|lazy[-_]?load(?:er)?|"
    r"grey|gray|1x1|empty|loading)[^/]*\.(?:gif|png|svg)(?:[?#]|$)",
    re.I,
)


def needs_lazy_pass(html: str) -> bool:
    return _HINT.search(html) is not None


def is_placeholder(url: str | None) -> bool:
    """True for an image address that shows nothing: missing, empty, a ``data:`` URI (a
    1×1 GIF, an empty SVG), ``about:blank`` or a placeholder's file name."""
    if url is None:
        return True
    url = url.strip()
    return (
        not url
        or url.lower().startswith(("data:", "about:"))
        or url == "#"
        or _PLACEHOLDER_NAME.search(url) is not None
    )


def _srcset_is_placeholder(srcset: str) -> bool:
    urls = [c.split()[0] for c in re.split(r",\s+|,(?=\S*\s|$)", srcset.strip()) if c.split()]
    return not urls or all(is_placeholder(u) for u in urls)


def _best_of_srcset(srcset: str) -> str | None:
    """The biggest candidate of a srcset (by its ``w`` or ``x`` descriptor), or None."""
    best: tuple[float, str] | None = None
    for cand in re.split(r",\s+", srcset.strip()):
        parts = cand.split()
        if not parts or is_placeholder(parts[0]):
            continue
        size = 1.0
        if len(parts) > 1 and parts[1][:-1].replace(".", "", 1).isdigit():
            size = float(parts[1][:-1])
        if best is None or size > best[0]:
            best = (size, parts[0])
    return best[1] if best else None


def _q(value: str) -> str:
    return '"' + htmlmod.escape(value, quote=True) + '"'


def _rewrite(attr_text: str, changes: dict[str, str | None]) -> str:
    """``attr_text`` with the attributes of ``changes`` set (or removed: None); the others
    are kept byte for byte."""
    kept = "".join(
        m.group(0)
        for m in _ATTR.finditer(attr_text)
        if m.group(1).lower() not in changes and m.group(1) != "/"
    )
    added = "".join(f" {name}={_q(value)}" for name, value in changes.items() if value is not None)
    closing = " /" if attr_text.rstrip().endswith("/") else ""
    return added + kept.rstrip() + closing


def _noscript_image(inner: str) -> str | None:
    """The ``<img>`` of a ``<noscript>`` that holds one image and nothing else but space."""
    found = _IMG.findall(inner)
    if len(found) != 1 or _IMG.sub("", inner).strip():
        return None
    return found[0]


def _promote(attrs: dict[str, str]) -> dict[str, str | None]:
    """The attribute changes that make an image show its real picture ({}: none)."""
    changes: dict[str, str | None] = {}
    src = attrs.get("src")
    lazy_srcset = next(
        (
            attrs[a]
            for a in SRCSET_ATTRS
            if attrs.get(a, "").strip() and not _srcset_is_placeholder(attrs[a])
        ),
        None,
    )
    if is_placeholder(src):
        real = next((attrs[a].strip() for a in SRC_ATTRS if not is_placeholder(attrs.get(a))), None)
        if real is None:
            real = _best_of_srcset(lazy_srcset or attrs.get("srcset", ""))
        if real is not None:
            changes["src"] = real
    if "srcset" in attrs and _srcset_is_placeholder(attrs["srcset"]):
        changes["srcset"] = lazy_srcset  # None: removed, the src shows
    elif "srcset" not in attrs and lazy_srcset is not None:
        changes["srcset"] = lazy_srcset
    if changes.get("srcset") and "sizes" not in attrs:
        sizes = next((attrs[a] for a in SIZES_ATTRS if attrs.get(a, "").strip()), None)
        if sizes is not None:
            changes["sizes"] = sizes
    return changes


def promote_lazy_images(html: str) -> str:
    """``html`` with every lazy-loaded image showing its real picture (see the module)."""
    if not needs_lazy_pass(html):
        return html
    out: list[str] = []
    pos = 0
    for match in _IMG.finditer(html):
        if match.start() < pos:
            continue  # inside a <noscript> already taken
        attrs = attributes(match.group(1))
        changes = _promote(attrs)
        lazy = (
            bool(changes)
            or is_placeholder(attrs.get("src"))
            or any(a in attrs for a in SRC_ATTRS + SRCSET_ATTRS)
        )
        after = _NOSCRIPT_AFTER.match(html, match.end())
        fallback = _noscript_image(after.group(1)) if after else None
        tag = "<img" + _rewrite(match.group(1), changes) + ">" if changes else match.group(0)
        end = match.end()
        if after is not None and fallback is not None and lazy:
            if is_placeholder(attrs.get("src")) and "src" not in changes:
                # nothing in the lazy attributes: the <noscript> picture takes its place
                if not is_placeholder(attributes(fallback).get("src")):
                    tag = "<img" + fallback + ">"
            end = after.end()  # the same picture again: dropped
        elif not changes:
            continue
        out.append(html[pos : match.start()])
        out.append(tag)
        pos = end
    if not out:
        return html
    out.append(html[pos:])
    return "".join(out)


__all__ = ["is_placeholder", "needs_lazy_pass", "promote_lazy_images"]
