"""Article identity (docs/identity.md; docs/post-format.md, "Identity and dedup").

An article is its normalized link: the link as ``newsvault.urls.resolve`` serializes it
(the WHATWG form every stage stores: scheme and host lower-cased, IDNA hosts, the default
port dropped, dot segments resolved, spaces and non-ASCII percent-encoded), then
tracking parameters (``utm_*``, ``fbclid``, …) removed; everything else kept as written —
the fragment too, since a feed that gives each item its own anchor on one page
(``day.html#a``, ``day.html#b``) presents distinct articles — so two different articles
never collapse into one. No prefix matching: the reference's substring check lost
articles. A guid names the same article across runs even when its link changed (a new
tracking value), unless the document itself gives that guid to items with different
links (``distinct_items``): then it identifies none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from newsvault.models import Entry
from newsvault.urls import serialized

__all__ = ["distinct_items", "guid_key", "normalize_link", "TRACKING_PARAMS"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "__s",
        "ref_src",
        "_ga",
        "_gl",
        "spm",
        "share_source",
    }
)


def _tracking(param: str) -> bool:
    key = param.split("=", 1)[0].lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


# A link's key is asked for once when its feed is read and four times when its post is
# written, often minutes later in a big run: the cache holds a whole first run (30,000
# links, a few MB), so each is computed once.
@lru_cache(maxsize=1 << 15)
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
        return url
    canonical = serialized(url)  # one string for one link, whichever stage wrote it
    if canonical is not None and canonical != url:
        try:
            parts = urlsplit(canonical)
            port = parts.port
        except ValueError:
            pass
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
    fragment = parts.fragment  # kept, unless it only carries tracking parameters
    if all(_tracking(p) for p in fragment.split("&") if p):
        fragment = ""
    return urlunsplit((scheme, netloc, path, query, fragment))


def guid_key(guid: str | None, feed_url: str) -> str | None:
    """The dedup key of a guid. URI-like guids (``http…``, ``tag:``, ``urn:``) are global;
    a bare one ("123") names an item only within its own feed, so it is scoped by the
    feed URL: two feeds that both number their items never hide each other's articles."""
    if not guid:
        return None
    return guid if ":" in guid else f"{feed_url} {guid}"


def distinct_items(entries: Sequence[Entry]) -> tuple[list[Entry], list[str]]:
    """One document's entries with every guid that it gives to items with different links
    removed (a feed bug: such a guid identifies none of them, so each item is its own
    article, known by its link only), and those guids."""
    links: dict[str, set[str]] = {}
    for entry in entries:
        if entry.guid:
            links.setdefault(entry.guid, set()).add(normalize_link(entry.link))
    shared = [guid for guid, seen in links.items() if len(seen) > 1]
    if not shared:
        return list(entries), []
    drop = set(shared)
    return [replace(e, guid=None) if e.guid in drop else e for e in entries], shared
