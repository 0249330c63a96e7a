"""Feed entries kept between builds (``.newsvault/site/entries.sqlite``).

Re-rendering one feed needs its 100 entries, i.e. 100 posts read and cleaned.
Keeping the finished ``<entry>`` XML of every post that is in some feed makes a feed
update cost a single query. A cache: deleting the file only costs time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

SCHEMA = 2  # entries as UTF-8 bytes (1: text)


class EntryStore:
    def __init__(self, file: Path | None) -> None:
        self.db: sqlite3.Connection | None = None
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.db = self._open(file)
            except sqlite3.DatabaseError:
                file.unlink(missing_ok=True)
                self.db = self._open(file)

    @staticmethod
    def _open(file: Path) -> sqlite3.Connection:
        db = sqlite3.connect(file)
        # a cache: losing it in a crash only costs time, so no fsync on every build
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA journal_mode = MEMORY")
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:  # an older layout: start over
            db.execute("DROP TABLE IF EXISTS entries")
            db.execute(f"PRAGMA user_version = {SCHEMA}")
        db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, xml BLOB NOT NULL)")
        return db

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        if self.db is None or not keys:
            return {}
        out: dict[str, bytes] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                self.db.execute(f"SELECT key, xml FROM entries WHERE key IN ({marks})", chunk)
            )
        return out

    def keep_only(self, wanted: dict[str, bytes | None], make: Callable[[str], bytes]) -> None:
        """Store exactly the keys of ``wanted``: given XML, else ``make(key)`` for missing ones."""
        if self.db is None:
            return
        have = {k for (k,) in self.db.execute("SELECT key FROM entries")}
        if have == wanted.keys():
            return
        with self.db:
            stale = have - wanted.keys()
            self.db.executemany("DELETE FROM entries WHERE key = ?", ((k,) for k in stale))
            rows = (
                (k, v if v is not None else make(k)) for k, v in wanted.items() if k not in have
            )
            self.db.executemany("INSERT INTO entries (key, xml) VALUES (?, ?)", rows)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
