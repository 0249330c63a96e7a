"""Which items each feed held at its last successful fetch (the index; a cache).

The fetch stage stores a feed's items (normalized link, guid key, date) whenever it
reads the feed, and the time of every successful answer (a 304 included: the feed is
unchanged). A revisit asks :func:`in_feed` only about feeds read *in this run*: an
item is ``dropped`` when it is missing while an item older than it is still there (a
feed that merely rolled over drops its oldest items first, so none older remains).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from newsvault.archive.identity import normalize_link
from newsvault.archive.provenance import stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_items (
    feed TEXT NOT NULL, link TEXT NOT NULL, guid TEXT, date TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feed_items_feed ON feed_items(feed);
CREATE TABLE IF NOT EXISTS feed_reads (feed TEXT PRIMARY KEY, ok_at TEXT NOT NULL);
"""


def ensure_schema(db: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def store(
    db: sqlite3.Connection,
    feed: str,
    items: Iterable[tuple[str, str | None, str]] | None,
    now: datetime,
) -> None:
    """Record a successful read of ``feed`` at ``now``; ``items`` (link, guid key, date)
    when it was read in full (None for a 304: the items did not change)."""
    with db:
        db.execute("BEGIN IMMEDIATE")
        if items is not None:
            db.execute("DELETE FROM feed_items WHERE feed=?", (feed,))
            db.executemany(
                "INSERT INTO feed_items VALUES (?,?,?,?)",
                ((feed, link, guid, date) for link, guid, date in items),
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
