"""Links as browsers see them: absolute, serialized like JavaScript's ``new URL(x, base).href``.

The WHATWG URL standard (percent-encoding, IDNA, default ports, path dot-segments) is
done by ada (the ``ada-url`` package, the parser inside Node.js), not by hand.
"""

from __future__ import annotations

from ada_url import URL

_WEB = ("http:", "https:")


def absolute_url(href: str | None, base: str | None, *, web_only: bool = False) -> str | None:
    """``href`` resolved against ``base`` and serialized; None when it is not a URL.

    With ``web_only`` only http(s) results count (a guid such as ``tag:x,2020:1`` or a
    bare number is an identifier, not a link).
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
