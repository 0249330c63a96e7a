"""What newsvault knows about each archived article since: the index's ``revisits`` table.

A :class:`Track` per post with a provenance line (reconstructed ones excepted: nobody
saw them archived). It is a *fold* of the committed records — the provenance lines
create tracks, the observations of ``_evidence/`` advance them — so the table is a
cache: :func:`sync` reads only the lines appended since it last looked (append-only
files; a file that changed otherwise, after a merge or a fresh checkout, rebuilds the
table from all of them). :func:`decide` is the pure step a revisit takes; the line it
returns is applied by the same :func:`apply` a rebuild uses, so a run and a rebuild
can never disagree.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsvault.archive import provenance
from newsvault.archive.identity import guid_key, normalize_link
from newsvault.config import EvidenceConfig
from newsvault.evidence import records
from newsvault.evidence.schedule import next_due, parse_span
from newsvault.evidence.verdicts import LISTED, OK, UNCLEAR, Outcome, Verdict, judge

SCHEMA = """
CREATE TABLE IF NOT EXISTS revisits (
    post TEXT PRIMARY KEY,   -- the post file, from the vault root
    host TEXT NOT NULL,      -- the link's host (politeness, failing hosts)
    feed TEXT,
    due TEXT,                -- next revisit, UTC ISO (NULL: the schedule is over)
    verdict TEXT,            -- the standing deletion verdict's reason, or NULL
    revisions INTEGER NOT NULL,
    link TEXT NOT NULL,      -- normalized (is the item still in its feed?)
    guid TEXT,               -- the dedup key of its guid
    date TEXT,               -- the post's date
    failing INTEGER NOT NULL, -- failures since the last success, no verdict yet
    state TEXT NOT NULL      -- the Track as JSON
);
CREATE INDEX IF NOT EXISTS revisits_due ON revisits(due) WHERE due IS NOT NULL;
CREATE TABLE IF NOT EXISTS evidence_files (
    source TEXT PRIMARY KEY, size INTEGER NOT NULL, head TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Rules:
    """``[evidence]`` turned into values the pure functions take."""

    steps: tuple[timedelta, ...]
    confirm_every: timedelta
    min_failures: int
    min_span: timedelta
    feed_covers: timedelta = timedelta(0)  # 0: every scheduled revisit fetches the page

    @classmethod
    def of(cls, config: EvidenceConfig) -> Rules:
        return cls(
            tuple(parse_span(s) for s in config.schedule),
            parse_span(config.confirm_every),
            config.min_failures,
            parse_span(config.min_span),
            parse_span(config.feed_covers) if config.feed_covers.strip() != "0" else timedelta(0),
        )


@dataclass(frozen=True)
class Track:
    post: str
    link: str
    seen: datetime
    feed: str | None = None
    guid: str | None = None
    source: str | None = None
    date: str | None = None  # the post's date (UTC text): "older items" of its feed
    due: datetime | None = None
    baseline: str | None = None  # fingerprint of the current version at the source
    versions: tuple[str, ...] = ()  # every fingerprint recorded as a revision
    failures: tuple[Outcome, ...] = ()  # deletion outcomes since the last success
    verdict: Verdict | None = None
    revisions: int = 0
    checks: int = 0
    etag: str | None = None
    last_modified: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    feed_full: bool = False  # its feed entry carries the page's whole text (feed_carries)

    @property
    def host(self) -> str:
        return urlsplit(self.link).netloc.lower()

    def feed_answers(self, now: datetime, rules: Rules) -> bool:
        """Whether a scheduled revisit at ``now`` may be answered by its feed's read of
        this run (the caller checks that the entry is listed and unchanged): never while
        failing or judged, only once a version of the page is known, and only while
        young (``feed_covers``) unless the feed carries the article's whole text."""
        if not rules.feed_covers or self.failures or self.verdict or not self.baseline:
            return False
        return self.feed_full or now - self.seen < rules.feed_covers


def start(record: provenance.Record, rules: Rules, baseline: str | None, date: str | None) -> Track:
    """The track of a post just archived: first due one step after it was seen."""
    due = next_due(
        record.seen, record.seen, rules.steps, failing=False, confirm_every=rules.confirm_every
    )
    return Track(
        record.post,
        record.link,
        record.seen,
        record.feed,
        record.guid,
        record.source,
        date,
        due,
        baseline,
    )


def decide(
    track: Track,
    outcome: Outcome,
    *,
    fingerprint: str | None,
    rules: Rules,
    etag: str | None = None,
    last_modified: str | None = None,
    revision_file: str | None = None,
    revision_sha256: str | None = None,
    feed_full: bool = False,
) -> dict[str, Any]:
    """The observation line of one revisit (what :func:`apply` folds): the outcome, and a
    revision, verdict or clearing when this revisit makes one."""
    line: dict[str, Any] = {
        "kind": "observation",
        "at": records.stamp(outcome.at),
        "post": track.post,
        "link": track.link,
        "outcome": outcome.kind,
        "status": outcome.status,
        "final_url": outcome.final_url,
    }
    for key, value in (
        ("marker", outcome.marker),
        ("detail", outcome.detail),
        ("fingerprint", fingerprint),
        ("etag", etag),
        ("last_modified", last_modified),
    ):
        if value is not None:
            line[key] = value
    if feed_full and not track.feed_full:
        line["feed_full"] = True
    if outcome.kind == OK:
        if track.verdict is not None:
            line["cleared"] = {
                "reason": track.verdict.reason,
                "since": records.stamp(track.verdict.since),
            }
        if (
            fingerprint
            and track.baseline
            and fingerprint != track.baseline
            and fingerprint not in track.versions
            and revision_file
        ):
            line["revision"] = {
                "file": revision_file,
                "fingerprint": fingerprint,
                "sha256": revision_sha256,
                "previous": track.baseline,
            }
    elif outcome.failure and track.verdict is None:
        verdict = judge(
            [*track.failures, outcome], min_failures=rules.min_failures, min_span=rules.min_span
        )
        if verdict is not None:
            line["verdict"] = {
                "reason": verdict.reason,
                "since": records.stamp(verdict.since),
                "evidence": [_outcome_json(o) for o in verdict.evidence],
            }
    return line


def apply(track: Track, line: dict[str, Any], rules: Rules) -> Track:
    """``track`` after the observation ``line`` (a rebuild and a live run fold alike)."""
    at = records.when(line)
    if at is None:
        return track
    outcome = Outcome(
        str(line.get("outcome")),
        at,
        records.int_field(line.get("status")),
        records.str_field(line.get("final_url")),
        records.str_field(line.get("marker")),
        records.str_field(line.get("detail")),
    )
    new = replace(track, checks=track.checks + 1)
    if line.get("feed_full") is True:
        new = replace(new, feed_full=True)
    fp = records.str_field(line.get("fingerprint"))
    if outcome.kind == OK:
        new = replace(new, failures=(), verdict=None)
        revision = line.get("revision")
        if isinstance(revision, dict) and isinstance(revision.get("fingerprint"), str):
            new = replace(
                new,
                baseline=revision["fingerprint"],
                revisions=new.revisions + 1,
                versions=(*new.versions, revision["fingerprint"]),
            )
        elif fp and new.baseline is None:
            new = replace(new, baseline=fp)  # the first look at a page (feed-sourced posts)
        if "etag" in line or "last_modified" in line:
            new = replace(
                new,
                etag=records.str_field(line.get("etag")),
                last_modified=records.str_field(line.get("last_modified")),
            )
    elif outcome.failure:
        new = replace(new, failures=(*new.failures, outcome)[-20:])
        verdict = line.get("verdict")
        if isinstance(verdict, dict) and new.verdict is None:
            since = records.when(verdict, "since") or at
            new = replace(new, verdict=Verdict(str(verdict.get("reason")), since, at, new.failures))
    elif outcome.kind not in (UNCLEAR, LISTED):
        return replace(new, checks=track.checks)  # transient (never written): due again
    failing = bool(new.failures) and new.verdict is None
    due = next_due(track.seen, at, rules.steps, failing=failing, confirm_every=rules.confirm_every)
    return replace(new, due=due)


def _outcome_json(o: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = {
        "at": records.stamp(o.at),
        "outcome": o.kind,
        "status": o.status,
        "final_url": o.final_url,
    }
    if o.marker:
        data["marker"] = o.marker
    return data


# --- the table -----------------------------------------------------------------------


def to_json(track: Track) -> str:
    data = {f.name: getattr(track, f.name) for f in fields(track)}  # asdict deep-copies: slow
    data["seen"] = records.stamp(track.seen)
    data["due"] = records.stamp(track.due) if track.due else None
    data["failures"] = [_outcome_json(o) for o in track.failures]
    data["verdict"] = (
        None
        if track.verdict is None
        else {
            "reason": track.verdict.reason,
            "since": records.stamp(track.verdict.since),
            "at": records.stamp(track.verdict.at),
        }
    )
    return json.dumps(data, ensure_ascii=False)


def from_json(text: str) -> Track:
    data = json.loads(text)
    failures = tuple(
        Outcome(
            str(o["outcome"]),
            records.when(o) or datetime.min,
            o.get("status"),
            o.get("final_url"),
            o.get("marker"),
        )
        for o in data.pop("failures")
    )
    verdict = data.pop("verdict")
    seen, due = records.when(data, "seen"), records.when(data, "due")
    data.pop("seen"), data.pop("due")
    return Track(
        **{
            **data,
            "seen": seen,
            "due": due,
            "failures": failures,
            "versions": tuple(data["versions"]),
            "verdict": None
            if verdict is None
            else Verdict(
                verdict["reason"],
                records.when(verdict, "since") or datetime.min,
                records.when(verdict) or datetime.min,
                failures,
            ),
        }
    )


def ensure_schema(db: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def store(db: sqlite3.Connection, tracks: list[Track]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO revisits VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                t.post,
                t.host,
                t.feed,
                records.stamp(t.due) if t.due else None,
                t.verdict.reason if t.verdict else None,
                t.revisions,
                normalize_link(t.link),
                guid_key(t.guid, t.feed or "") if t.guid else None,
                t.date,
                int(bool(t.failures) and t.verdict is None),
                to_json(t),
            )
            for t in tracks
        ),
    )


def left_feeds(db: sqlite3.Connection, now: datetime) -> int:
    """Make due now every article that left a feed read in this run while an item older
    than it remains (deleted at the source, most often): the page is looked at at once
    instead of at its next step, so a deletion is confirmed within about a day. Only
    articles not already failing or judged; returns how many."""
    when = records.stamp(now)
    cur = db.execute(
        "UPDATE revisits SET due = ? WHERE failing = 0 AND verdict IS NULL"
        " AND (due IS NULL OR due > ?) AND feed IN (SELECT feed FROM feed_reads WHERE ok_at = ?)"
        " AND date > (SELECT min(fi.date) FROM feed_items fi WHERE fi.feed = revisits.feed)"
        " AND NOT EXISTS (SELECT 1 FROM feed_items fi WHERE fi.feed = revisits.feed AND"
        " (fi.link = revisits.link OR (revisits.guid IS NOT NULL AND fi.guid = revisits.guid)))",
        (when, when, when),
    )
    return cur.rowcount


def changed_in_feeds(db: sqlite3.Connection, now: datetime) -> int:
    """Make due now every article whose feed entry changed in a read of this run (an
    edit the feed shows): its page is looked at at once. Returns how many."""
    when = records.stamp(now)
    cur = db.execute(
        "UPDATE revisits SET due = ? WHERE verdict IS NULL AND (due IS NULL OR due > ?)"
        " AND feed IN (SELECT feed FROM feed_reads WHERE ok_at = ?)"
        " AND EXISTS (SELECT 1 FROM feed_items fi WHERE fi.feed = revisits.feed AND"
        " fi.changed = 1 AND"
        " (fi.link = revisits.link OR (revisits.guid IS NOT NULL AND fi.guid = revisits.guid)))",
        (when, when, when),
    )
    return cur.rowcount


def load(db: sqlite3.Connection, posts: list[str]) -> dict[str, Track]:
    out: dict[str, Track] = {}
    for start_at in range(0, len(posts), 500):
        chunk = posts[start_at : start_at + 500]
        for (state,) in db.execute(
            f"SELECT state FROM revisits WHERE post IN ({','.join('?' * len(chunk))})", chunk
        ):
            track = from_json(state)
            out[track.post] = track
    return out


def due(db: sqlite3.Connection, now: datetime, limit: int) -> list[Track]:
    """Tracks due by ``now``, the longest overdue first."""
    return [
        from_json(s)
        for (s,) in db.execute(
            "SELECT state FROM revisits WHERE due IS NOT NULL AND due <= ? ORDER BY due, post LIMIT ?",
            (records.stamp(now), limit),
        )
    ]


@dataclass(frozen=True)
class SyncResult:
    rebuilt: bool
    created: int
    observations: int


def sync(db: sqlite3.Connection, root: Path, rules: Rules, baselines: Any = None) -> SyncResult:
    """Bring the table up to date with ``_provenance/`` and ``_evidence/``.

    ``baselines(post, source) -> fingerprint | None`` gives a new track its starting
    version (the archived body when it came from the page itself)."""
    ensure_schema(db)
    files = [
        (f"{provenance.FOLDER}/{p.name}", p)
        for p in provenance.month_files(root / provenance.FOLDER)
    ]
    files += [
        (f"{records.FOLDER}/{p.name}", p) for p in provenance.month_files(root / records.FOLDER)
    ]
    known = {s: (n, h) for s, n, h in db.execute("SELECT source, size, head FROM evidence_files")}
    starts: dict[str, int] = {}
    rebuild = bool(set(known) - {s for s, _ in files})
    for source, path in files:
        size, head = known.get(source, (0, _sha(b"")))
        if not rebuild and _head(path, size) != head:
            rebuild = True
        starts[source] = size
    if rebuild:
        db.execute("DELETE FROM revisits")
        db.execute("DELETE FROM evidence_files")
        starts = {source: 0 for source, _ in files}
    new_records: list[provenance.Record] = []
    observations: list[dict[str, Any]] = []
    ends: dict[str, tuple[int, Path]] = {}
    for source, path in files:
        chunk = records.read_lines(path, starts[source])
        ends[source] = (chunk.end, path)
        if source.startswith(provenance.FOLDER):
            for obj in chunk.objects:
                record = provenance.Record.from_json(obj)
                if record is not None and not record.reconstructed:
                    new_records.append(record)
        else:
            observations.extend(o for o in chunk.objects if o.get("kind") == "observation")
    observations.sort(key=lambda o: str(o.get("at")))  # stable: file order within a second
    posts = sorted({r.post for r in new_records} | {str(o.get("post")) for o in observations})
    tracks = load(db, posts)
    dates = _post_dates(db, [r.post for r in new_records if r.post not in tracks])
    created = 0
    for record in new_records:
        if record.post not in tracks:
            base = baselines(record.post, record.source) if baselines else None
            tracks[record.post] = start(record, rules, base, dates.get(record.post))
            created += 1
    applied = 0
    for line in observations:
        track = tracks.get(str(line.get("post")))
        if track is not None:
            tracks[track.post] = apply(track, line, rules)
            applied += 1
    store(db, list(tracks.values()))
    db.executemany(
        "INSERT OR REPLACE INTO evidence_files VALUES (?,?,?)",
        ((source, end, _head(path, end)) for source, (end, path) in ends.items()),
    )
    return SyncResult(rebuild, created, applied)


def _post_dates(db: sqlite3.Connection, posts: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(posts), 500):
        chunk = posts[i : i + 500]
        out.update(
            (f, d)
            for f, d in db.execute(
                f"SELECT file, date FROM posts WHERE file IN ({','.join('?' * len(chunk))})", chunk
            )
            if d
        )
    return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _head(path: Path, size: int) -> str:
    """SHA-256 of the first ``size`` bytes (what was read before is still there, unchanged)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(size)
    except OSError:
        return ""
    return _sha(data) if len(data) == size else ""
