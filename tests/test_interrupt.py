"""Ctrl-C anywhere is clean: real processes, real SIGINT sent to the whole process group
(as a terminal does) at moments the test picks by watching the vault's files.

One Ctrl-C finishes the step it lands in (the article being written, the site build),
prints one message, releases the lock, leaves nothing half-written and exits 0; a second
one stops at once with exit 130 ("Interrupted."), still with the lock released and no
worker process left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from automation_helpers import REPO, newsvault_cmd, newsvault_env
from paths import REAL_SAMPLE
from servers import FeedServer, never_answers

NOW = "2025-03-01T00:00:00Z"
FEED = (REPO / "examples" / "feeds" / "yanjing.rss").as_uri()
COPIES = 6  # the real sample 6 times over (~1,150 posts): builds that fork workers and last a while

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_posts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sample's posts, copied under earlier years so that they are all distinct."""
    folder = tmp_path_factory.mktemp("big") / "_posts"
    folder.mkdir()
    for k in range(COPIES):
        for post in sorted((REAL_SAMPLE / "_posts").iterdir()):
            year = int(post.name[:4]) - k
            (folder / f"{year}{post.name[4:-3]}-{k}.md").write_bytes(post.read_bytes())
    return folder


@pytest.fixture
def big_vault(tmp_path: Path, big_posts: Path) -> Path:
    vault = tmp_path / "vault"
    vault.mkdir()
    shutil.copytree(big_posts, vault / "_posts")
    (vault / "newsvault.toml").write_text("[site]\nworkers = 2\n", encoding="utf-8")
    (vault / "subs.json").write_text(
        json.dumps([{"site": "yanjing", "url": FEED}]), encoding="utf-8"
    )
    return vault


def start(vault: Path, *args: str) -> subprocess.Popen[str]:
    """``newsvault ARGS`` in a process group of its own (the group gets the Ctrl-C)."""
    return subprocess.Popen(
        newsvault_cmd(*args, "--vault", str(vault), "--now", NOW),
        env=newsvault_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def ctrl_c_when(
    proc: subprocess.Popen[str], ready: Callable[[], bool], times: int = 1, timeout: float = 120
) -> tuple[str, str]:
    """Wait until ``ready()``, send SIGINT to the process group (``times`` times, 0.3 s
    apart), then return its output."""
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert proc.poll() is None, f"ended before the moment came: {proc.communicate()}"
            assert time.monotonic() < deadline, "the moment never came"
            time.sleep(0.002)
        for i in range(times):
            if i:
                time.sleep(0.3)
            os.killpg(proc.pid, signal.SIGINT)
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def group_gone(pgid: int) -> bool:
    """True when no process of the group is left (workers included)."""
    for _ in range(50):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def rendering(vault: Path) -> Callable[[], bool]:
    """The page workers have written a post's page (the pool is at work)."""
    site = vault / "_site"
    return lambda: site.is_dir() and any(p.name[:2] in ("19", "20") for p in site.iterdir())


def indexing(vault: Path) -> Callable[[], bool]:
    """The search workers are writing a new segment's documents."""
    segments = vault / "_site" / "search" / "data" / "s"
    return lambda: segments.is_dir() and any((d / "d").is_dir() for d in segments.glob("*.tmp"))


def leftovers(vault: Path) -> list[str]:
    """Temporary files and unfinished search segments anywhere in the vault."""
    return [
        str(p.relative_to(vault))
        for p in vault.rglob("*")
        if p.name.endswith(".tmp") and ".git" not in p.parts
    ]


def assert_clean_after_one_ctrl_c(
    proc: subprocess.Popen[str], vault: Path, out: str, err: str
) -> None:
    assert proc.returncode == 0, err
    assert err.count("SIGINT") == 1 and "finishing the site build" in err, err
    assert "Traceback" not in err and "Interrupted" not in err, err
    assert group_gone(proc.pid)
    assert (vault / ".newsvault" / "lock").read_text() == ""  # released
    assert leftovers(vault) == []
    rebuilt = subprocess.run(
        newsvault_cmd("build", "--vault", str(vault), "--json"),
        env=newsvault_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    report = json.loads(rebuilt.stdout)
    # the interrupted build had finished: nothing to write, nothing to index again
    assert (report["written"], report["removed"], report["search_indexed"]) == (0, 0, 0), report


@pytest.mark.parametrize("moment", [rendering, indexing], ids=["rendering", "indexing"])
def test_one_ctrl_c_during_the_build_of_a_run_finishes_it_and_skips_publishing(
    big_vault: Path, moment: Callable[[Path], Callable[[], bool]]
) -> None:
    proc = start(big_vault, "run", "--no-publish")
    out, err = ctrl_c_when(proc, moment(big_vault))
    assert "site built: " in out and "stopped early: nothing was published" in out, out
    assert_clean_after_one_ctrl_c(proc, big_vault, out, err)


def test_one_ctrl_c_during_build_command_finishes_the_build(big_vault: Path) -> None:
    proc = start(big_vault, "build")
    out, err = ctrl_c_when(proc, indexing(big_vault))
    assert "Built " in out, out
    assert_clean_after_one_ctrl_c(proc, big_vault, out, err)


@pytest.mark.parametrize("moment", [rendering, indexing], ids=["rendering", "indexing"])
def test_second_ctrl_c_during_the_build_stops_at_once(
    big_vault: Path, moment: Callable[[Path], Callable[[], bool]]
) -> None:
    proc = start(big_vault, "run", "--no-publish")
    out, err = ctrl_c_when(proc, moment(big_vault), times=2)
    assert proc.returncode == 130, err
    assert err.count("SIGINT") == 1 and err.count("Interrupted.") == 1, err
    assert "Traceback" not in err, err
    assert group_gone(proc.pid)  # the workers were killed with it
    assert (big_vault / ".newsvault" / "lock").read_text() == ""
    assert not list((big_vault / "_posts").rglob(".*.tmp"))
    again = subprocess.run(
        newsvault_cmd("build", "--vault", str(big_vault), "--json"),
        env=newsvault_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, (
        again.stderr
    )  # as after a crash: the next build completes the site
    assert leftovers(big_vault) == []


POOL_SCRIPT = """
import sys, time
from newsvault.site import parallel
from newsvault.stop import StopFlag, stop_on_signals

def job(seconds):
    time.sleep(seconds)
    return seconds

with stop_on_signals(StopFlag(), lambda m: print(m, file=sys.stderr, flush=True)) as flag:
    with flag.finishing("the jobs"), parallel.pool(parallel._context(), 2, **OPTIONS) as pool:
        print("started", flush=True)
        for _ in pool.imap_unordered(job, [600]):
            pass
"""


@pytest.mark.parametrize("options", [{}, {"maxtasksperchild": 1}], ids=["pool", "fresh-workers"])
def test_a_second_ctrl_c_kills_a_pool_whose_idle_worker_holds_the_task_queue(
    options: dict[str, int],
) -> None:
    """One worker busy, the other idle: waiting for a task, it holds the task queue's
    read lock. Killed there, it never gives it back, and ``Pool.terminate`` (which takes
    that lock) waited forever: the second Ctrl-C hung. It must stop at once."""
    proc = subprocess.Popen(
        [sys.executable, "-c", POOL_SCRIPT.replace("OPTIONS", repr(options))],
        env=newsvault_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "started\n"
        time.sleep(0.5)  # the job is taken; the idle worker waits in the task queue's get
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=30)  # hung for good before the fix
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert err.count("SIGINT: finishing the jobs") == 1, err
    # an uncaught KeyboardInterrupt: Python ends as killed by SIGINT
    assert err.rstrip().endswith("KeyboardInterrupt") and proc.returncode == -signal.SIGINT, err
    assert group_gone(proc.pid)  # no worker left behind


@pytest.mark.parametrize("command", ["fetch", "run"])
def test_ctrl_c_with_a_feed_in_flight_exits_0_with_one_message(
    tmp_path: Path, command: str
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    with FeedServer() as server:
        url = server.route("/slow.xml", never_answers)
        (vault / "subs.json").write_text(
            json.dumps([{"site": "slow", "url": url}, {"site": "yanjing", "url": FEED}])
        )
        proc = start(vault, command, "--no-publish") if command == "run" else start(vault, command)
        sent = time.monotonic()
        out, err = ctrl_c_when(
            proc,
            lambda: (
                bool(server.hits("/slow.xml"))
                and (vault / "_posts").is_dir()
                and len(list((vault / "_posts").rglob("*.md"))) == 5
            ),
        )
        elapsed = time.monotonic() - sent
    assert proc.returncode == 0, err
    assert err.count("SIGINT") == 1 and "finishing the current article" in err, err
    assert "Traceback" not in err and "Aborted" not in err and "Interrupted" not in err, err
    assert "stopped early" in out.lower(), out
    assert elapsed < 60
    assert group_gone(proc.pid)
    assert (vault / ".newsvault" / "lock").read_text() == ""
    assert leftovers(vault) == []
    assert len(list((vault / "_posts").rglob("*.md"))) == 5  # the feed that answered is archived
