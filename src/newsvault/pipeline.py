"""``fetch_vault``: read every enabled subscription and archive each new article once.

    subscriptions ─► fetch (HTTP, concurrent) ─► parse ─► dedup against the index
        ─► content (clean, images, full text) ─► sort by date ─► dedup within the run
        ─► write post + index row ─► store HTTP validators and the per-feed results

Feeds are fetched and prepared concurrently; posts are written afterwards, one at a
time, in (date, subscription order, entry order) order, so name collisions (``-2``)
resolve the same way on every run and the same article reaching us through two feeds
is written once, credited to the earlier subscription. ``should_stop`` is checked
before each article: a SIGTERM finishes the post being written, and feeds whose
articles were not all written keep their old HTTP validators so nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from newsvault.archive.identity import distinct_items, guid_key, normalize_link
from newsvault.archive.index import Index
from newsvault.archive.store import save_post
from newsvault.config import Config
from newsvault.content import ContentOptions, prepare_content
from newsvault.errors import NewsvaultError
from newsvault.fetch import state
from newsvault.fetch.cleaner import Cleaner
from newsvault.fetch.entries import date_notes, to_article
from newsvault.fetch.feeds import parse_feed
from newsvault.fetch.http import HttpClient, HttpError, Validators
from newsvault.fetch.report import ERROR, NOT_MODIFIED, OK, FeedResult, FetchReport
from newsvault.models import Article, Entry, Subscription
from newsvault.subscriptions import load_subscriptions
from newsvault.vault import Vault

Progress = Callable[[str, int, int], None]  # (phase "fetch"|"write", done, total)
FSYNC_EACH_MAX = 200  # runs writing more posts than this sync once at the end instead
STOP_POLL = 0.2  # seconds between should_stop() checks while feeds are being fetched


@dataclass
class _Feed:
    """One subscription's work in progress (mutable only inside this module)."""

    order: int
    sub: Subscription
    result: FeedResult
    articles: list[tuple[int, Article]] = field(default_factory=list)  # (entry order, article)
    validators: Validators | None = None  # to store once every article is written
    pending: int = 0  # articles not yet written or judged duplicate


def fetch_vault(vault: Vault, config: Config, *, now: datetime, progress: Progress | None = None,
                should_stop: Callable[[], bool] = lambda: False) -> FetchReport:
    """Fetch all enabled feeds of ``vault`` and write their new articles; never raises for
    a single feed's failure (it is in the report). Config errors (subs.json) do raise."""
    started = time.monotonic()
    subs = [s for s in load_subscriptions(vault.subs_file) if s.enabled]
    for sub in subs:  # a bad [content] setting is a config error (exit 2), not N feed errors
        ContentOptions.for_subscription(config.content, sub, config.site.base_path)
    with Index.open(vault) as index:
        state.ensure_schema(index.db)
        feeds = asyncio.run(_fetch_all(vault, config, subs, index, now, progress, should_stop))
        stopped = _write_all(vault, index, feeds, should_stop, progress, config.archive.layout)
        for feed in feeds:
            if feed.validators is not None and feed.pending == 0:
                state.store_validators(index.db, feed.sub.url, feed.validators, now)
        results = tuple(feed.result for feed in feeds)
        state.record_results(index.db, now, results)
    return FetchReport(now=now, feeds=results, stopped=stopped or should_stop(),
                       duration=time.monotonic() - started)


async def _fetch_all(vault: Vault, config: Config, subs: list[Subscription], index: Index,
                     now: datetime, progress: Progress | None,
                     should_stop: Callable[[], bool]) -> list[_Feed]:
    """All feeds concurrently (the client enforces the limits); a stop request cancels
    the feeds still in flight, which are reported as not fetched."""
    cache = state.load_validators(index.db)
    done = 0

    async def one(order: int, sub: Subscription) -> _Feed:
        nonlocal done
        feed = await _fetch_feed(client, cleaner, vault, config, order, sub, cache.get(sub.url),
                                 index, now)
        done += 1
        if progress:
            progress("fetch", done, len(subs))
        return feed

    with Cleaner() as cleaner:
        async with HttpClient(config.fetch, base_dir=vault.root) as client:
            tasks = [asyncio.create_task(one(i, s)) for i, s in enumerate(subs)]
            pending = set(tasks)
            while pending:
                _, pending = await asyncio.wait(pending, timeout=STOP_POLL)
                if pending and should_stop():
                    for task in pending:
                        task.cancel()
                    await asyncio.wait(pending)
                    break
            return [_stopped(i, s) if t.cancelled() else t.result()
                    for (i, s), t in zip(enumerate(subs), tasks, strict=True)]


def _stopped(order: int, sub: Subscription) -> _Feed:
    return _Feed(order, sub, FeedResult(sub.site, sub.url, ERROR, error="not fetched: the run was stopped"))


async def _fetch_feed(client: HttpClient, cleaner: Cleaner, vault: Vault, config: Config, order: int,
                      sub: Subscription, cached: Validators | None, index: Index,
                      now: datetime) -> _Feed:
    """Fetch, parse and prepare one feed; every failure becomes this feed's error."""
    started = time.monotonic()
    feed = _Feed(order, sub, FeedResult(sub.site, sub.url, OK))
    try:
        fetched = await client.fetch_feed(sub.url, cached)
        feed.result = replace(feed.result, http_status=fetched.status if fetched.status else None)
        if fetched.status == 304:
            feed.result = replace(feed.result, status=NOT_MODIFIED)
        else:
            parsed = await asyncio.to_thread(parse_feed, fetched.body, url=fetched.url,
                                             content_type=fetched.content_type)
            notes = list(parsed.notes)
            await _prepare(feed, parsed.entries, client, vault, config, index, now, notes, cleaner)
            feed.validators = Validators.of(fetched)
            if notes:
                feed.result = replace(feed.result, error="; ".join(_dedupe(notes)))
    except NewsvaultError as exc:  # fetch/parse failures, a bad [content] setting
        feed.result = replace(feed.result, status=ERROR, error=str(exc),
                              http_status=exc.status if isinstance(exc, HttpError) else feed.result.http_status)
    except Exception as exc:  # a bug must cost one feed, not the run
        feed.result = replace(feed.result, status=ERROR, error=f"internal error: {type(exc).__name__}: {exc}")
    # Articles prepared before a failure are still written; the validators are not
    # stored (they are set only on success), so the next run reads the feed in full.
    feed.result = replace(feed.result, duration=time.monotonic() - started)
    feed.pending = len(feed.articles)
    return feed


async def _prepare(feed: _Feed, entries: Sequence[Entry], client: HttpClient, vault: Vault,
                   config: Config, index: Index, now: datetime, notes: list[str],
                   cleaner: Cleaner) -> None:
    """Entries not yet archived → articles with cleaned content; counts seen and skipped."""
    options = ContentOptions.for_subscription(config.content, feed.sub, config.site.base_path)
    entries, shared = distinct_items(entries)  # the dedup rule: docs/identity.md
    if shared:
        notes.append(f"{len(shared)} {'guid is' if len(shared) == 1 else 'guids are'} shared by "
                     f"items with different links (e.g. {shared[0][:80]!r}); each item is "
                     "archived as its own article")
    fresh: list[tuple[int, Entry]] = []
    seen = skipped = 0
    known = index.known((e.link, guid_key(e.guid, feed.sub.url)) for e in entries)
    for position, (entry, archived) in enumerate(zip(entries, known, strict=True)):
        if not entry.link:
            skipped += 1
        elif archived:
            seen += 1
        else:
            fresh.append((position, entry))
    notes.extend(date_notes((entry for _, entry in fresh), now))
    if options.images != "local" and options.fulltext_rule is None:  # no network needed
        results = await cleaner.clean([(e.content, e.link or "") for _, e in fresh], options)
    else:
        results = [await prepare_content(e.content, e.link or "", options=options, fetcher=client,
                                         assets_dir=vault.assets_dir) for _, e in fresh]
    for (position, entry), content in zip(fresh, results, strict=True):
        notes.extend(content.notes)
        feed.articles.append((position, to_article(entry, feed.sub, now=now, content=content.html)))
    if skipped:
        notes.append(f"{skipped} entries without a link skipped")
    feed.result = replace(feed.result, seen=seen, skipped=skipped)


def _write_all(vault: Vault, index: Index, feeds: list[_Feed], should_stop: Callable[[], bool],
               progress: Progress | None, layout: str) -> bool:
    """Write the run's new articles in date order, once each; True when stopped early."""
    queue = sorted(((article, feed.order, position, feed) for feed in feeds
                    for position, article in feed.articles), key=lambda t: (t[0].date, t[1], t[2]))
    # Each post is fsynced (file and folder) when there are few; a big run (a first
    # fetch of many feeds) skips that — two fsyncs cost ~1.5 ms per post, 45 s for
    # 30,000 — and makes everything durable with one sync at the end, before the HTTP
    # validators that would hide these articles from the next run are stored.
    # The index gets the same treatment (no fsync at its checkpoints until the sync).
    fsync_each = len(queue) <= FSYNC_EACH_MAX
    synchronous = index.db.execute("PRAGMA synchronous").fetchone()[0]
    if not fsync_each:
        index.db.execute("PRAGMA synchronous=OFF")
    try:
        with index.batch():  # one commit for the run's rows, not one per post
            return _write_queue(vault, index, queue, should_stop, progress, fsync_each, layout)
    finally:
        if not fsync_each:
            os.sync()
            index.db.execute(f"PRAGMA synchronous={int(synchronous)}")


def _write_queue(vault: Vault, index: Index, queue: list[tuple[Article, int, int, _Feed]],
                 should_stop: Callable[[], bool], progress: Progress | None, fsync: bool,
                 layout: str) -> bool:
    links: set[str] = set()
    guids: set[str] = set()
    for done, (article, _order, _position, feed) in enumerate(queue):
        if should_stop():
            return True
        link, guid = normalize_link(article.link), article.guid
        if link in links or (guid and guid in guids):
            feed.result = replace(feed.result, seen=feed.result.seen + 1)
        else:
            saved = save_post(vault.posts_dir, article, fsync=fsync, layout=layout)
            index.add(saved.path, article, saved.data)
            feed.result = replace(feed.result, new=feed.result.new + 1)
            links.add(link)
            if guid:
                guids.add(guid)
        feed.pending -= 1
        if progress:
            progress("write", done + 1, len(queue))
    return False


def _dedupe(notes: list[str], keep: int = 5) -> list[str]:
    """Distinct notes, at most ``keep`` of them (a feed with 30 broken images is one line)."""
    unique = list(dict.fromkeys(notes))
    if len(unique) > keep:
        return unique[:keep] + [f"and {len(unique) - keep} more"]
    return unique
