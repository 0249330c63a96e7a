"""Revisits end to end (issue 14), on a simulated clock: a real server on 127.0.0.1,
the library's fetch and revisit stages, the committed record read back."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsvault.archive.index import Index
from newsvault.config import load_config
from newsvault.evidence import tracks
from newsvault.evidence.revisit import revisit_vault
from newsvault.pipeline import fetch_vault
from newsvault.vault import Vault
from servers import FeedServer, Reply, rss

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
TOML = '[site]\nsearch = false\n[fetch]\nallow_addresses = ["127.0.0.1"]\nretries = 0\n'


def page(text: str) -> Reply:
    return Reply(
        body=f"<html><body><nav>menu 12:00</nav><article><p>{text}</p></article></body></html>".encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def make(tmp_path: Path, server: FeedServer, n: int = 1, toml: str = "") -> Vault:
    root = tmp_path / "v"
    root.mkdir(parents=True)
    for i in range(n):
        server.route(f"/a/{i}", page(f"Original text of article {i}, long enough to be the body."))
    feed = server.route(
        "/f.xml",
        Reply(
            body=rss(
                *[
                    {
                        "title": f"A {i}",
                        "link": server.url(f"/a/{i}"),
                        "guid": f"g{i}",
                        "pubDate": "Wed, 01 May 2024 11:00:00 GMT",
                        "description": "summary",
                    }
                    for i in range(n)
                ]
            )
        ),
    )
    (root / "subs.json").write_text(json.dumps([{"site": "S", "url": feed, "fulltext": "article"}]))
    (root / "newsvault.toml").write_text(TOML + toml)
    return Vault(root)


def observations(vault: Vault) -> list[dict]:
    return [
        json.loads(ln)
        for f in sorted((vault.root / "_evidence").glob("*.jsonl"))
        for ln in f.read_text(encoding="utf-8").splitlines()
    ]


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def state(vault: Vault) -> list[tuple]:
    import sqlite3

    db = sqlite3.connect(vault.index_file)
    try:
        return [
            tuple(r)
            for r in db.execute("SELECT post, due, verdict, revisions FROM revisits ORDER BY post")
        ]
    finally:
        db.close()


def test_an_edit_is_one_revision_and_a_deletion_a_verdict_then_cleared(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = make(tmp_path, server)
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    (post,) = list((vault.root / "_posts").glob("*.md"))
    original = post.read_bytes()
    report = revisit_vault(vault, config, now=at(0.5))
    assert report.done == 0  # not due before 1 h
    report = revisit_vault(vault, config, now=at(1))
    assert (report.done, report.revisions) == (1, ())  # the same text, the navigation's time aside
    server.route("/a/0", page("Edited text of article 0, long enough to be the body."))
    report = revisit_vault(vault, config, now=at(6))
    assert len(report.revisions) == 1
    revision = observations(vault)[-1]["revision"]
    assert "Edited text" in (vault.root / revision["file"]).read_text()
    assert revisit_vault(vault, config, now=at(24)).revisions == ()  # seen already: no second one
    server.route("/a/0", Reply(404, b"gone"))
    hours = [72, 84, 96]
    for h in hours[:-1]:
        assert revisit_vault(vault, config, now=at(h)).verdicts == ()
    assert revisit_vault(vault, config, now=at(90)).done == 0  # next check 12 h after a failure
    report = revisit_vault(vault, config, now=at(96))
    assert [reason for _, reason in report.verdicts] == ["gone"]
    verdict = observations(vault)[-1]["verdict"]
    assert [e["status"] for e in verdict["evidence"]] == [404, 404, 404]
    server.route("/a/0", page("Edited text of article 0, long enough to be the body."))
    report = revisit_vault(vault, config, now=at(24 * 7))
    assert len(report.cleared) == 1 and report.revisions == ()
    assert post.read_bytes() == original  # the original is never touched
    before = state(vault)
    shutil.rmtree(vault.root / ".newsvault")  # a fresh checkout: rebuilt from the record
    assert revisit_vault(vault, config, now=at(24 * 7 + 1)).done == 0  # rebuilds, nothing due
    assert state(vault) == before
    shutil.copy(vault.root / "_evidence" / "2024-05.jsonl", tmp_path / "kept")
    lines = (tmp_path / "kept").read_text().splitlines(keepends=True)
    (vault.root / "_evidence" / "2024-05.jsonl").write_text(
        "".join(reversed(lines))
    )  # a merge reordered
    with Index.open(vault) as index:
        result = tracks.sync(index.db, vault.root, tracks.Rules.of(config.evidence))
        assert result.rebuilt and result.observations == len(lines)
    assert state(vault) == before


def test_outages_never_count_and_a_failing_host_is_skipped(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = make(tmp_path, server, n=3)
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    for i in range(3):
        server.route(f"/a/{i}", Reply(503, b"busy"))
    report = revisit_vault(vault, config, now=at(1))
    assert report.requests == 1 and report.transient == 1 and report.left == 3
    assert report.skipped_hosts and not observations(vault)  # an outage is not evidence
    report = revisit_vault(vault, config, now=at(2), failing_hosts=report.skipped_hosts)
    assert report.requests == 0 and report.left == 3


def test_the_request_budget_bounds_a_run_and_the_backlog_drains(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = make(tmp_path, server, n=7, toml="[evidence]\nmax_requests = 3\n")
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    done = [revisit_vault(vault, config, now=at(1 + i / 10)).requests for i in range(4)]
    assert done == [3, 3, 1, 0]
    assert len({o["post"] for o in observations(vault)}) == 7


def test_a_subscription_can_switch_revisits_off(server: FeedServer, tmp_path: Path) -> None:
    vault = make(tmp_path, server, n=2)
    subs = json.loads(vault.subs_file.read_text())
    subs[0]["revisit"] = False
    vault.subs_file.write_text(json.dumps(subs))
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    assert revisit_vault(vault, config, now=at(1)).requests == 0


def test_an_item_dropped_from_its_feed_while_older_ones_remain(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = make(tmp_path, server, n=2)
    config = load_config(vault.root)
    feed = server.url("/f.xml")
    items = [
        {
            "title": f"A {i}",
            "link": server.url(f"/a/{i}"),
            "guid": f"g{i}",
            "pubDate": f"Wed, 01 May 2024 1{i}:00:00 GMT",
            "description": "s",
        }
        for i in range(2)
    ]
    server.route("/f.xml", Reply(body=rss(*items)))
    fetch_vault(vault, config, now=T0)
    server.route("/f.xml", Reply(body=rss(items[0])))  # the newer one is taken out
    for h in (1, 6, 18, 30):
        fetch_vault(vault, config, now=at(h))
        report = revisit_vault(vault, config, now=at(h))
    assert [reason for _, reason in report.verdicts] == ["dropped"]
    assert report.verdicts[0][0].endswith(".md")
    assert json.loads(vault.subs_file.read_text())[0]["url"] == feed


def nv(vault: Vault, *args: str, now: datetime) -> dict:
    import os
    import subprocess
    import sys

    from conftest import REPO

    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(REPO / "src")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsvault",
            *args,
            "--vault",
            str(vault.root),
            "--now",
            now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_commands_revisit_run_and_status(server: FeedServer, tmp_path: Path) -> None:
    vault = make(tmp_path, server, n=2)
    first = nv(vault, "run", "--no-publish", now=T0)
    assert first["revisit"]["done"] == 0 and first["new_articles"] == 2
    status = nv(vault, "status", now=at(1))["evidence"]
    assert (status["tracked"], status["pending"], status["scheduled"]) == (2, 2, 2)
    server.route("/a/1", page("Changed text of article 1, long enough to be the body."))
    revisited = nv(vault, "revisit", now=at(1))
    assert revisited["done"] == 2 and len(revisited["revisions"]) == 1
    server.route("/a/0", Reply(410, b""))
    ran = nv(vault, "run", "--no-publish", now=at(6))  # both still listed in the feed read
    assert (ran["revisit"]["listed"], ran["revisit"]["requests"]) == (2, 0)  # it stands in
    for h in (24, 36, 48):  # from 24 h (feed_covers) on, the pages are looked at
        ran = nv(vault, "run", "--no-publish", now=at(h))
    assert [v[1] for v in ran["revisit"]["verdicts"]] == ["gone"]
    status = nv(vault, "status", now=at(49))["evidence"]
    assert [v["reason"] for v in status["verdicts"]] == ["gone"]
    assert [r["revisions"] for r in status["revisions"]] == [1]
    assert status["pending"] == 0


def test_git_publish_commits_evidence_and_revisions_with_the_posts(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from automation_helpers import isolate_git, make_remote_and_clone, remote_files

    isolate_git(monkeypatch, tmp_path)
    remote, clone = make_remote_and_clone(tmp_path)
    inner = make(tmp_path / "made", server, n=1, toml="[publish]\ngit = true\n")
    for name in ("subs.json", "newsvault.toml"):
        (clone / name).write_text((inner.root / name).read_text())
    vault = Vault(clone)
    assert nv(vault, "run", now=T0)["publish"]["errors"] == []
    server.route("/a/0", page("Edited text of article 0, long enough to be the body."))
    ran = nv(vault, "run", now=at(24))  # the first look at the page (the feed stood in before)
    assert ran["publish"]["errors"] == [] and len(ran["revisit"]["revisions"]) == 1
    files = remote_files(remote)
    assert "_evidence/2024-05.jsonl" in files and "_provenance/2024-05.jsonl" in files
    revision = observations(vault)[-1]["revision"]["file"]
    assert revision.startswith("_revisions/") and revision.endswith(".html")
    assert [f for f in files if f.startswith("_revisions/")] == [revision]


def test_the_time_budget_cuts_a_pass_and_what_was_cut_stays_due(
    server: FeedServer, tmp_path: Path
) -> None:
    from servers import never_answers

    vault = make(tmp_path, server, n=2)
    (vault.root / "newsvault.toml").write_text(
        TOML.replace("retries = 0", "retries = 0\nread_timeout = 60.0")
        + "[evidence]\ntime_budget = 1.0\n"
    )
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    server.route("/a/0", never_answers)
    report = revisit_vault(vault, config, now=at(1))
    assert report.duration < 20 and report.left == 2
    assert observations(vault) == []  # the host's first answer never came: nothing more asked of it
    due_posts = [row[0] for row in state(vault) if row[1] == "2024-05-01T13:00:00Z"]
    assert len(due_posts) == 2  # the cut revisits are still due at their old time
    server.stop.set()


def test_a_torn_line_is_ignored_and_the_next_lines_still_count(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = make(tmp_path, server, n=1)
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    revisit_vault(vault, config, now=at(1))
    path = vault.root / "_evidence" / "2024-05.jsonl"
    with path.open("ab") as fh:  # a kill in the middle of an append
        fh.write(path.read_bytes()[:40])
    server.route("/a/0", page("Edited text of article 0, long enough to be the body."))
    assert len(revisit_vault(vault, config, now=at(6)).revisions) == 1
    text = path.read_bytes()
    assert text.count(b"\n") == 3 and len(observations_ok(vault)) == 2
    before = state(vault)
    shutil.rmtree(vault.root / ".newsvault")
    revisit_vault(vault, config, now=at(7))
    assert state(vault) == before


def observations_ok(vault: Vault) -> list[dict]:
    out = []
    for line in (vault.root / "_evidence" / "2024-05.jsonl").read_bytes().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def full_feed(server: FeedServer, text: str) -> Reply:
    item = (
        "<item><title>A 0</title><link>{link}</link><guid>g0</guid>"
        "<pubDate>Wed, 01 May 2024 11:00:00 GMT</pubDate>"
        "<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded></item>"
    ).format(link=server.url("/a/0"), text=text)
    return Reply(
        body=(
            '<?xml version="1.0"?><rss version="2.0" xmlns:content='
            '"http://purl.org/rss/1.0/modules/content/"><channel><title>S</title>'
            f"{item}</channel></rss>"
        ).encode()
    )


def test_a_feed_with_the_whole_text_stands_in_for_looks_and_shows_the_edit(
    server: FeedServer, tmp_path: Path
) -> None:
    original = "Original text of article 0, long enough to be the body."
    vault = make(tmp_path, server)
    subs = json.loads(vault.subs_file.read_text())
    del subs[0]["fulltext"]  # the post's body is the feed's own text
    vault.subs_file.write_text(json.dumps(subs))
    config = load_config(vault.root)
    server.route("/f.xml", full_feed(server, original))
    fetch_vault(vault, config, now=T0)

    def hour(h: float) -> tuple[int, int]:
        fetch_vault(vault, config, now=at(h))
        report = revisit_vault(vault, config, now=at(h))
        return report.listed, report.requests

    assert hour(1) == (0, 1)  # the first look: the page's version, and that the feed has it all
    assert observations(vault)[-1]["feed_full"] is True
    assert hour(6) == (1, 0) and hour(24) == (1, 0) and hour(72) == (1, 0)  # the feed, any age
    assert observations(vault)[-1]["outcome"] == "listed"
    edited = "Edited text of article 0, long enough to be the body."
    server.route("/a/0", page(edited))
    server.route("/f.xml", full_feed(server, edited))
    fetch_vault(vault, config, now=at(80))  # the entry changed: the page is looked at at once
    report = revisit_vault(vault, config, now=at(80))
    assert (report.listed, report.requests, len(report.revisions)) == (0, 1, 1)
    server.route("/a/0", Reply(404, b"gone"))  # the page goes, its feed still has it all
    assert hour(168) == (1, 0)  # the source still publishes the text: not a deletion
    server.route("/f.xml", Reply(body=rss()))  # out of its feed (the only item: no "dropped")
    assert hour(720) == (0, 1)  # the 30 d step looks at the page
    assert observations(vault)[-1]["outcome"] == "gone"


def test_feed_covers_0_looks_at_the_page_every_time(server: FeedServer, tmp_path: Path) -> None:
    vault = make(tmp_path, server, toml='[evidence]\nfeed_covers = "0"\n')
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    for h in (1, 6):
        fetch_vault(vault, config, now=at(h))
        report = revisit_vault(vault, config, now=at(h))
        assert (report.listed, report.requests) == (0, 1)
    vault = make(tmp_path / "default", server)  # the default: listed and young, a selector
    config = load_config(vault.root)
    fetch_vault(vault, config, now=T0)
    fetch_vault(vault, config, now=at(1))
    assert revisit_vault(vault, config, now=at(1)).listed == 1
