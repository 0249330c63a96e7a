"""A backlog of 10,000 due revisits (issue 14): each hourly run stays within its budget
(``[evidence] max_requests`` and ``time_budget``) and the backlog drains over later runs.

The vault holds the committed record of 10,000 articles archived at one moment (their
provenance lines, as a fresh checkout of a busy archive has them), all first due an
hour later; their pages are served by real servers on ten 127.0.0.x hosts.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from newsvault.archive.provenance import Record
from newsvault.config import load_config
from newsvault.evidence.revisit import revisit_vault
from newsvault.vault import Vault
from servers import start_quiet, stop

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
ARTICLES = 10_000
HOSTS = 10


class _Pages(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.0  # seconds before each answer (set by the test)
    hits = Counter[str]()
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        with self.lock:
            self.hits[self.path] += 1
        if self.delay:
            time.sleep(self.delay)
        body = f"<html><body><article><p>Page {self.path}</p></article></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hosts() -> Iterator[list[str]]:
    # quiet: a client that hangs up is a revisit the time budget cut
    servers = [start_quiet(_Pages, f"127.0.0.{n + 2}") for n in range(HOSTS)]
    _Pages.hits.clear()
    _Pages.delay = 0.0
    try:
        yield [f"http://{h.server_address[0]}:{h.server_address[1]}" for h in servers]
    finally:
        for httpd in servers:
            stop(httpd)


def backlog_vault(root: Path, bases: list[str], evidence: str) -> Vault:
    root.mkdir()
    (root / "subs.json").write_text("[]")
    (root / "newsvault.toml").write_text(
        '[site]\nsearch = false\n[fetch]\nallow_addresses = ["127.0.0.0/8"]\nretries = 0\n'
        f"[evidence]\n{evidence}"
    )
    lines = [
        Record(
            post=f"_posts/2024-04-30-Article-{i}.md",
            link=f"{bases[i % HOSTS]}/news/{i}.html",
            seen=T0,
            feed=f"{bases[i % HOSTS]}/feed.xml",
            guid=f"g{i}",
            source="feed",
        ).to_line()
        for i in range(ARTICLES)
    ]
    (root / "_provenance").mkdir()
    (root / "_provenance" / "2024-05.jsonl").write_text("".join(lines), encoding="utf-8")
    return Vault(root)


def observed(vault: Vault) -> Counter[str]:
    path = vault.root / "_evidence" / "2024-05.jsonl"
    return Counter(json.loads(ln)["post"] for ln in path.read_text().splitlines())


@pytest.mark.slow
def test_hourly_runs_stay_within_their_budgets_and_drain_a_backlog_of_10000(
    hosts: list[str], tmp_path: Path
) -> None:
    vault = backlog_vault(tmp_path / "v", hosts, "max_requests = 2500\ntime_budget = 1.0\n")
    config = load_config(vault.root)
    _Pages.delay = 0.1  # slow pages first: 2,500 would take about 4 s at 6 per host
    report = revisit_vault(vault, config, now=T0 + timedelta(hours=1))
    # the time budget binds: the pass stops at 1 s (answers in flight get at most their
    # read timeout), and what it did not reach stays due
    assert report.duration <= 1.0 + config.fetch.read_timeout + 2, report.duration
    assert 0 < report.done < 2500 and report.left == ARTICLES - report.done
    assert report.requests <= 2500
    _Pages.delay = 0.0
    (vault.root / "newsvault.toml").write_text(
        (vault.root / "newsvault.toml").read_text().replace("time_budget = 1.0", "")
    )  # the default budget (300 s) from now on: the request budget binds
    config = load_config(vault.root)
    runs, left = [report.requests], report.left
    for hour in range(2, 6):  # hourly; the backlog is due from 1 h, its next step at 6 h
        report = revisit_vault(vault, config, now=T0 + timedelta(hours=hour))
        # the request budget binds: all of it, never more; the longest overdue first
        assert report.requests == report.done == min(2500, left)
        assert report.left == left - report.done
        runs.append(report.requests)
        left = report.left
    assert left == 0, runs  # drained by the fifth hourly run
    assert revisit_vault(vault, config, now=T0 + timedelta(hours=5.5)).requests == 0
    # every request is counted (those cut by the budget in flight too: done again later)
    assert ARTICLES <= sum(_Pages.hits.values()) <= sum(runs)
    seen = observed(vault)
    assert len(seen) == ARTICLES and set(seen.values()) == {1}  # every article once
