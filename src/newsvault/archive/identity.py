"""Article identity (POST_FORMAT.md "Identity and dedup").

An article is its normalized link: scheme and host lower-cased, the default port and the
fragment dropped, tracking parameters (``utm_*``, ``fbclid``, …) removed; everything else
kept as written, so two different articles never collapse into one. No prefix matching:
the reference's substring check lost articles.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["guid_key", "normalize_link", "TRACKING_PARAMS"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
    "vero_id", "vero_conv", "__s", "ref_src", "_ga", "_gl", "spm", "share_source",
})


def _tracking(param: str) -> bool:
    key = param.split("=", 1)[0].lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def normalize_link(url: str | None) -> str:
    """The dedup key of a link ("" for none). Never raises."""
    if not url:
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url.split("#", 1)[0]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = parts.path or ("/" if scheme in ("http", "https") else "")
    query = parts.query
    if query:
        query = "&".join(p for p in query.split("&") if p and not _tracking(p))
    return urlunsplit((scheme, netloc, path, query, ""))


def guid_key(guid: str | None, feed_url: str) -> str | None:
    """The dedup key of a guid. URI-like guids (``http…``, ``tag:``, ``urn:``) are global;
    a bare one ("123") names an item only within its own feed, so it is scoped by the
    feed URL: two feeds that both number their items never hide each other's articles."""
    if not guid:
        return None
    return guid if ":" in guid else f"{feed_url} {guid}"
