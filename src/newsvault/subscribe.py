"""Adding subscriptions the way people have them: many URLs at once, a site's home page
instead of its feed (autodiscovery), an OPML file from a feed reader.

Every URL is checked before anything is fetched (a wrong scheme or a duplicate changes
nothing); the feeds are then read concurrently by the project's HTTP client, so ``add``
only subscribes to what the next run can read, named by the feed's own title unless the
keeper names it. subs.json is written once, atomically, at the end.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsvault.config import Config
from newsvault.errors import FetchError, NoFeedFound, UsageError
from newsvault.fetch.discover import find_feed
from newsvault.opml import read_opml
from newsvault.subscriptions import (
    SubsFile,
    add_subscription,
    check_feed_url,
    read_subs_file,
    save_subs_file,
)
from newsvault.vault import Vault


@dataclass(frozen=True)
class AddReport:
    """What ``add`` or ``import-opml`` did: the entries written, and the URLs left out."""

    added: tuple[dict[str, Any], ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (URL, why), for URLs that were not added
    notes: tuple[str, ...] = ()
    total: int = 0  # subscriptions after it

    def to_json(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "failed": [{"url": u, "error": e} for u, e in self.failed],
            "notes": list(self.notes),
            "total": self.total,
        }


def add_feeds(
    vault: Vault,
    config: Config,
    urls: list[str],
    *,
    site: str | None = None,
    extra: dict[str, Any] | None = None,
) -> AddReport:
    """Subscribe to ``urls`` (feeds, or pages that link to one); ``site`` names them all,
    else each is named by its feed's title. ``extra`` holds the other subs.json keys.

    Raises UsageError, before fetching anything, for a URL that is not one, or that is
    given twice or already subscribed. A URL that cannot be read now is left out (in
    ``failed``) unless ``site`` is given: then it is subscribed with a note. A URL read
    that is no feed and links to none is always left out."""
    subs = read_subs_file(vault.subs_file)
    checked = [check_feed_url(url, vault.root) for url in urls]
    known = {s.url: s.site for s in subs.subscriptions}
    seen: set[str] = set()
    for url in checked:
        if url in known:
            raise UsageError(f"{subs.path}: {url} is already subscribed (site {known[url]!r})")
        if url in seen:
            raise UsageError(f"{url} is given twice")
        seen.add(url)
    found = asyncio.run(_find_all(config, vault.root, checked))
    added, failed, notes = [], [], []
    for url, result in zip(checked, found, strict=True):
        if isinstance(result, NoFeedFound):  # read, and not a feed: --site cannot help
            failed.append((url, str(result)))
            continue
        if isinstance(result, FetchError):
            if site is None:
                failed.append((url, f"{result} (give --site NAME to subscribe to it anyway)"))
                continue
            feed_url, name = url, site
            notes.append(f"{url}: could not read it now ({result}); subscribed anyway")
        else:
            feed_url, name = result.url, site or result.title or _fallback_name(result.url)
            if result.page:
                notes.append(
                    f"{url}: found its {result.kind} feed {feed_url}"
                    + (f" (it also links to {', '.join(result.others)})" if result.others else "")
                )
            if not (site or result.title):
                notes.append(
                    f"{feed_url}: the feed has no title: named {name!r} (rename it in subs.json)"
                )
        if feed_url in known:
            failed.append(
                (url, f"its feed {feed_url} is already subscribed (site {known[feed_url]!r})")
            )
            continue
        entry = {"site": name, "url": feed_url, **(extra or {})}
        subs = add_subscription(subs, entry)
        known[feed_url] = name
        added.append(entry)
    if added:
        save_subs_file(subs)
    return AddReport(tuple(added), tuple(failed), tuple(notes), len(subs.raw))


async def _find_all(config: Config, root: Path, urls: list[str]) -> list[Any]:
    from newsvault.fetch.http import HttpClient  # the HTTP client: only when adding URLs

    async with HttpClient(config.fetch, base_dir=root) as client:

        async def one(url: str) -> Any:
            try:
                return await find_feed(client, url)
            except FetchError as exc:
                return exc

        return await asyncio.gather(*(one(url) for url in urls))


def import_opml(vault: Vault, data: bytes, name: str) -> AddReport:
    """Subscribe to every feed of an OPML document (nothing is fetched: OPML names them).

    Feeds already subscribed, listed twice, or whose URL subs.json cannot take are left
    out with the reason; folders become each entry's ``folder``."""
    subs: SubsFile = read_subs_file(vault.subs_file)
    known = {s.url: s.site for s in subs.subscriptions}
    added, failed = [], []
    for feed in read_opml(data, name):
        try:
            url = check_feed_url(feed.url, vault.root)
        except UsageError as exc:
            failed.append((feed.url, str(exc)))
            continue
        if url in known:
            failed.append((url, f"already subscribed (site {known[url]!r})"))
            continue
        entry: dict[str, Any] = {"site": feed.site, "url": url}
        if feed.folder:
            entry["folder"] = feed.folder
        subs = add_subscription(subs, entry)
        known[url] = feed.site
        added.append(entry)
    if added:
        save_subs_file(subs)
    return AddReport(tuple(added), tuple(failed), (), len(subs.raw))


def _fallback_name(url: str) -> str:
    """A feed without a title is named by its host (or its file's name)."""
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or Path(urllib.parse.unquote(parts.path)).stem or url
