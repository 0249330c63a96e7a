"""The fetch log is pruned, and the health numbers stay exactly what the full log says."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsvault.fetch import state
from newsvault.fetch.http import Validators
from newsvault.fetch.report import ERROR, NOT_MODIFIED, OK, FeedResult

T0 = datetime(2021, 1, 1, tzinfo=timezone.utc)
RUNS = st.lists(
    st.tuples(st.sampled_from([OK, NOT_MODIFIED, ERROR]), st.integers(0, 5)), max_size=30
)


def replay(runs: list[tuple[str, int]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    state.ensure_schema(db)
    for hour, (status, new) in enumerate(runs):
        result = FeedResult(
            "Site",
            "https://e.com/feed",
            status,
            error="boom" if status == ERROR else None,
            new=0 if status == ERROR else new,
        )
        state.record_results(db, T0 + timedelta(hours=hour), [result])
    return db


@settings(max_examples=150, deadline=None)
@given(RUNS, st.integers(1, 6))
def test_pruned_health_equals_full_health(runs: list[tuple[str, int]], keep: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(state, "KEEP_RUNS", 10_000)
        full = state.feed_health(replay(runs), "https://e.com/feed", "Site")
        mp.setattr(state, "KEEP_RUNS", keep)
        db = replay(runs)
        pruned = state.feed_health(db, "https://e.com/feed", "Site")
        kept = db.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0]
        by_site = state.last_success_by_site(db)
    assert kept <= keep
    assert (pruned.last_success, pruned.consecutive_failures, pruned.archived, pruned.runs) == (
        full.last_success,
        full.consecutive_failures,
        full.archived,
        full.runs,
    )
    assert (pruned.last_attempt, pruned.last_new, pruned.usual_gap, pruned.silent) == (
        full.last_attempt,
        full.last_new,
        full.usual_gap,
        full.silent,
    )
    assert by_site.get("Site") == full.last_success


def test_validators_round_trip() -> None:
    db = sqlite3.connect(":memory:")
    state.ensure_schema(db)
    state.store_validators(db, "u", Validators('"e"', "Wed, 27 Jan 2021 23:57:20 GMT"), T0)
    assert state.load_validators(db) == {"u": Validators('"e"', "Wed, 27 Jan 2021 23:57:20 GMT")}
    state.store_validators(db, "u", Validators(), T0)  # a server that stopped sending them
    assert state.load_validators(db) == {}


def test_the_stored_schema_version_is_read(tmp_path) -> None:
    """Version-1 tables (before fetch_totals) are brought up to date; tables from a newer
    newsvault are refused instead of being written in a shape it does not know."""
    from newsvault.errors import ArchiveError

    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.executescript(
        "CREATE TABLE fetch_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO fetch_meta VALUES ('schema_version', '1');"
    )
    assert state.stored_version(db) == 1
    state.ensure_schema(db)
    assert state.stored_version(db) == state.SCHEMA_VERSION
    assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'fetch_totals'").fetchone()
    db.execute(
        "UPDATE fetch_meta SET value = ? WHERE key = 'schema_version'",
        (str(state.SCHEMA_VERSION + 1),),
    )
    db.commit()
    with pytest.raises(ArchiveError, match=f"version {state.SCHEMA_VERSION + 1}, newer"):
        state.ensure_schema(db)
    assert state.stored_version(db) == state.SCHEMA_VERSION + 1  # left as it was
    assert state.stored_version(sqlite3.connect(":memory:")) is None
