"""``subs.json``: the list of feeds a vault follows.

The file keeps the reference system's format — a JSON array of ``{"site": …, "url": …}``
objects — so existing vaults work unchanged. Optional per-feed keys (``author``,
``tags``, ``categories``, ``enabled``, ``fulltext``, ``images``) are validated here;
keys this version does not know are kept untouched when the file is saved, so a newer
newsvault's settings survive an ``add`` made by an older one.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsvault.errors import ConfigError, UsageError, attach
from newsvault.fsutil import write_atomic
from newsvault.models import IMAGE_MODES, ImageMode, Subscription


@dataclass(frozen=True)
class SubsFile:
    """The raw entries of ``subs.json`` (dicts, unknown keys included) and where they live."""

    path: Path
    raw: tuple[dict[str, Any], ...]

    @property
    def subscriptions(self) -> list[Subscription]:
        with attach(file=self.path):
            return [_subscription(self.path, i, entry) for i, entry in enumerate(self.raw)]


def read_subs_file(path: Path) -> SubsFile:
    """Read and validate ``subs.json``; a missing file is an empty list (a new vault)."""
    if not path.exists():
        return SubsFile(path, ())
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:  # a folder, no permission…: the user's to fix, not a traceback
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}", file=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", file=path
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", file=path
        ) from None
    if not isinstance(data, list):
        raise ConfigError(
            f'{path}: must be a JSON array of {{"site": …, "url": …}} objects, '
            f"not {type(data).__name__}",
            file=path,
        )
    subs = SubsFile(path, tuple(data))
    _check_unique(path, subs.subscriptions)
    return subs


def load_subscriptions(path: Path) -> list[Subscription]:
    """The validated subscriptions of ``subs.json`` in file order (disabled ones included)."""
    return read_subs_file(path).subscriptions


def save_subs_file(subs: SubsFile) -> None:
    """Write atomically (temp file + rename), pretty-printed, non-ASCII kept readable."""
    text = json.dumps(list(subs.raw), ensure_ascii=False, indent=2) + "\n"
    write_atomic(subs.path, text.encode("utf-8"))


def add_subscription(subs: SubsFile, entry: dict[str, Any]) -> SubsFile:
    """A new SubsFile with ``entry`` appended; refuses a URL that is already subscribed."""
    new = _subscription(subs.path, len(subs.raw), entry)
    for old in subs.subscriptions:
        if old.url == new.url:
            raise UsageError(f"{subs.path}: {new.url} is already subscribed (site {old.site!r})")
    return SubsFile(subs.path, subs.raw + (entry,))


def remove_subscription(subs: SubsFile, url_or_site: str) -> tuple[SubsFile, list[Subscription]]:
    """Drop every entry whose url or site equals ``url_or_site``; error when none does."""
    keep: list[tuple[dict[str, Any], Subscription]] = []
    gone: list[tuple[dict[str, Any], Subscription]] = []
    for raw, sub in zip(subs.raw, subs.subscriptions, strict=True):
        (gone if url_or_site in (sub.url, sub.site) else keep).append((raw, sub))
    if not gone:
        raise UsageError(f"{subs.path}: no subscription has the url or site {url_or_site!r}")
    return SubsFile(subs.path, tuple(r for r, _ in keep)), [s for _, s in gone]


def _subscription(path: Path, index: int, entry: Any) -> Subscription:
    """Validate one entry; errors name the file, the entry (number and site) and the key."""
    where = f"{path}: entry {index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(
            f'{where}: must be an object like {{"site": …, "url": …}}, not {type(entry).__name__}'
        )
    site = entry.get("site")
    if isinstance(site, str) and site.strip():
        where += f" (site {site!r})"
    for key in ("site", "url"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: {key!r} is required and must be a non-empty string")
    return Subscription(
        site=entry["site"],
        url=entry["url"].strip(),
        author=_optional_str(entry, "author", where),
        tags=_str_list(entry, "tags", where),
        categories=_str_list(entry, "categories", where),
        enabled=_bool(entry, "enabled", where),
        fulltext=_fulltext(entry, where),
        images=_images(entry, where),
        revisit=_bool(entry, "revisit", where),
    )


def _optional_str(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(
            f"{where}: {key!r} must be a string, not {type(value).__name__} ({value!r})"
        )
    return value.strip() or None


def _str_list(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key!r} must be a list of non-empty strings, not {value!r}")
    return tuple(v.strip() for v in value)


def _bool(entry: dict[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, True)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key!r} must be true or false, not {value!r}")
    return value


def _fulltext(entry: dict[str, Any], where: str) -> bool | str:
    value = entry.get("fulltext", False)
    if isinstance(value, bool) or (isinstance(value, str) and value.strip()):
        return value
    raise ConfigError(
        f"{where}: 'fulltext' must be true, false, \"auto\" or a CSS selector, not {value!r}"
    )


def _images(entry: dict[str, Any], where: str) -> ImageMode | None:
    value = entry.get("images")
    if value is None:
        return None
    for mode in IMAGE_MODES:
        if value == mode:
            return mode
    raise ConfigError(f"{where}: 'images' must be one of {', '.join(IMAGE_MODES)}, not {value!r}")


def _check_unique(path: Path, subs: list[Subscription]) -> None:
    """The same URL twice would fetch it twice and file its articles under whichever won."""
    first: dict[str, int] = {}
    for i, sub in enumerate(subs):
        if sub.url in first:
            raise ConfigError(
                f"{path}: entry {i + 1} (site {sub.site!r}): url {sub.url} "
                f"is already used by entry {first[sub.url] + 1}",
                file=path,
            )
        first[sub.url] = i


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOSTLIKE = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/|$)")


def check_feed_url(url: str, root: Path) -> str:
    """``url`` as a subscription takes it (stripped), or UsageError saying what is wrong.

    Feeds come over http(s), from ``file://`` URLs, or from a file inside the vault (a
    path relative to it, or absolute); any other scheme (ftp, mailto…) is refused, and
    so is text that is none of these (``example.com/feed`` is missing its https://)."""
    text = url.strip()
    if not text or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise UsageError(f"{url!r} is not a URL (no spaces or control characters in a feed URL)")
    match = _SCHEME.match(text)
    scheme = match.group(1).lower() if match and len(match.group(1)) > 1 else None
    if scheme in ("http", "https"):
        if not urllib.parse.urlsplit(text).hostname:
            raise UsageError(f"{text}: not a URL (no host name after {scheme}://)")
        return text
    if scheme == "file":
        return text
    if scheme == "feed":  # the feed: pseudo-scheme of old browsers
        rest = text[5:].removeprefix("//")
        raise UsageError(f"{text}: use https://{rest} (or http://) instead of feed:")
    if scheme is not None:
        raise UsageError(
            f"{text}: newsvault reads feeds over http(s), from file:// URLs or from "
            f"files in the vault; not {scheme}:"
        )
    if (root / text).is_file():
        return text
    if _HOSTLIKE.match(text):
        raise UsageError(f"{text}: not a URL: did you mean https://{text} ?")
    raise UsageError(f"{text}: not a URL (http://… or https://…) nor a file in the vault")
