"""``fetch_vault``: read every enabled subscription and archive each new article once.

    subscriptions ─► fetch (HTTP, concurrent) ─► parse ─► dedup against the index
        ─► budget (new posts per feed) ─► content (clean, images, full text; concurrent)
        ─► as soon as the feed is ready: write its posts + index rows + provenance lines
        ─► at the end: store HTTP validators and the per-feed results

Every feed is one task, and a feed's posts are written the moment that feed is ready,
so a run cut at any point — a deadline, a stop, a killed job — has archived everything
that finished. The bounds that keep a run predictable (see docs/resilience.md):

- ``[fetch] run_deadline``: past it, feeds still in flight are cancelled (what they had
  prepared is written; the rest waits for the next run, which reads them in full);
- ``feed_deadline`` per feed request, ``feed_budget`` for a feed's full-text pages and
  images, ``article_deadline`` per article: an article that runs out keeps the feed's
  own content, with a note (nothing is lost);
- ``max_new_per_feed``: the oldest new entries first, the rest left for the next run.

**The ``-N`` order rule.** Within a feed, posts are written in (date, entry order), so
two of its articles of one name get the same ``-2`` on every run; between feeds, the
feed that is ready first writes first. The same article reaching us through two feeds
is written once, credited to the feed written first. ``should_stop`` is checked before
each article: a SIGTERM finishes the post being written, and feeds whose articles were
not all written keep their old HTTP validators so nothing is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from newsvault import __version__
from newsvault.archive import provenance
from newsvault.archive.articles import article_date, date_notes, to_article
from newsvault.archive.fields import format_date
from newsvault.archive.identity import distinct_items, guid_key, normalize_link
from newsvault.archive.index import Index
from newsvault.archive.posts import read_post
from newsvault.archive.store import Names, save_post
from newsvault.config import Config
from newsvault.content import ContentOptions, ContentResult, ImageStore, clean_html, prepare_content
from newsvault.content.pool import Cleaner
from newsvault.errors import FetchError, NewsvaultError
from newsvault.evidence import feeds as feed_items
from newsvault.fetch import state
from newsvault.fetch.feeds import parse_feed
from newsvault.fetch.http import HttpClient, Validators
from newsvault.fetch.report import ERROR, NOT_MODIFIED, OK, FeedResult, FetchReport
from newsvault.lock import locked
from newsvault.models import Article, Entry, Subscription
from newsvault.subscriptions import load_subscriptions
from newsvault.urls import is_absolute_http
from newsvault.vault import Vault

log = logging.getLogger(__name__)  # `-v` shows INFO, `-vv` DEBUG (cli/common.py)

Progress = Callable[[str, int, int], None]  # (phase "fetch"|"write", done, total)
FSYNC_EACH_MAX = 200  # past this many posts in a run, one sync at the end instead of two per post
STOP_POLL = 0.2  # seconds between should_stop() checks while feeds are being fetched


@dataclass
class _Prepared:
    position: int  # entry order in the feed
    article: Article
    guid: str | None  # the guid as the feed gave it (for the provenance record)
    content: ContentResult | None = None  # where the body came from (provenance)


@dataclass
class _Feed:
    """One subscription's work in progress (mutable only inside this module)."""

    order: int
    sub: Subscription
    result: FeedResult
    articles: list[_Prepared] = field(default_factory=list)  # prepared, not yet written
    validators: Validators | None = None  # to store once every article is written
    pending: int = 0  # new entries not yet written (or judged duplicate)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: bool = False  # its task is over (written, failed, or cut and salvaged)
    # (link, guid key, date, digest) as read: evidence/feeds.py
    items: list[tuple[str, str | None, str, str | None]] | None = None


def fetch_vault(
    vault: Vault,
    config: Config,
    *,
    now: datetime,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    deadline: float | None = None,
) -> FetchReport:
    """Fetch all enabled feeds of ``vault`` and write their new articles; never raises for
    a single feed's failure (it is in the report). Config errors (subs.json) do raise.

    ``deadline``: seconds for the whole run (default ``[fetch] run_deadline``; 0 = none).
    Holds the vault lock (LockedError while another run has it)."""
    started = time.monotonic()
    subs = [s for s in load_subscriptions(vault.subs_file) if s.enabled]
    for sub in subs:  # a bad [content] setting is a config error (exit 2), not N feed errors
        ContentOptions.for_subscription(config.content, sub, config.site.base_path)
    seconds = config.fetch.run_deadline if deadline is None else deadline
    with locked(vault, "newsvault fetch"), Index.open(vault) as index:
        state.ensure_schema(index.db)
        run = _Run(
            vault,
            config,
            index,
            now,
            progress,
            should_stop,
            started + seconds if seconds > 0 else None,
        )
        run.reconstruct()
        feeds = asyncio.run(run.fetch_all(subs))
        if run.unsynced:
            os.sync()  # before the validators that would hide these articles are stored
        for feed in feeds:
            if feed.validators is not None and feed.pending == 0:
                state.store_validators(index.db, feed.sub.url, feed.validators, now)
        results = tuple(feed.result for feed in feeds)
        state.record_results(index.db, now, results)
        feed_items.ensure_schema(index.db)
        for feed in feeds:  # what revisits ask: is an item still in its feed? (evidence/feeds.py)
            if feed.result.status == NOT_MODIFIED or (
                feed.result.status != ERROR and feed.items is not None
            ):
                feed_items.store(index.db, feed.sub.url, feed.items, now)
    for r in results:
        log.info(
            "%s (%s): %s%s, %d new, %d seen, %d skipped, %.2f s%s",
            r.site,
            r.url,
            r.status,
            f" HTTP {r.http_status}" if r.http_status else "",
            r.new,
            r.seen,
            r.skipped,
            r.duration,
            f": {r.error}" if r.error else "",
        )
    return FetchReport(
        now=now,
        feeds=results,
        stopped=run.stopped or should_stop(),
        duration=time.monotonic() - started,
        deadline_reached=run.cut,
        notes=tuple(run.notes),
    )


class _Run:
    """One fetch run's shared state: the client, the index, the run-wide budgets."""

    def __init__(
        self,
        vault: Vault,
        config: Config,
        index: Index,
        now: datetime,
        progress: Progress | None,
        should_stop: Callable[[], bool],
        deadline_at: float | None,
    ) -> None:
        self.vault, self.config, self.index, self.now = vault, config, index, now
        self.progress, self.should_stop, self.deadline_at = progress, should_stop, deadline_at
        self.names = Names()
        self.posts_dir = vault.posts_dir  # one Path for the run (layout's cache is keyed by it)
        self.links: set[str] = set()
        self.guids: set[str] = set()
        self.written = 0
        self.expected = 0  # new entries found so far (the total of the write progress)
        self.unsynced = False
        self.stopped = False
        self.cut = False  # the run deadline was reached
        self.notes: list[str] = []

    # provenance of posts that have none yet --------------------------------------------
    def reconstruct(self) -> None:
        """Give every post without a provenance line one, made from the post file and
        marked ``reconstructed`` (posts archived before the record existed, imported or
        adopted ones): from then on the record names every post of the archive."""
        records = []
        for row in self.index.unrecorded():
            try:
                post = read_post(self.vault.root / row.file)
            except (NewsvaultError, OSError, ValueError):
                continue
            if post.broken or not post.article.link:
                continue
            records.append(
                provenance.Record(
                    post=row.file,
                    link=post.article.link,
                    seen=post.article.date,
                    reconstructed=True,
                )
            )
        self.index.record(records)
        if records:
            self.notes.append(
                f"provenance reconstructed from the post files for {len(records)} "
                "posts archived without it"
            )

    # fetching --------------------------------------------------------------------------
    async def fetch_all(self, subs: list[Subscription]) -> list[_Feed]:
        """All feeds concurrently (the client enforces the limits). A stop request cancels
        the feeds in flight; the run deadline does too, after writing what they prepared."""
        cache = state.load_validators(self.index.db)
        feeds = [_Feed(i, s, FeedResult(s.site, s.url, OK)) for i, s in enumerate(subs)]
        done = 0

        async def one(feed: _Feed) -> None:
            nonlocal done
            await self._feed(feed, cache.get(feed.sub.url))
            done += 1
            if self.progress:
                self.progress("fetch", done, len(feeds))

        content = self.config.content
        with Cleaner() as self.cleaner:
            async with HttpClient(self.config.fetch, base_dir=self.vault.root) as self.client:
                self.images = ImageStore(
                    self.client,
                    self.vault.assets_dir,
                    content.max_image_bytes,
                    self.config.site.base_path,
                    max_run_bytes=content.max_image_bytes_per_run,
                )
                tasks = {asyncio.create_task(one(f)): f for f in feeds}
                pending = set(tasks)
                while pending:
                    wait = STOP_POLL
                    if self.deadline_at is not None:
                        wait = max(0.0, min(wait, self.deadline_at - time.monotonic()))
                    _, pending = await asyncio.wait(pending, timeout=wait)
                    if not pending:
                        break
                    if self.should_stop():
                        self.stopped = True
                        await self._cancel(pending, tasks, "the run was stopped", salvage=False)
                    elif self.deadline_at is not None and time.monotonic() >= self.deadline_at:
                        self.cut = True
                        self.notes.append(
                            f"the run deadline was reached: {len(pending)} feeds "
                            "not finished, left for the next run"
                        )
                        await self._cancel(
                            pending, tasks, "the run deadline was reached", salvage=True
                        )
                    else:
                        continue
                    break
                if self.images.over_run_budget:
                    self.notes.append(
                        f"the image budget of the run ({content.max_image_bytes_per_run:,}"
                        " bytes) was reached: later images keep their remote URLs"
                    )
        for feed in feeds:
            feed.result = replace(
                feed.result,
                duration=time.monotonic() - feed.started,
                error=_message(feed) or feed.result.error,
            )
        return feeds

    async def _cancel(
        self,
        pending: set[asyncio.Task[None]],
        tasks: dict[asyncio.Task[None], _Feed],
        why: str,
        *,
        salvage: bool,
    ) -> None:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending)
        for task in pending:
            feed = tasks[task]
            if feed.finished:
                continue
            if salvage and feed.articles and not self.should_stop():
                self._write(feed)
            fetched = feed.result.http_status is not None or feed.pending
            left = f"{feed.pending} new articles left for the next run" if feed.pending else ""
            text = (
                (f"{why}: " + (left or "nothing left to write"))
                if fetched
                else f"not fetched: {why}"
            )
            feed.result = replace(feed.result, status=ERROR, error=text)
            feed.pending = max(feed.pending, 1)  # its validators must not hide anything

    async def _feed(self, feed: _Feed, cached: Validators | None) -> None:
        """Fetch, parse, prepare and write one feed; every failure becomes this feed's error."""
        sub = feed.sub
        try:
            fetched = await self.client.fetch_feed(sub.url, cached)
            feed.result = replace(feed.result, http_status=fetched.status or None)
            if fetched.status == 304:
                feed.result = replace(feed.result, status=NOT_MODIFIED)
            else:
                parsed = await asyncio.to_thread(
                    parse_feed, fetched.body, url=fetched.url, content_type=fetched.content_type
                )
                feed.notes.extend(parsed.notes)
                feed.items = [
                    (
                        normalize_link(e.link),
                        guid_key(e.guid, sub.url) if e.guid else None,
                        format_date(article_date(e, self.now)),
                        feed_items.digest(e),
                    )
                    for e in parsed.entries
                    if e.link
                ]
                await self._prepare(feed, parsed.entries)
                feed.validators = Validators.of(fetched)
        except FetchError as exc:  # fetch and parse failures
            feed.result = replace(
                feed.result,
                status=ERROR,
                error=str(exc),
                http_status=exc.status or feed.result.http_status,
            )
        except NewsvaultError as exc:  # a bad [content] setting
            feed.result = replace(feed.result, status=ERROR, error=str(exc))
        except Exception as exc:  # a bug must cost one feed, not the run
            feed.result = replace(
                feed.result, status=ERROR, error=f"internal error: {type(exc).__name__}: {exc}"
            )
        # Articles prepared before a failure are still written; the validators are not
        # stored (they are set only on success), so the next run reads the feed in full.
        try:
            self._write(feed)
        except Exception as exc:  # a bug in writing must cost one feed, not the run
            feed.result = replace(
                feed.result,
                status=ERROR,
                error=f"internal error while writing: {type(exc).__name__}: {exc}",
            )
        feed.finished = True

    async def _prepare(self, feed: _Feed, entries: Sequence[Entry]) -> None:
        """Entries not yet archived → articles with cleaned content; counts seen and skipped."""
        sub, config = feed.sub, self.config
        options = ContentOptions.for_subscription(config.content, sub, config.site.base_path)
        entries, shared = distinct_items(entries)  # the dedup rule: docs/identity.md
        if shared:
            feed.notes.append(
                f"{len(shared)} {'guid is' if len(shared) == 1 else 'guids are'} "
                f"shared by items with different links (e.g. {shared[0][:80]!r}); "
                "each item is archived as its own article"
            )
        known = self.index.known((e.link, guid_key(e.guid, sub.url)) for e in entries)
        fresh: list[tuple[int, Entry]] = []
        seen = skipped = foreign = 0
        for position, (entry, archived) in enumerate(zip(entries, known, strict=True)):
            if not entry.link:
                skipped += 1
            elif not is_absolute_http(entry.link):
                foreign += 1  # file:, javascript:, data:…: never a post, never "the original"
            elif archived:
                seen += 1
            else:
                fresh.append((position, entry))
        if skipped:
            feed.notes.append(f"{skipped} entries without a link skipped")
        if foreign:
            feed.notes.append(
                f"{foreign} entries skipped: their link is not a web address "
                "(only http and https links are archived)"
            )
        budget = config.fetch.max_new_per_feed
        if len(fresh) > budget:  # the oldest first: feeds drop their oldest items first
            fresh.sort(key=lambda pe: (article_date(pe[1], self.now), pe[0]))
            left = len(fresh) - budget
            fresh = fresh[:budget]
            feed.notes.append(
                f"{left} new entries left for the next run (at most {budget} new "
                "posts per feed per run: [fetch] max_new_per_feed)"
            )
            feed.pending += left  # not written: the validators must not hide them
        feed.notes.extend(date_notes((entry for _, entry in fresh), self.now))
        feed.result = replace(feed.result, seen=seen, skipped=skipped + foreign)
        feed.pending += len(fresh)
        self.expected += len(fresh)
        if options.images != "local" and options.fulltext_rule is None:  # no network needed
            results = await self.cleaner.clean(
                [(e.content, e.link or "") for _, e in fresh], options
            )
            for (position, entry), content in zip(fresh, results, strict=True):
                self._add(feed, position, entry, content)
            return
        budget_at = time.monotonic() + config.fetch.feed_budget
        await asyncio.gather(
            *(self._article(feed, position, entry, options, budget_at) for position, entry in fresh)
        )

    async def _article(
        self, feed: _Feed, position: int, entry: Entry, options: ContentOptions, budget_at: float
    ) -> None:
        """One article's full text and images, within its deadline and the feed's budget;
        past either, the feed's own content (and remote images) with a note."""
        fetch = self.config.fetch
        ends = min(time.monotonic() + fetch.article_deadline, budget_at)
        link = entry.link or ""
        try:
            async with asyncio.timeout(max(0.0, ends - time.monotonic())):
                content = await prepare_content(
                    entry.content,
                    link,
                    options=options,
                    fetcher=self.client,
                    assets_dir=self.vault.assets_dir,
                    image_store=self.images,
                )
        except TimeoutError:
            which = "the feed's budget" if ends == budget_at else "the article deadline"
            limit = fetch.feed_budget if ends == budget_at else fetch.article_deadline
            fallback = (
                replace(options, images="proxy" if options.image_proxy else "keep")
                if options.images == "local"
                else options
            )
            content = clean_html(entry.content, link, fallback)
            content = replace(
                content,
                notes=(
                    f"full text and images of {link} not done within "
                    f"{which} ({limit:g} s); kept the feed's content",
                ),
            )
        self._add(feed, position, entry, content)

    def _add(self, feed: _Feed, position: int, entry: Entry, content: ContentResult) -> None:
        feed.notes.extend(content.notes)
        article = to_article(entry, feed.sub, now=self.now, content=content.html)
        feed.articles.append(_Prepared(position, article, entry.guid, content))

    # writing ---------------------------------------------------------------------------
    def _write(self, feed: _Feed) -> None:
        """Write a ready feed's prepared posts, oldest first (then entry order), once each.

        Each post is fsynced (file and folder) while the run has written few; a big run
        (a first fetch of many feeds) stops doing that — two fsyncs cost ~1.5 ms per
        post, 45 s for 30,000 — and makes everything durable with one sync at the end,
        before the HTTP validators that would hide these articles are stored. The index
        rows of a feed share one transaction (it is a cache, rebuilt from the files)."""
        queue = sorted(feed.articles, key=lambda p: (p.article.date, p.position))
        feed.articles = []
        if not queue:
            return
        records: list[provenance.Record] = []
        try:
            with self.index.batch():
                for item in queue:
                    if self.should_stop():
                        self.stopped = True
                        break
                    self._write_one(feed, item, records)
                fsync = self.written <= FSYNC_EACH_MAX
                self.index.record(records, fsync=fsync)
        except NewsvaultError as exc:  # the index or provenance file: this feed's error
            feed.result = replace(feed.result, status=ERROR, error=str(exc))

    def _write_one(self, feed: _Feed, item: _Prepared, records: list[provenance.Record]) -> None:
        article = item.article
        link, guid = normalize_link(article.link), article.guid
        if link in self.links or (guid and guid in self.guids):
            feed.result = replace(feed.result, seen=feed.result.seen + 1)
            feed.pending -= 1
            return
        fsync = self.written < FSYNC_EACH_MAX
        try:
            saved = save_post(
                self.posts_dir,
                article,
                fsync=fsync,
                names=self.names,
                layout=self.config.archive.layout,
            )
        except NewsvaultError as exc:  # this article is not written; the next run retries
            feed.notes.append(f"not written: {exc}")
            return
        self.unsynced |= not fsync
        if saved.written:
            self.index.add(saved.path, article, saved.data)
            records.append(
                provenance_record(
                    self.index.name(saved.path), article, self.now, feed.sub.url, item, saved.data
                )
            )
            feed.result = replace(feed.result, new=feed.result.new + 1)
            self.written += 1
        else:
            feed.result = replace(feed.result, seen=feed.result.seen + 1)
        self.links.add(link)
        if guid:
            self.guids.add(guid)
        feed.pending -= 1
        if self.progress:
            self.progress("write", self.written, max(self.written, self.expected))


def provenance_record(
    post: str, article: Article, now: datetime, feed_url: str, item: _Prepared, data: bytes | None
) -> provenance.Record:
    """The provenance line of a post just written (docs/provenance.md, version 2)."""
    content = item.content
    return provenance.Record(
        post=post,
        link=article.link,
        seen=now,
        feed=feed_url,
        guid=item.guid,
        final_url=content.final_url if content else None,
        status=content.status if content else None,
        sha256=hashlib.sha256(data).hexdigest() if data is not None else None,
        body_sha256=hashlib.sha256(article.content.encode("utf-8", "surrogatepass")).hexdigest(),
        source=content.source if content else "feed",
        newsvault=__version__,
    )


def _message(feed: _Feed) -> str | None:
    notes = _dedupe(feed.notes)
    if feed.result.status == ERROR:
        return "; ".join([feed.result.error or "error", *notes]) if notes else feed.result.error
    return "; ".join(notes) if notes else None


def _dedupe(notes: list[str], keep: int = 5) -> list[str]:
    """Distinct notes, at most ``keep`` of them (a feed with 30 broken images is one line)."""
    unique = list(dict.fromkeys(notes))
    if len(unique) > keep:
        return unique[:keep] + [f"and {len(unique) - keep} more"]
    return unique
