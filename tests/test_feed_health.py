"""Feed health (fetch/health.py, docs/feed-health.md): failing and silent sources, on the
sources page and in ``newsvault status``, from real runs against a server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from automation_helpers import newsvault_cmd, newsvault_env
from conftest import FIXTURES
from newsvault.config import Config, FetchConfig
from newsvault.fetch import health, state
from newsvault.fetch.report import ERROR, NOT_MODIFIED, OK, FeedResult
from newsvault.pipeline import fetch_vault
from newsvault.vault import Vault
from servers import FeedServer, Reply, rss

DAY0 = datetime(2024, 3, 1, 6, tzinfo=timezone.utc)
DAY = timedelta(days=1)
REAL_FEED = FIXTURES / "feeds" / "fastfeedparser" / "benchmark_data" / "9e0834333e854116"
FAST = Config(
    fetch=FetchConfig(
        connect_timeout=1.0, read_timeout=1.0, feed_deadline=2.0, retries=1, backoff=0.05
    )
)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def cli(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**newsvault_env(), "COLUMNS": "200"}  # a wide terminal: table cells unwrapped
    return subprocess.run(
        newsvault_cmd(*args, "--vault", str(vault)),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def item(n: int) -> dict[str, str]:
    return {
        "title": f"Daily {n}",
        "link": f"https://daily.example.com/{n}",
        "pubDate": (DAY0 + n * DAY).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "description": f"<p>Day {n}</p>",
    }


def sources_rows(vault: Path) -> dict[str, tuple[str, list[str]]]:
    """site → (the row's class, its cells' text) of the built sources page."""
    page = LexborHTMLParser((vault / "_site" / "sources" / "index.html").read_text("utf-8"))
    rows = {}
    for tr in page.css("table.sources tbody tr"):
        cells = [td.text(strip=True) for td in tr.css("td")]
        rows[cells[0]] = (tr.attributes.get("class") or "", cells)
    return rows


def test_failing_and_silent_sources_show_on_the_sources_page_and_in_status(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = Vault(tmp_path / "vault")
    vault.root.mkdir()
    real = server.route("/real", Reply(body=REAL_FEED.read_bytes()))
    gone = server.route("/gone", Reply(404, b"no such feed"))
    # one new article a day for six days, then the same feed again and again
    daily = server.route(
        "/daily", *[Reply(body=rss(*(item(i) for i in range(k + 1)))) for k in range(6)]
    )
    vault.subs_file.write_text(
        json.dumps(
            [
                {"site": "real", "url": real},
                {"site": "gone", "url": gone},
                {"site": "daily", "url": daily},
            ]
        ),
        encoding="utf-8",
    )
    for k in range(6):
        fetch_vault(vault, FAST, now=DAY0 + k * DAY)
    last = DAY0 + 15 * DAY  # ten days after the last new article
    fetched = cli(vault.root, "fetch", "--now", iso(last))
    assert fetched.returncode == 0, fetched.stderr
    built = cli(vault.root, "build", "--no-search", "--now", iso(last))
    assert built.returncode == 0, built.stderr

    status = cli(vault.root, "status", "--json")
    assert status.returncode == 0, status.stderr
    feeds = {f["site"]: f for f in json.loads(status.stdout)["feeds"]}
    assert feeds["gone"]["consecutive_failures"] == 7 and feeds["gone"]["last_success"] is None
    assert "not found" in feeds["gone"]["last_error"]
    assert {f["last_attempt"] for f in feeds.values()} == {iso(last)}
    assert feeds["daily"]["silent"] and feeds["daily"]["usual_gap_s"] == 86_400
    assert feeds["daily"]["last_new"] == iso(DAY0 + 5 * DAY)
    assert feeds["daily"]["consecutive_failures"] == 0
    assert not feeds["real"]["silent"] and feeds["real"]["consecutive_failures"] == 0
    assert feeds["real"]["last_success"] == iso(last)

    rows = sources_rows(vault.root)
    flag, cells = rows["gone"]
    assert flag == "failing" and f"連續 7 次失敗：{feeds['gone']['last_error']}" in cells
    assert "未知" in cells[3]  # it never worked: its last success is unknown
    assert (
        rows["daily"][0] == "silent" and "已 10 天沒有新文章（通常每 1 天一篇）" in rows["daily"][1]
    )
    assert rows["real"][0] == "" and "正常" in rows["real"][1]
    page = LexborHTMLParser((vault.root / "_site" / "sources" / "index.html").read_text("utf-8"))
    attempts = [
        datetime.fromisoformat(tr.css("td")[4].css_first("time").attributes["datetime"])
        for tr in page.css("table.sources tbody tr")
    ]
    assert attempts == [last] * 3  # every source's last attempt, in the site's time zone

    text = cli(vault.root, "status")
    assert "silent: nothing new for 10 days (usually every 1 day)" in text.stdout
    gone_line = next(line for line in text.stdout.splitlines() if line.split()[:1] == ["gone"])
    assert "not found" in gone_line and " 7 " in gone_line


def test_after_a_run_where_every_feed_failed_each_source_says_so(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    subs = [
        {"site": "missing", "url": server.route("/a", Reply(404))},
        {"site": "removed", "url": server.route("/b", Reply(410))},
    ]
    (vault / "subs.json").write_text(json.dumps(subs), encoding="utf-8")
    now = iso(DAY0)
    done = subprocess.run(
        newsvault_cmd("run", "--vault", str(vault), "--now", now),
        env=newsvault_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # every feed failed (README: exit 1)
    rows = sources_rows(vault)
    assert set(rows) == {"missing", "removed"}
    for flag, cells in rows.values():
        assert flag == "failing"
        assert any(
            c.startswith("連續 1 次失敗：") and len(c) > len("連續 1 次失敗：") for c in cells
        )
        assert cells[4] != "未知"  # the attempt is known even though nothing worked


def replay(days: list[tuple[int, str, int]]) -> sqlite3.Connection:
    """A real fetch state: (day, status, new articles) per run of one feed."""
    db = sqlite3.connect(":memory:")
    state.ensure_schema(db)
    for day, status, new in days:
        state.record_results(
            db,
            DAY0 + day * DAY,
            [
                FeedResult(
                    "S", "u", status, error="feed not found" if status == ERROR else None, new=new
                )
            ],
        )
    return db


def daily_then_quiet(quiet_days: int) -> list[tuple[int, str, int]]:
    runs = [(d, OK, 1) for d in range(8)]
    return runs + [(7 + d, NOT_MODIFIED, 0) for d in range(1, quiet_days + 1)]


def test_silent_means_much_longer_than_usual_for_that_source() -> None:
    # daily source: 5 × 1 day is the limit (above the 3-day minimum)
    assert not state.feed_health(replay(daily_then_quiet(5)), "u", "S").silent
    assert state.feed_health(replay(daily_then_quiet(6)), "u", "S").silent
    # every 10 days: quiet for 40 days is its normal pace, 51 days is not
    slow = [(d * 10, OK, 2) for d in range(5)]
    assert not state.feed_health(replay(slow + [(80, NOT_MODIFIED, 0)]), "u", "S").silent
    assert state.feed_health(replay(slow + [(91, OK, 0)]), "u", "S").silent
    # hourly source: quiet for two days is normal (the 3-day minimum)
    db = sqlite3.connect(":memory:")
    state.ensure_schema(db)
    for h in range(10):
        state.record_results(db, DAY0 + timedelta(hours=h), [FeedResult("S", "u", OK, new=1)])
    state.record_results(db, DAY0 + 2 * DAY, [FeedResult("S", "u", OK)])
    assert not state.feed_health(db, "u", "S").silent


def test_no_rhythm_yet_or_failing_is_never_silent() -> None:
    few = [(0, OK, 1), (1, OK, 1), (2, OK, 1), (60, OK, 0)]  # two gaps: rhythm unknown
    h = state.feed_health(replay(few), "u", "S")
    assert (h.silent, h.usual_gap) == (False, None)
    failing = daily_then_quiet(2) + [(30, ERROR, 0)]
    h = state.feed_health(replay(failing), "u", "S")
    assert h.failing and not h.silent and h.last_error == "feed not found"


def test_a_vault_from_before_arrivals_learns_them_from_its_log() -> None:
    db = replay(daily_then_quiet(9))
    db.execute("DROP TABLE fetch_arrivals")  # as schema 2 left it
    state.ensure_schema(db)
    h = state.feed_health(db, "u", "S")
    assert (h.usual_gap, h.silent, h.last_new) == (86_400.0, True, DAY0 + 7 * DAY)


def test_only_the_newest_arrivals_are_kept() -> None:
    db = replay([(d, OK, 1) for d in range(health.KEEP_ARRIVALS + 20)])
    kept = db.execute("SELECT COUNT(*), MIN(at) FROM fetch_arrivals").fetchone()
    assert kept == (health.KEEP_ARRIVALS, (DAY0 + 20 * DAY).isoformat())


@given(st.floats(0, 10 * 365 * 86_400.0), st.sampled_from(["en", "zh-Hant", "zh-Hans"]))
def test_span_words_says_the_largest_whole_unit(seconds: float, language: str) -> None:
    words = health.span_words(seconds, language)
    n = int(re.match(r"\d+", words).group())  # type: ignore[union-attr]
    units = list(health.UNITS[language])
    at = next(
        i for i, (_, one, many) in enumerate(units) if words in (one.format(n=n), many.format(n=n))
    )
    size = units[at][0]
    if seconds >= 60:
        assert n * size <= seconds < (n + 1) * size
        assert at == 0 or seconds < units[at - 1][0]  # the largest unit that fits
    else:
        assert (n, size) == (1, 60.0)
