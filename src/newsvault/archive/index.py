"""The archive index, ``.newsvault/index.sqlite``: a cache of the dedup keys of ``_posts/``.

One row per post file (file, normalized link, guid, title, date, site, content hash, and
the size and mtime it had when read). It is only a cache: opening it syncs it with the
folder — a missing or outdated database is rebuilt, otherwise only files whose name, size
or mtime changed are read again. A crash between writing a post and indexing it is
therefore healed on the next open, and a fresh clone (no index) still knows every link.

The same database file holds other stages' tables (the fetch stage's HTTP cache and log);
they use ``Index.db`` directly. This module only ever creates, changes or drops its own
``posts`` table. Its schema version is ``PRAGMA user_version`` (other stages: keep your
own version in your own table).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

from newsvault.archive import provenance
from newsvault.archive.fields import format_date, normalize_title
from newsvault.archive.files import post_files
from newsvault.archive.frontmatter import read_front_matter, split_front_matter
from newsvault.archive.identity import guid_key, normalize_link
from newsvault.errors import ArchiveError
from newsvault.models import Article
from newsvault.vault import Vault

log = logging.getLogger(__name__)  # `-v` shows INFO, `-vv` DEBUG (cli/common.py)

__all__ = ["Index", "IndexRow", "SyncReport", "SCHEMA_VERSION", "read_only"]

SCHEMA_VERSION = 6  # 2: `file` is the path from the vault root (posts can be in subfolders);
#                    3: links keep their fragment (archive/identity.py);
#                    4: the provenance tables (the committed _provenance/ record, read back);
#                    5: links are keyed in their WHATWG serialization (newsvault/urls.py);
#                    6: the evidence stage's tables (revisits, evidence_files, feed_items,
#                       feed_reads: created by evidence/tracks.py and evidence/feeds.py,
#                       rebuilt from _evidence/; dropped with this index when it is rebuilt)
CHUNK = 1_000
PARALLEL_FROM = 20_000  # below this, worker start-up costs more than it saves (measured)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    file TEXT PRIMARY KEY,       -- path from the vault root: _posts/[2021/]NAME
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    link TEXT NOT NULL,          -- normalized link ('' when the post has none)
    guid TEXT,
    title TEXT NOT NULL,
    date TEXT,                   -- UTC, the DATE format of docs/post-format.md
    site TEXT NOT NULL,
    hash TEXT NOT NULL           -- blake2b-128 of the file bytes
);
CREATE INDEX IF NOT EXISTS posts_link ON posts(link);
CREATE INDEX IF NOT EXISTS posts_guid ON posts(guid) WHERE guid IS NOT NULL;
CREATE TABLE IF NOT EXISTS provenance (
    source TEXT NOT NULL,        -- the _provenance/ file the line is in
    post TEXT NOT NULL,          -- the post file, from the vault root (as posts.file)
    link TEXT NOT NULL,          -- normalized
    guid TEXT                    -- the dedup key (identity.guid_key of guid and feed)
);
CREATE INDEX IF NOT EXISTS provenance_post ON provenance(post);
CREATE INDEX IF NOT EXISTS provenance_source ON provenance(source);
CREATE TABLE IF NOT EXISTS provenance_files (
    source TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
"""
_OWN_TABLES = (
    "posts",
    "provenance",
    "provenance_files",
    "revisits",
    "evidence_files",
    "feed_items",
    "feed_reads",
)


@dataclass(frozen=True)
class IndexRow:
    file: str
    size: int
    mtime_ns: int
    link: str
    guid: str | None
    title: str
    date: str | None
    site: str
    hash: str


@dataclass(frozen=True)
class SyncReport:
    """What opening the index had to do to catch up with ``_posts/``."""

    rebuilt: bool
    added: int
    changed: int
    removed: int
    total: int

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def read_row(path: str, size: int, mtime_ns: int, name: str | None = None) -> IndexRow:
    """Read one post file into a row (front matter only; never raises on bad content);
    ``name`` is its path from the vault root (default: the file name)."""
    name = name or os.path.basename(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return IndexRow(name, size, mtime_ns, "", None, "", None, "", "")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    split = split_front_matter(text)
    if split is None:
        return IndexRow(name, size, mtime_ns, "", None, "", None, "", digest)
    fm = read_front_matter(split[0], [])
    site = fm.tags[0] if fm.tags else (fm.categories[0] if fm.categories else "")
    guid = fm.values.get("guid")
    return IndexRow(
        name,
        size,
        mtime_ns,
        normalize_link(fm.link),
        None if guid is None else str(guid),
        fm.title or "",
        format_date(fm.date) if fm.date else None,
        site,
        digest,
    )


def _read_many(jobs: list[tuple[str, int, int, str]]) -> Iterator[list[IndexRow]]:
    """Rows for ``jobs`` in chunks, so memory stays flat however large the archive."""
    chunks = _chunks(jobs, CHUNK)
    if len(jobs) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield from map(_read_chunk, chunks)
        return
    workers = min(os.cpu_count() or 2, 8)
    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(_read_chunk, chunks)


def _read_chunk(jobs: list[tuple[str, int, int, str]]) -> list[IndexRow]:
    return [read_row(*job) for job in jobs]


def _chunks(
    items: list[tuple[str, int, int, str]], size: int
) -> Iterable[list[tuple[str, int, int, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Index:
    """The open index of one vault; use as a context manager or call :meth:`close`."""

    def __init__(self, db: sqlite3.Connection, root: Path) -> None:
        self.db = db
        self.root = root
        text = str(root)
        self._root_prefix = text if text.endswith("/") else text + "/"
        self.last_sync: SyncReport | None = None

    @classmethod
    def open(cls, vault: Vault, *, sync: bool = True) -> Index:
        """Open (creating if needed) and bring up to date with ``vault``'s post files.

        A damaged database file is moved aside (``index.sqlite.damaged``) and rebuilt:
        everything in it can be recovered from ``_posts/`` or refetched.
        """
        try:
            return cls._open(vault, sync)
        except sqlite3.DatabaseError:
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{vault.index_file}{suffix}")
                if part.exists():
                    os.replace(part, f"{part}.damaged")
        try:
            return cls._open(vault, sync)
        except sqlite3.Error as exc:
            raise ArchiveError(
                f"cannot open the index {vault.index_file}: {exc}", path=vault.index_file
            ) from exc

    @classmethod
    def _open(cls, vault: Vault, sync: bool) -> Index:
        try:
            vault.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(
                f"cannot create {vault.state_dir}: {exc.strerror}", path=vault.state_dir
            ) from exc
        db = sqlite3.connect(vault.index_file, timeout=30, isolation_level=None)
        index = cls(db, vault.root)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            rebuilt = index._ensure_schema()
            if sync:
                index.last_sync = index.sync(rebuilt=rebuilt)
        except BaseException:
            db.close()
            raise
        return index

    def _ensure_schema(self) -> bool:
        """Create or migrate the posts table; True when it had to be (re)created."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        exists = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='posts'"
        ).fetchone()
        if version == SCHEMA_VERSION and exists:
            return False
        if version == 5 and exists:  # 6: the evidence stage creates its tables itself
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            return False
        if (
            version in (1, 2, 3, 4) and exists
        ):  # same posts table: re-read every post, keep the guids
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                if version == 1:  # names were relative to _posts/ (a flat folder)
                    self.db.execute("UPDATE posts SET file = '_posts/' || file")
                self.db.execute("UPDATE posts SET mtime_ns = -1")
                if version == 4:  # and every provenance file (their links are keys too)
                    self.db.execute("UPDATE provenance_files SET mtime_ns = -1")
                for statement in _SCHEMA.split(";"):  # the tables added since (IF NOT EXISTS)
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            return False
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for table in _OWN_TABLES:  # ours, and the evidence stage's (rebuilt from its files)
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return True

    def sync(self, *, rebuilt: bool = False) -> SyncReport:
        """Re-read the post files added, changed or removed since the index last saw them."""
        known = {f: (s, m) for f, s, m in self.db.execute("SELECT file, size, mtime_ns FROM posts")}
        jobs: list[tuple[str, int, int, str]] = []
        seen: set[str] = set()
        added = changed = 0
        root = str(self.root)
        for rel in post_files(self.root):
            path = os.path.join(root, rel)
            try:
                st = os.stat(path)
            except OSError:  # gone since the listing
                continue
            seen.add(rel)
            old = known.get(rel)
            if old == (st.st_size, st.st_mtime_ns):
                continue
            added += old is None
            changed += old is not None
            jobs.append((path, st.st_size, st.st_mtime_ns, rel))
        removed = [f for f in known if f not in seen]
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("DELETE FROM posts WHERE file=?", ((f,) for f in removed))
            for rows in _read_many(jobs):
                self._upsert(rows, keep_guid=True)
            if self._sync_provenance() or jobs:
                self._guids_from_provenance()
        log.info(
            "index: %d posts, %d added, %d changed, %d removed%s",
            len(seen),
            added,
            changed,
            len(removed),
            " (rebuilt)" if rebuilt else "",
        )
        return SyncReport(rebuilt, added, changed, len(removed), len(seen))

    # the provenance record (_provenance/*.jsonl, committed) ----------------------------
    @property
    def provenance_dir(self) -> Path:
        return self.root / provenance.FOLDER

    def _sync_provenance(self) -> bool:
        """Re-read the provenance files that changed (a file is small: a month); True when
        any did."""
        known = {
            s: (n, m)
            for s, n, m in self.db.execute("SELECT source, size, mtime_ns FROM provenance_files")
        }
        files = {p.name: p for p in provenance.month_files(self.provenance_dir)}
        changed = False
        for name in set(known) - set(files):
            self.db.execute("DELETE FROM provenance WHERE source=?", (name,))
            self.db.execute("DELETE FROM provenance_files WHERE source=?", (name,))
            changed = True
        for name, path in files.items():
            st = path.stat()
            if known.get(name) == (st.st_size, st.st_mtime_ns):
                continue
            self.db.execute("DELETE FROM provenance WHERE source=?", (name,))
            self._insert_provenance(name, provenance.read_file(path))
            self._file_seen(path)
            changed = True
        return changed

    def _insert_provenance(self, source: str, records: Iterable[provenance.Record]) -> None:
        self.db.executemany(
            "INSERT INTO provenance VALUES (?,?,?,?)",
            (
                (
                    source,
                    r.post,
                    normalize_link(r.link),
                    guid_key(r.guid, r.feed or "") if r.guid else None,
                )
                for r in records
            ),
        )

    def _file_seen(self, path: Path) -> None:
        st = path.stat()
        self.db.execute(
            "INSERT OR REPLACE INTO provenance_files VALUES (?,?,?)",
            (path.name, st.st_size, st.st_mtime_ns),
        )

    def _guids_from_provenance(self) -> None:
        """Give posts the guid their provenance line records — only while the file still
        holds that article (same link): a damaged or replaced post must not keep the
        article's guid, or the article would never be archived again."""
        self.db.execute(
            "UPDATE posts SET guid = (SELECT p.guid FROM provenance p WHERE p.post = posts.file"
            " AND p.link = posts.link AND p.guid IS NOT NULL LIMIT 1) WHERE guid IS NULL AND"
            " link != '' AND EXISTS (SELECT 1 FROM provenance p WHERE p.post = posts.file"
            " AND p.link = posts.link AND p.guid IS NOT NULL)"
        )

    def record(self, records: list[provenance.Record], *, fsync: bool = True) -> None:
        """Append ``records`` to the provenance files and to this index."""
        if not records:
            return
        files = provenance.append(self.provenance_dir, records, fsync=fsync)
        by_file: dict[str, list[provenance.Record]] = {}
        for r in records:
            by_file.setdefault(provenance.month_file(self.provenance_dir, r.seen).name, []).append(
                r
            )

        def store() -> None:
            for name, rows in by_file.items():
                self._insert_provenance(name, rows)
            for path in files:
                self._file_seen(path)

        if self.db.in_transaction:  # inside batch()
            store()
            return
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            store()

    def unrecorded(self) -> list[IndexRow]:
        """Posts with a link that no provenance line names (archived before the record
        existed, imported, adopted or added by hand)."""
        return [
            IndexRow(*r)
            for r in self.db.execute(
                "SELECT file, size, mtime_ns, link, guid, title, date, site, hash FROM posts"
                " WHERE link != '' AND NOT EXISTS (SELECT 1 FROM provenance p WHERE p.post ="
                " posts.file) ORDER BY file"
            )
        ]

    def _upsert(self, rows: Iterable[IndexRow], *, keep_guid: bool) -> None:
        # A re-read file keeps its guid only while it still holds an article: a damaged
        # post (no link left) must not keep saying "archived" for it.
        guid_sql = (
            (
                "CASE WHEN excluded.link != '' THEN COALESCE(excluded.guid, posts.guid)"
                " ELSE excluded.guid END"
            )
            if keep_guid
            else "excluded.guid"
        )
        self.db.executemany(
            "INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(file) DO UPDATE SET "
            "size=excluded.size, mtime_ns=excluded.mtime_ns, link=excluded.link, "
            f"guid={guid_sql}, title=excluded.title, date=excluded.date, "
            "site=excluded.site, hash=excluded.hash",
            (
                (r.file, r.size, r.mtime_ns, r.link, r.guid, r.title, r.date, r.site, r.hash)
                for r in rows
            ),
        )

    def knows(self, link: str | None, guid: str | None = None) -> bool:
        """Is this article (by normalized link, or by guid when given) already archived?"""
        key = normalize_link(link)
        if key and self.db.execute("SELECT 1 FROM posts WHERE link=? LIMIT 1", (key,)).fetchone():
            return True
        return (
            bool(guid)
            and self.db.execute("SELECT 1 FROM posts WHERE guid=? LIMIT 1", (guid,)).fetchone()
            is not None
        )

    def known(self, items: Iterable[tuple[str | None, str | None]]) -> list[bool]:
        """:meth:`knows` for many (link, guid) pairs at once: two queries, not two per pair."""
        pairs = [(normalize_link(link), guid) for link, guid in items]
        links = self._present("link", {link for link, _ in pairs if link})
        guids = self._present("guid", {guid for _, guid in pairs if guid})
        return [
            bool(link) and link in links or bool(guid) and guid in guids for link, guid in pairs
        ]

    def _present(self, column: str, values: set[str]) -> set[str]:
        """Which of ``values`` occur in ``column`` (queried in chunks below SQLite's
        variable limit)."""
        found: set[str] = set()
        todo = sorted(values)
        for start in range(0, len(todo), 500):
            chunk = todo[start : start + 500]
            found.update(
                v
                for (v,) in self.db.execute(
                    f"SELECT {column} FROM posts WHERE {column} IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Let the :meth:`add` calls inside share one transaction, committed at the end.

        Safe because the index is a cache: a crash before the commit loses only rows that
        the next :meth:`open` reads back from the post files themselves.
        """
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            yield

    def add(self, path: Path, article: Article, data: bytes | None = None) -> None:
        """Record a post just written (keeps the guid, which the file itself does not hold).

        ``data`` is the file's content when the caller has it, to spare reading it back.
        """
        st = path.stat()
        if data is None:
            data = path.read_bytes()
        row = IndexRow(
            self.name(path),
            st.st_size,
            st.st_mtime_ns,
            normalize_link(article.link),
            article.guid,
            normalize_title(article.title),
            format_date(article.date),
            article.site,
            hashlib.blake2b(data, digest_size=16).hexdigest(),
        )
        if self.db.in_transaction:  # inside batch()
            self._upsert([row], keep_guid=False)
            return
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._upsert([row], keep_guid=False)

    def add_file(self, path: Path) -> None:
        """Record a post file as it is on disk (imported or adopted posts)."""
        st = path.stat()
        row = read_row(str(path), st.st_size, st.st_mtime_ns, self.name(path))
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._upsert([row], keep_guid=True)

    def name(self, path: Path) -> str:
        """The ``file`` key of a post: its path from the vault root."""
        text, root = str(path), self._root_prefix
        if os.sep == "/" and len(text) > len(root) and text.startswith(root):
            return text[len(root) :]  # what relative_to gives, without its cost (2 calls per post)
        return path.relative_to(self.root).as_posix()

    def rename(self, moves: Iterable[tuple[str, str]]) -> None:
        """Rename rows (``migrate-layout`` moved the files; size and mtime stay the same,
        so the next sync reads none of them again)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "UPDATE posts SET file=? WHERE file=?", ((new, old) for old, new in moves)
            )

    def rows(self) -> list[IndexRow]:
        return [
            IndexRow(*r)
            for r in self.db.execute(
                "SELECT file, size, mtime_ns, link, guid, title, date, site, hash FROM posts "
                "ORDER BY file"
            )
        ]

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM posts").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def read_only(vault: Vault) -> Iterator[sqlite3.Connection | None]:
    """``vault``'s index opened for reading only, None when there is none yet.

    For the other stages' tables in it (the fetch log that ``status`` and the site's
    "last updated" read): nothing is created, migrated or synced, so a build or a
    ``status`` never writes the index. This module is the only one that opens it."""
    if not vault.index_file.exists():
        yield None
        return
    try:
        db = sqlite3.connect(f"{vault.index_file.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ArchiveError(
            f"cannot open the index {vault.index_file}: {exc}", path=vault.index_file
        ) from exc
    try:
        yield db
    finally:
        db.close()
