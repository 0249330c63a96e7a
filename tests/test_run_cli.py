"""``newsvault run`` end to end: real feeds (file:// and 127.0.0.1), real git, real signals."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from automation_helpers import (
    REPO,
    clone,
    isolate_git,
    make_remote_and_clone,
    newsvault_cmd,
    newsvault_env,
    remote_files,
    sh,
)
from newsvault.archive.files import post_files

FEEDS = REPO / "examples" / "feeds"
NOW = "2025-03-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)


def subscribe(vault: Path, *names: str, urls: list[str] | None = None) -> None:
    subs = [{"site": Path(n).stem, "url": (FEEDS / n).as_uri()} for n in names]
    subs += [{"site": f"site{i}", "url": u} for i, u in enumerate(urls or [])]
    (vault / "subs.json").write_text(json.dumps(subs, ensure_ascii=False), encoding="utf-8")


def configure(vault: Path, publish: str) -> None:
    (vault / "newsvault.toml").write_text(f"[publish]\n{publish}\n", encoding="utf-8")


def run(
    vault: Path, *args: str, now: str = NOW, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        newsvault_cmd("run", "--vault", str(vault), "--now", now, *args),
        env=newsvault_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_run(
    vault: Path, *args: str, output: int | None = subprocess.PIPE
) -> subprocess.Popen[str]:
    """``newsvault run`` on ``vault`` in the background (for lock and signal tests)."""
    return subprocess.Popen(
        newsvault_cmd("run", "--vault", str(vault), "--now", NOW, *args),
        env=newsvault_env(),
        stdout=output,
        stderr=output,
        text=True,
    )


def gated_vault(tmp_path: Path, gated_feed: type["_Gate"]) -> Path:
    """A vault whose one feed answers only when the test opens the gate."""
    vault = tmp_path / "vault"
    vault.mkdir()
    subscribe(vault, urls=[gated_feed.url])  # type: ignore[attr-defined]
    return vault


def posts(vault: Path) -> list[str]:
    """The post files, relative to ``_posts/`` (a new vault keeps them in year folders)."""
    return [rel.removeprefix("_posts/") for rel in post_files(vault)]


def test_run_commits_pushes_then_nothing_new_makes_no_commit(tmp_path: Path) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    subscribe(vault, "medium.rss", "chinafile.atom")
    configure(vault, 'git = true\nsite_branch = "gh-pages"')
    first = run(vault)
    assert first.returncode == 0, first.stderr
    archived = posts(vault)
    assert len(archived) == 11
    assert sorted(f for f in remote_files(remote) if f.startswith("_posts/")) == [
        f"_posts/{n}" for n in archived
    ]
    body = sh(remote, "log", "-1", "--format=%s%n%b", "main")
    assert body.startswith("update 2025-03-01T00:00:00Z") and "medium: 6" in body
    assert "chinafile: 5" in body
    site = remote_files(remote, "gh-pages")
    assert "index.html" in site and ".nojekyll" in site
    head = sh(remote, "rev-parse", "main")
    second = run(vault, now="2025-03-01T01:00:00Z")
    assert second.returncode == 0, second.stderr
    assert sh(remote, "rev-parse", "main") == head  # nothing new: no commit
    assert "0 new articles" in second.stdout


def test_remote_moved_between_runs_rebase_keeps_both_sides(tmp_path: Path) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    other = clone(tmp_path, remote, "other")
    for v, feed in ((vault, "medium.rss"), (other, "chinafile.atom")):
        subscribe(v, feed)
        configure(v, "git = true")
    assert run(other).returncode == 0
    result = run(vault)
    assert result.returncode == 0, result.stderr
    assert "after rebasing" in result.stdout
    names = [f for f in remote_files(remote) if f.startswith("_posts/")]
    assert len(names) == 11
    sh(other, "pull", "-q")
    assert posts(other) == posts(vault) and len(posts(vault)) == 11
    # the pulled posts are known to the vault now: the next run adds nothing twice
    subscribe(vault, "medium.rss", "chinafile.atom")
    again = run(vault, now="2025-03-01T01:00:00Z")
    assert again.returncode == 0 and len(posts(vault)) == 11, again.stdout


class _Gate(http.server.BaseHTTPRequestHandler):
    """Serves one feed, but only once the test opens the gate."""

    gate = threading.Event()
    asked = threading.Event()
    body = b""

    def do_GET(self) -> None:  # noqa: N802
        type(self).asked.set()
        type(self).gate.wait(60)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gated_feed() -> Iterator[type[_Gate]]:
    handler = type(
        "Gate",
        (_Gate,),
        {
            "gate": threading.Event(),
            "asked": threading.Event(),
            "body": (FEEDS / "yanjing.rss").read_bytes(),
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/feed.rss"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        handler.gate.set()
        server.shutdown()
        server.server_close()


def test_two_concurrent_runs_one_works_other_exits_3(
    tmp_path: Path, gated_feed: type[_Gate]
) -> None:
    vault = gated_vault(tmp_path, gated_feed)
    first = start_run(vault)
    try:
        assert gated_feed.asked.wait(60), "the first run never asked for its feed"
        second = run(vault)
        assert second.returncode == 3
        assert "locked" in second.stderr and f"PID {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        gated_feed.gate.set()
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert len(posts(vault)) == 5
    third = run(vault)  # the lock was released
    assert third.returncode == 0 and len(posts(vault)) == 5


def test_lock_of_a_killed_run_is_taken_over(tmp_path: Path, gated_feed: type[_Gate]) -> None:
    vault = gated_vault(tmp_path, gated_feed)
    victim = start_run(vault, output=subprocess.DEVNULL)
    assert gated_feed.asked.wait(60)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert f'"pid": {victim.pid}' in (vault / ".newsvault" / "lock").read_text()
    gated_feed.gate.set()
    result = run(vault)
    assert result.returncode == 0, result.stderr
    assert f"took over a stale lock (PID {victim.pid}" in result.stdout
    assert len(posts(vault)) == 5


def test_sigterm_during_run_every_exits_within_5s(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    subscribe(vault, "medium.rss")
    proc = start_run(vault, "--every", "1h", "--no-publish")
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # wait for the first run's summary: now it sleeps
            if line.startswith("run "):
                break
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and elapsed < 5
    assert (vault / ".newsvault" / "lock").read_text() == ""
    assert [p for p in os.listdir(vault / "_posts") if p.startswith(".")] == []
    assert len(posts(vault)) == 6


def test_sigterm_while_fetching_finishes_cleanly_and_next_run_completes(
    tmp_path: Path, gated_feed: type[_Gate]
) -> None:
    vault = gated_vault(tmp_path, gated_feed)
    proc = start_run(vault, "--every", "1h")
    try:
        assert gated_feed.asked.wait(60)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        gated_feed.gate.set()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM" in err and "stopped after 1 run" in out
    assert (vault / ".newsvault" / "lock").read_text() == ""
    assert not (vault / "_posts").exists() or not list((vault / "_posts").glob(".*"))
    result = run(vault)
    assert result.returncode == 0 and len(posts(vault)) == 5


def test_init_in_empty_folder_then_run_works_offline(tmp_path: Path) -> None:
    vault = tmp_path / "new vault"
    init = subprocess.run(
        newsvault_cmd("init", str(vault)),
        env=newsvault_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    assert (vault / ".github" / "workflows" / "newsvault.yml").is_file()
    subscribe(vault, "yanjing.rss", "chinafile.atom")  # offline instead of the examples
    result = run(vault)
    assert result.returncode == 0, result.stderr
    assert "10 new articles from 2 feeds" in result.stdout
    assert "no git remote 'origin': committed locally" in result.stdout
    assert len(posts(vault)) == 10 and (vault / "_site" / "index.html").is_file()
    assert sh(vault, "log", "-1", "--format=%s") == "update 2025-03-01T00:00:00Z"
    tracked = sh(vault, "ls-files").splitlines()
    assert not any(p.startswith(("_site", ".newsvault")) for p in tracked)


def test_run_json_report(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    subscribe(vault, "yanjing.rss")
    (vault / "newsvault.toml").write_text('[publish]\nsite_folder = "../www"\n')
    result = run(vault, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["new_articles"] == 5 and data["exit_code"] == 0 and not data["stopped"]
    assert data["fetch"]["new_by_site"] == {"yanjing": 5}
    assert data["publish"]["folder"]["files"] > 5 and data["publish"]["errors"] == []
    assert (tmp_path / "www" / "index.html").is_file()


def test_sigterm_while_a_download_hangs_stops_within_5s(
    tmp_path: Path, gated_feed: type[_Gate]
) -> None:
    vault = gated_vault(tmp_path, gated_feed)
    proc = start_run(vault, "--every", "1h30m")
    try:
        assert gated_feed.asked.wait(60)  # the gate never opens: the download hangs
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and elapsed < 5, err
    assert "running every 1h30m" in out
    assert "SIGTERM" in err and "Traceback" not in err
    assert (vault / ".newsvault" / "lock").read_text() == ""


def test_run_outside_a_vault_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "not a vault"
    folder.mkdir()
    result = run(folder)
    assert result.returncode == 2 and "is not a vault" in result.stderr
    assert list(folder.iterdir()) == []  # nothing created in the wrong folder
    (folder / "subs.json").write_text("[]")
    empty = run(folder)
    assert empty.returncode == 0 and "no feeds to fetch" in empty.stdout
