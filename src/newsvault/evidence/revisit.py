"""``revisit_vault``: look at the articles that are due again, and record what is there.

    index (due tracks) ─► conditional GET (the fetch stage's client: same limits and
    per-host politeness) ─► classify (verdicts.py) ─► fingerprint (normalize.py)
    ─► revision file (atomic), then one observation line (_evidence/; synced once a pass)
    ─► the index folds the new lines (tracks.sync)

Bounded per run by ``[evidence] max_requests`` and ``time_budget`` (the longest overdue
first; the rest stay due, so a backlog drains over several runs). A host whose feed
failed in this run, or that timed out / answered 5xx / refused during the revisits, is
skipped for the rest of the run: an outage is never evidence, and its articles stay
due. Crash-safe: a kill before a line is written loses only that revisit (still due);
after it, the next run folds the line into the index.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsvault.archive.identity import guid_key
from newsvault.archive.index import Index
from newsvault.archive.posts import read_post
from newsvault.charset import decode_html
from newsvault.config import Config
from newsvault.errors import FetchError, NewsvaultError
from newsvault.evidence import feeds as feed_items
from newsvault.evidence import records, tracks
from newsvault.evidence.normalize import fingerprint, select_body
from newsvault.evidence.verdicts import OK, TRANSIENT, classify, markers_for
from newsvault.fetch.http import HttpClient, HttpError
from newsvault.fetch.validators import Validators
from newsvault.models import Fetched, Subscription
from newsvault.subscriptions import load_subscriptions
from newsvault.vault import Vault

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RevisitReport:
    """What one revisit pass did (``--json``: :meth:`to_json`)."""

    now: datetime
    due: int = 0  # due at the start (up to the request budget's look-ahead)
    done: int = 0  # revisits recorded
    requests: int = 0
    left: int = 0  # still due (budget, time, skipped hosts)
    revisions: tuple[str, ...] = ()  # posts with a new revision
    verdicts: tuple[tuple[str, str], ...] = ()  # (post, reason)
    cleared: tuple[str, ...] = ()
    transient: int = 0  # outages met (not evidence)
    skipped_hosts: tuple[str, ...] = ()
    duration: float = 0.0
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "done": self.done,
            "requests": self.requests,
            "left": self.left,
            "revisions": list(self.revisions),
            "verdicts": [list(v) for v in self.verdicts],
            "cleared": list(self.cleared),
            "transient": self.transient,
            "skipped_hosts": list(self.skipped_hosts),
            "duration": round(self.duration, 3),
            "notes": list(self.notes),
        }


@dataclass
class _Pass:
    vault: Vault
    config: Config
    index: Index
    now: datetime
    rules: tracks.Rules
    subs: dict[str, Subscription]
    failing: set[str]
    progress: Progress | None
    should_stop: Callable[[], bool]
    lines: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    written: set[Path] = field(default_factory=set)  # _evidence/ files appended to
    requests: int = 0  # HTTP requests sent (redirect hops included; HttpClient.sent)
    transient: int = 0
    done: int = 0

    def selector(self, track: tracks.Track) -> str | None:
        sub = self.subs.get(track.feed or "")
        rule = sub.fulltext if sub else False
        return rule if isinstance(rule, str) and rule != "auto" else None

    async def one(self, client: HttpClient, track: tracks.Track, total: int) -> None:
        if track.host in self.failing or self.should_stop():
            return
        validators = (
            Validators(track.etag, track.last_modified)
            if (track.etag or track.last_modified)
            else None
        )
        fetched: Fetched | None = None
        error: str | None = None
        status: int | None
        try:
            fetched = await client.fetch_page(track.link, validators)
            status = fetched.status
        except HttpError as exc:
            status, error = exc.status, str(exc)
        except FetchError as exc:  # limits, blocked addresses, bad redirects
            status, error = None, str(exc)
        await asyncio.sleep(0)
        self.observe(track, fetched, status, error)
        self.done += 1
        if self.progress:
            self.progress("revisit", self.done, total)

    def observe(
        self, track: tracks.Track, fetched: Fetched | None, status: int | None, error: str | None
    ) -> None:
        ev = self.config.evidence
        sub = self.subs.get(track.feed or "")
        site = sub.site if sub else ""
        text = (
            decode_html(fetched.body, fetched.content_type)
            if fetched is not None and fetched.body
            else ""
        )
        member = feed_items.in_feed(
            self.index.db,
            track.feed,
            track.link,
            guid_key(track.guid, track.feed or "") if track.guid else None,
            track.date,
            self.now,
        )
        outcome = classify(
            at=self.now,
            link=track.link,
            status=status,
            final_url=fetched.url if fetched else None,
            text=text,
            error=error,
            in_feed=member,
            markers=markers_for(site, ev.markers),
            generic=ev.generic.get(site, ()),
        )
        if outcome.kind == TRANSIENT:
            self.transient += 1
            self.failing.add(track.host)  # the host is out: nothing more asked of it this run
            return
        fp = body = None
        if outcome.kind == OK and text:
            body = select_body(text, self.selector(track))
            fp = fingerprint(body, fetched.url if fetched else track.link)
        headers = {k.lower(): v for k, v in fetched.headers} if fetched is not None else {}
        revision_file = revision_sha = None
        if (
            body is not None
            and fp
            and track.baseline
            and fp != track.baseline
            and fp not in track.versions
        ):
            data = body.encode("utf-8", "surrogatepass")
            path = records.revision_path(self.vault.root, track.post, fp)
            records.write_revision(path, data)
            revision_file = path.relative_to(self.vault.root).as_posix()
            revision_sha = hashlib.sha256(data).hexdigest()
        line = tracks.decide(
            track,
            outcome,
            fingerprint=fp,
            rules=self.rules,
            etag=headers.get("etag") if status != 304 else None,
            last_modified=headers.get("last-modified") if status != 304 else None,
            revision_file=revision_file,
            revision_sha256=revision_sha,
        )
        if status == 304:  # unchanged: keep the validators we sent
            line.pop("etag", None), line.pop("last_modified", None)
        # Appended at once (a kill loses nothing written); synced to disk once per pass.
        self.written.update(
            records.append(self.vault.root / records.FOLDER, [(self.now, line)], fsync=False)
        )
        self.lines.append((self.now, line))


def revisit_vault(
    vault: Vault,
    config: Config,
    *,
    now: datetime,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    failing_hosts: Iterable[str] = (),
) -> RevisitReport:
    """Revisit the articles due at ``now`` within the run's budgets; never raises for one
    article's failure (it is evidence, or an outage, in the report)."""
    started = time.monotonic()
    ev = config.evidence
    rules = tracks.Rules.of(ev)
    subs = {s.url: s for s in load_subscriptions(vault.subs_file)}  # a broken subs.json: exit 2
    with Index.open(vault) as index:
        with index.db:
            index.db.execute("BEGIN IMMEDIATE")
            feed_items.ensure_schema(index.db)
            tracks.sync(index.db, vault.root, rules, baselines=_baselines(vault))
            tracks.left_feeds(index.db, now)
        off = {url for url, s in subs.items() if not s.revisit}
        candidates = [
            t
            for t in tracks.due(index.db, now, max(ev.max_requests, 0) * 4 + 100)
            if t.feed not in off
        ]
        failing = set(failing_hosts)
        skipped = {t.host for t in candidates if t.host in failing}
        todo = [t for t in candidates if t.host not in failing][: ev.max_requests]
        work = _Pass(vault, config, index, now, rules, subs, failing, progress, should_stop)
        if todo:
            asyncio.run(_run(work, todo, ev.time_budget))
        for path in work.written:  # durable before the index counts them as read
            fsync_file(path)
        with index.db:
            index.db.execute("BEGIN IMMEDIATE")
            tracks.sync(index.db, vault.root, rules, baselines=_baselines(vault))
        left = index.db.execute(
            "SELECT count(*) FROM revisits WHERE due IS NOT NULL AND due <= ?",
            (records.stamp(now),),
        ).fetchone()[0]
    lines = [line for _, line in work.lines]
    skipped |= {t.host for t in todo if t.host in work.failing}
    return RevisitReport(
        now=now,
        due=len(candidates),
        done=len(lines),
        requests=work.requests,
        left=int(left),
        revisions=tuple(str(ln["post"]) for ln in lines if "revision" in ln),
        verdicts=tuple(
            (str(ln["post"]), str(ln["verdict"]["reason"])) for ln in lines if "verdict" in ln
        ),
        cleared=tuple(str(ln["post"]) for ln in lines if "cleared" in ln),
        transient=work.transient,
        skipped_hosts=tuple(sorted(skipped)),
        duration=time.monotonic() - started,
    )


async def _run(work: _Pass, todo: list[tracks.Track], budget: float) -> None:
    by_host: dict[str, list[tracks.Track]] = {}
    for track in todo:
        by_host.setdefault(track.host, []).append(track)

    async def host(client: HttpClient, queue: list[tracks.Track]) -> None:
        # One probe first: a host that is out costs one request, not one per article.
        await work.one(client, queue[0], len(todo))
        await asyncio.gather(*(work.one(client, t, len(todo)) for t in queue[1:]))

    async with HttpClient(work.config.fetch, base_dir=work.vault.root) as client:
        tasks = [asyncio.create_task(host(client, queue)) for queue in by_host.values()]
        _done, pending = await asyncio.wait(tasks, timeout=budget if budget > 0 else None)
        for task in pending:  # past the time budget: still due, for the next run
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        work.requests = client.sent


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _baselines(vault: Vault) -> Callable[[str, str | None], str | None]:
    """A new track's starting version: the archived body itself when it was taken from
    the page by the subscription's selector (the revisit extracts the same part); for
    feed content and automatic extraction the first revisit sets it."""

    def baseline(post: str, source: str | None) -> str | None:
        if source != "selector":
            return None
        try:
            article = read_post(vault.root / post).article
        except (NewsvaultError, OSError, ValueError):
            return None
        return fingerprint(article.content, article.link)

    return baseline
