"""Which items each feed held at its last successful fetch (the index; a cache).

The fetch stage stores a feed's items (normalized link, guid key, date, and a
:func:`digest` of what the entry says) whenever it reads the feed, and the time of
every successful answer (a 304 included: the feed is unchanged). A revisit asks
:func:`in_feed` only about feeds read *in this run*: an item is ``dropped`` when it is
missing while an item older than it is still there (a feed that merely rolled over
drops its oldest items first, so none older remains). An item whose digest differs
from the previous read's is marked ``changed`` (the entry was edited: its page is
revisited at once); :func:`listed_unchanged` is what lets the feed read stand in for a
scheduled look (docs/evidence.md, "The feed as a free look").
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from newsvault.archive.identity import normalize_link
from newsvault.archive.provenance import stamp
from newsvault.models import Entry

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_items (
    feed TEXT NOT NULL, link TEXT NOT NULL, guid TEXT, date TEXT NOT NULL,
    digest TEXT, changed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS feed_items_feed ON feed_items(feed);
CREATE TABLE IF NOT EXISTS feed_reads (feed TEXT PRIMARY KEY, ok_at TEXT NOT NULL);
"""


def digest(entry: Entry) -> str:
    """What the entry says (title, content, updated date): equal while it is unedited."""
    updated = entry.updated.isoformat() if entry.updated else ""
    text = "\x00".join((entry.title or "", entry.content or "", updated))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def ensure_schema(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(feed_items)")}
    if columns and "digest" not in columns:  # an index from before digests: a cache, remade
        db.execute("DROP TABLE feed_items")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def store(
    db: sqlite3.Connection,
    feed: str,
    items: Iterable[tuple[str, str | None, str, str | None]] | None,
    now: datetime,
) -> None:
    """Record a successful read of ``feed`` at ``now``; ``items`` (link, guid key, date,
    digest) when it was read in full (None for a 304: the items did not change)."""
    with db:
        db.execute("BEGIN IMMEDIATE")
        if items is None:
            db.execute("UPDATE feed_items SET changed = 0 WHERE feed=?", (feed,))
        else:
            before = dict(
                db.execute("SELECT link, digest FROM feed_items WHERE feed=?", (feed,)).fetchall()
            )
            db.execute("DELETE FROM feed_items WHERE feed=?", (feed,))
            db.executemany(
                "INSERT INTO feed_items VALUES (?,?,?,?,?,?)",
                (
                    (
                        feed,
                        link,
                        guid,
                        date,
                        dig,
                        int(bool(before.get(link) and dig != before[link])),
                    )
                    for link, guid, date, dig in items
                ),
            )
        db.execute("INSERT OR REPLACE INTO feed_reads VALUES (?,?)", (feed, stamp(now)))


def in_feed(
    db: sqlite3.Connection,
    feed: str | None,
    link: str,
    guid: str | None,
    date: str | None,
    now: datetime,
) -> bool | None:
    """True: still in its feed; False: dropped while older items remain; None: unknown
    (the feed was not read in this run, or the item merely rolled off the end)."""
    if not feed:
        return None
    row = db.execute("SELECT ok_at FROM feed_reads WHERE feed=?", (feed,)).fetchone()
    if row is None or row[0] != stamp(now):
        return None
    key = normalize_link(link)
    if db.execute(
        "SELECT 1 FROM feed_items WHERE feed=? AND (link=? OR (guid IS NOT NULL AND guid=?))"
        " LIMIT 1",
        (feed, key, guid or ""),
    ).fetchone():
        return True
    if date is None:
        return None
    older = db.execute(
        "SELECT 1 FROM feed_items WHERE feed=? AND date < ? LIMIT 1", (feed, date)
    ).fetchone()
    return False if older else None


def listed_unchanged(
    db: sqlite3.Connection, feed: str | None, link: str, guid: str | None, now: datetime
) -> bool:
    """The item is in its feed as read in this run, and its entry did not change then."""
    if not feed:
        return False
    row = db.execute("SELECT ok_at FROM feed_reads WHERE feed=?", (feed,)).fetchone()
    if row is None or row[0] != stamp(now):
        return False
    return (
        db.execute(
            "SELECT 1 FROM feed_items WHERE feed=? AND changed = 0"
            " AND (link=? OR (guid IS NOT NULL AND guid=?)) LIMIT 1",
            (feed, normalize_link(link), guid or ""),
        ).fetchone()
        is not None
    )
