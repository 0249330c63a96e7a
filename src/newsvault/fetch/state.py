"""The fetch stage's tables in the vault index (``.newsvault/index.sqlite``).

    fetch_http_cache  url → ETag / Last-Modified of the last fully archived response
    fetch_log         one row per feed per run: status, HTTP status, error, new, seen, time
                      (the newest ``KEEP_RUNS`` per feed; older ones are folded into…)
    fetch_totals      per feed: runs, articles, last success and trailing failures of the
                      pruned rows, so years of hourly runs keep the table small and the
                      health numbers exact
    fetch_arrivals    per feed: when runs brought new articles (the newest
                      ``health.KEEP_ARRIVALS``), for its usual rhythm and silence

Like the rest of the index these are a cache: deleting ``.newsvault/`` only costs one
unconditional fetch per feed and the health history. The tables carry their own schema
version (``fetch_meta``) so they never fight the archive stage over ``user_version``.
Validators are stored only after a feed's articles are safely written: a run killed
half-way must not leave a 304 hiding articles that were never archived.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from newsvault.errors import ArchiveError
from newsvault.fetch.health import KEEP_ARRIVALS, rhythm
from newsvault.fetch.report import FeedResult
from newsvault.fetch.validators import Validators

SCHEMA_VERSION = 3  # 3: fetch_arrivals
KEEP_RUNS = 500  # log rows kept per feed (three weeks of hourly runs)
SCHEMA = """
CREATE TABLE IF NOT EXISTS fetch_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fetch_http_cache (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, stored_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fetch_log (
    id INTEGER PRIMARY KEY, run_at TEXT NOT NULL, site TEXT NOT NULL, url TEXT NOT NULL,
    status TEXT NOT NULL, http_status INTEGER, error TEXT, new INTEGER NOT NULL,
    seen INTEGER NOT NULL, duration REAL NOT NULL);
CREATE INDEX IF NOT EXISTS fetch_log_by_url ON fetch_log (url, id);
CREATE TABLE IF NOT EXISTS fetch_totals (
    url TEXT PRIMARY KEY, site TEXT NOT NULL, runs INTEGER NOT NULL, archived INTEGER NOT NULL,
    last_success TEXT, trailing_failures INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fetch_arrivals (
    url TEXT NOT NULL, at TEXT NOT NULL, new INTEGER NOT NULL, PRIMARY KEY (url, at));
"""


@dataclass(frozen=True)
class FeedHealth:
    """What ``newsvault status`` and the sources page show for one feed (fetch/health.py)."""

    site: str
    url: str
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    archived: int
    runs: int
    last_attempt: datetime | None = None
    last_new: datetime | None = None  # the last run that archived something from it
    usual_gap: float | None = None  # seconds between such runs (median); None: not known yet
    silent: bool = False  # answers, but nothing new for much longer than usual

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    def to_json(self) -> dict[str, object]:
        return {
            "site": self.site,
            "url": self.url,
            "last_success": _iso(self.last_success),
            "last_attempt": _iso(self.last_attempt),
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "last_error_at": _iso(self.last_error_at),
            "last_new": _iso(self.last_new),
            "usual_gap_s": round(self.usual_gap) if self.usual_gap is not None else None,
            "silent": self.silent,
            "archived": self.archived,
            "runs": self.runs,
        }


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the tables, or bring older ones up to this version (every change so far
    added a table, which ``CREATE … IF NOT EXISTS`` does). Tables written by a newer
    newsvault are refused rather than written in a shape it does not expect."""
    stored = stored_version(db)
    if stored is not None and stored > SCHEMA_VERSION:
        raise ArchiveError(
            f"the fetch tables of this vault's index are version {stored}, newer than this "
            f"newsvault's {SCHEMA_VERSION}: upgrade newsvault (or delete .newsvault/, a cache "
            "that costs one full fetch per feed and the feed health history)"
        )
    had = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'fetch_arrivals'").fetchone()
    db.executescript(SCHEMA)
    if not had:  # a vault from before schema 3: its kept log already knows some arrivals
        db.execute(
            "INSERT OR IGNORE INTO fetch_arrivals SELECT url, run_at, new FROM fetch_log"
            " WHERE new > 0"
        )
    db.execute(
        "INSERT OR REPLACE INTO fetch_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
    )
    db.commit()


def stored_version(db: sqlite3.Connection) -> int | None:
    """The fetch tables' schema version in ``db``; None when they do not exist yet."""
    try:
        row = db.execute("SELECT value FROM fetch_meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:  # no fetch_meta table: a new index
        return None
    try:
        return int(row[0]) if row else None
    except ValueError:
        return None


def load_validators(db: sqlite3.Connection) -> dict[str, Validators]:
    rows = db.execute("SELECT url, etag, last_modified FROM fetch_http_cache")
    return {url: Validators(etag, modified) for url, etag, modified in rows}


def store_validators(
    db: sqlite3.Connection, url: str, validators: Validators, now: datetime
) -> None:
    if not validators.etag and not validators.last_modified:
        db.execute("DELETE FROM fetch_http_cache WHERE url = ?", (url,))
    else:
        db.execute(
            "INSERT OR REPLACE INTO fetch_http_cache VALUES (?, ?, ?, ?)",
            (url, validators.etag, validators.last_modified, now.isoformat()),
        )
    db.commit()


def record_results(db: sqlite3.Connection, run_at: datetime, results: Iterable[FeedResult]) -> None:
    results = list(results)
    db.executemany(
        "INSERT INTO fetch_log (run_at, site, url, status, http_status, error, new, seen, duration)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                run_at.isoformat(),
                r.site,
                r.url,
                r.status,
                r.http_status,
                r.error,
                r.new,
                r.seen,
                round(r.duration, 3),
            )
            for r in results
        ],
    )
    db.executemany(
        "INSERT OR REPLACE INTO fetch_arrivals VALUES (?, ?, ?)",
        [(r.url, run_at.isoformat(), r.new) for r in results if r.new > 0],
    )
    for result in results:
        _prune(db, result.url, result.site)
        if result.new > 0:
            db.execute(
                "DELETE FROM fetch_arrivals WHERE url = ? AND at NOT IN (SELECT at FROM"
                " fetch_arrivals WHERE url = ? ORDER BY at DESC LIMIT ?)",
                (result.url, result.url, KEEP_ARRIVALS),
            )
    db.commit()


def _prune(db: sqlite3.Connection, url: str, site: str) -> None:
    """Fold the log rows of ``url`` beyond the newest ``KEEP_RUNS`` into fetch_totals."""
    old = db.execute(
        "SELECT run_at, status, new FROM fetch_log WHERE url = ? ORDER BY id DESC"
        " LIMIT -1 OFFSET ?",
        (url, KEEP_RUNS),
    ).fetchall()
    if not old:
        return
    runs, archived, last, trailing = _totals(db, url)
    successes = [at for at, status, _ in old if status != "error"]
    if successes:
        trailing = next(i for i, (_, status, _) in enumerate(old) if status != "error")
        last = max(filter(None, (last, successes[0])))
    else:
        trailing += len(old)
    db.execute(
        "INSERT OR REPLACE INTO fetch_totals VALUES (?, ?, ?, ?, ?, ?)",
        (url, site, runs + len(old), archived + sum(n for *_, n in old), last, trailing),
    )
    db.execute(
        "DELETE FROM fetch_log WHERE url = ? AND id NOT IN (SELECT id FROM fetch_log"
        " WHERE url = ? ORDER BY id DESC LIMIT ?)",
        (url, url, KEEP_RUNS),
    )


def _totals(db: sqlite3.Connection, url: str) -> tuple[int, int, str | None, int]:
    row = db.execute(
        "SELECT runs, archived, last_success, trailing_failures FROM fetch_totals WHERE url = ?",
        (url,),
    ).fetchone()
    return tuple(row) if row else (0, 0, None, 0)


def feed_health(db: sqlite3.Connection, url: str, site: str) -> FeedHealth:
    """Health of one feed from its log rows (newest first) and the totals of pruned ones
    (the last error's text is only known while its row is kept)."""
    rows = db.execute(
        "SELECT run_at, status, error, new FROM fetch_log WHERE url = ? ORDER BY id DESC", (url,)
    ).fetchall()
    runs, archived, pruned_success, trailing = _totals(db, url)
    last_success = next((r[0] for r in rows if r[1] != "error"), pruned_success)
    last_error = next((r for r in rows if r[1] == "error"), None)
    failures = next((i for i, r in enumerate(rows) if r[1] != "error"), len(rows) + trailing)
    last_attempt = _time(rows[0][0]) if rows else None
    arrivals = [
        _time(at) for (at,) in db.execute("SELECT at FROM fetch_arrivals WHERE url = ?", (url,))
    ]
    beat = rhythm([a for a in arrivals if a], last_attempt)
    return FeedHealth(
        site=site,
        url=url,
        last_success=_time(last_success),
        last_error=last_error[2] if last_error else None,
        last_error_at=_time(last_error[0]) if last_error else None,
        consecutive_failures=failures,
        archived=archived + sum(r[3] for r in rows),
        runs=runs + len(rows),
        last_attempt=last_attempt,
        last_new=beat.last_new,
        usual_gap=beat.usual_gap,
        silent=beat.silent and not failures,  # a failing feed is failing, not quiet
    )


def last_success_by_site(db: sqlite3.Connection) -> dict[str, datetime]:
    rows = db.execute(
        "SELECT site, MAX(at) FROM (SELECT site, run_at AS at FROM fetch_log WHERE status != 'error'"
        " UNION ALL SELECT site, last_success FROM fetch_totals WHERE last_success IS NOT NULL)"
        " GROUP BY site"
    )
    return {site: _time(at) for site, at in rows if at}  # type: ignore[misc]


def health_by_site(
    db: sqlite3.Connection, feeds: Iterable[tuple[str, str]]
) -> dict[str, FeedHealth]:
    """The health of each site's feeds ((site, url) pairs), one per site. A site with
    several feeds shows its worst one, with the newest times of all."""
    per_site: dict[str, list[FeedHealth]] = {}
    for site, url in feeds:
        per_site.setdefault(site, []).append(feed_health(db, url, site))
    return {site: _combine(group) for site, group in per_site.items()}


def _combine(feeds: list[FeedHealth]) -> FeedHealth:
    if len(feeds) == 1:
        return feeds[0]
    worst = max(feeds, key=lambda h: (h.consecutive_failures, h.silent))

    def newest(values: Iterable[datetime | None]) -> datetime | None:
        return max((v for v in values if v), default=None)

    return replace(
        worst,
        last_success=newest(h.last_success for h in feeds),
        last_attempt=newest(h.last_attempt for h in feeds),
        last_new=newest(h.last_new for h in feeds),
        silent=all(h.silent for h in feeds),
        archived=sum(h.archived for h in feeds),
        runs=sum(h.runs for h in feeds),
    )


def has_state(db: sqlite3.Connection) -> bool:
    """Does this index hold the fetch tables (has a fetch run yet)?"""
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'fetch_log'").fetchone() is not None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
