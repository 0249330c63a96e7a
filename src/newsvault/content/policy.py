"""What archived HTML may contain: sorted data, kept apart from the sanitizer's logic.

The allowlists are generous with *presentation* (classes, ids, ``data-*``, sizes, inline
style without active content) because the archive must stay faithful to its source, and
strict with anything *active*: no element can run script, load a frame, submit a form,
redirect, or re-base the page's links, and no attribute can carry an event handler or a
script URL. ``svg``/``math`` are dropped whole: their namespace rules are where
sanitizer-versus-browser parsing differences (mXSS) live.
"""

from __future__ import annotations

import nh3

# Elements kept (their attributes filtered). nh3's well-reviewed default set plus media,
# sectioning and a few presentational elements common in feeds.
ALLOWED_TAGS: frozenset[str] = frozenset(nh3.ALLOWED_TAGS) | frozenset(
    {
        "address", "audio", "big", "font", "main", "nobr", "picture", "section",
        "source", "tfoot", "textarea", "track", "video",
    }
)  # fmt: skip

# Elements removed together with everything inside them (their content is code, a
# document of its own, or foreign-namespace markup).
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {
        "applet", "base", "basefont", "bgsound", "datalist", "dialog", "embed",
        "frame", "frameset", "head", "iframe", "input", "keygen", "link", "math", "meta",
        "noembed", "noframes", "object", "option", "param", "plaintext", "portal",
        "script", "select", "slot", "style", "svg", "template", "title", "xmp",
    }
)  # fmt: skip

# Attributes allowed on every element ("style" is then checked by ``style_is_safe``).
GENERIC_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "align", "bgcolor", "class", "dir", "height", "hidden", "id", "lang", "role",
        "style", "title", "translate", "valign", "width",
    }
)  # fmt: skip
GENERIC_PREFIXES: frozenset[str] = frozenset({"aria-", "data-"})

# Attributes allowed per element, beyond the generic ones.
TAG_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"download", "href", "hreflang", "name", "referrerpolicy", "rel", "target", "type"}),
    "area": frozenset({"alt", "coords", "href", "hreflang", "rel", "shape", "target"}),
    "audio": frozenset({"controls", "loop", "muted", "preload", "src"}),
    "blockquote": frozenset({"cite"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "data": frozenset({"value"}),
    "del": frozenset({"cite", "datetime"}),
    "details": frozenset({"open"}),
    "font": frozenset({"color", "face", "size"}),
    "hr": frozenset({"noshade", "size"}),
    "img": frozenset({"alt", "border", "decoding", "hspace", "ismap", "loading", "longdesc",
                      "referrerpolicy", "sizes", "src", "srcset", "usemap", "vspace"}),
    "ins": frozenset({"cite", "datetime"}),
    "li": frozenset({"type", "value"}),
    "map": frozenset({"name"}),
    "ol": frozenset({"reversed", "start", "type"}),
    "q": frozenset({"cite"}),
    "source": frozenset({"media", "sizes", "src", "srcset", "type"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "frame", "rules", "summary"}),
    "td": frozenset({"abbr", "colspan", "headers", "nowrap", "rowspan", "scope"}),
    "textarea": frozenset({"cols", "readonly", "rows", "wrap"}),
    "th": frozenset({"abbr", "colspan", "headers", "nowrap", "rowspan", "scope"}),
    "time": frozenset({"datetime"}),
    "track": frozenset({"default", "kind", "label", "src", "srclang"}),
    "ul": frozenset({"type"}),
    "video": frozenset({"controls", "loop", "muted", "playsinline", "poster", "preload", "src"}),
}  # fmt: skip

# Attributes whose value is a URL (srcset: a list of them) and is checked by scheme.
URL_ATTRIBUTES: frozenset[str] = frozenset({"cite", "href", "longdesc", "poster", "src", "srcset"})

# Schemes a link may use (nh3's list); anything else, e.g. javascript:, vbscript:,
# livescript:, is removed. ``data:`` is allowed only for images (see IMAGE_DATA_PLACES).
LINK_SCHEMES: frozenset[str] = frozenset(nh3.ALLOWED_URL_SCHEMES)
IMAGE_DATA_PLACES: frozenset[tuple[str, str]] = frozenset(
    {("img", "src"), ("img", "srcset"), ("source", "srcset"), ("video", "poster")}
)
IMAGE_DATA_TYPES: frozenset[str] = frozenset(
    {"avif", "bmp", "gif", "jpeg", "jpg", "png", "svg+xml", "webp", "x-icon"}
)
