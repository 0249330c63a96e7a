"""The run orchestration: order of stages, what survives a failing stage, the loop."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from automation_helpers import isolate_git, make_remote_and_clone, remote_files, sh
from newsvault.clock import parse_duration
from newsvault.config import Config, PublishConfig
from newsvault.errors import BuildError, LockedError, UsageError
from newsvault.fsutil import sweep_temp_files
from newsvault.lock import VaultLock
from newsvault.runner import Loop, Stages, run_once
from newsvault.stop import StopFlag
from newsvault.vault import Vault

NOW = datetime(2021, 1, 28, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Fetched:
    new_by_site: dict[str, int]
    exit_code: int = 0


@dataclass
class Recorder:
    """Stage functions that do real (small) work and record the order of calls."""

    calls: list[str] = field(default_factory=list)
    fail_build: bool = False
    stop_after_fetch: StopFlag | None = None
    stop_during_build: StopFlag | None = None
    prefix: str = "post"

    def fetch(
        self,
        vault: Vault,
        config: Config,
        *,
        now: datetime,
        progress: Any = None,
        should_stop: Any = None,
    ) -> Fetched:
        self.calls.append("fetch")
        assert VaultLock(vault).held is False and vault.lock_file.read_text()  # lock is held
        vault.posts_dir.mkdir(exist_ok=True)
        name = f"2021-01-27-{self.prefix}{len(self.calls)}.md"
        (vault.posts_dir / name).write_text("---\ntitle: x\n---\n")
        if self.stop_after_fetch:
            self.stop_after_fetch.set("test")
        return Fetched({"CNA": 1})

    def build(
        self, vault: Vault, config: Config, *, full: bool = False, progress: Any = None
    ) -> str:
        self.calls.append("build")
        if self.stop_during_build:
            assert not self.stop_during_build.interruptible  # the grace timer leaves it be
            self.stop_during_build.set("test")
        if self.fail_build:
            raise BuildError("template broke")
        vault.site_dir.mkdir(exist_ok=True)
        (vault.site_dir / "index.html").write_text("site")
        return "built"


def _count(paths: list[Path]) -> dict[str, int]:
    return {"CNA": len(paths)}


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    isolate_git(monkeypatch, tmp_path)
    monkeypatch.setattr("newsvault.publish.publisher.count_sites", _count)
    return make_remote_and_clone(tmp_path)


def _config(**publish: Any) -> Config:
    return Config(publish=PublishConfig(git=True, **publish))


def test_run_once_fetches_builds_commits_pushes_and_deploys(vault: tuple[Path, Path]) -> None:
    remote, root = vault
    rec = Recorder()
    report = run_once(
        Vault(root),
        _config(site_branch="gh-pages"),
        now=NOW,
        stages=Stages(fetch=rec.fetch, build=rec.build),
    )
    assert rec.calls == ["fetch", "build"]
    assert report.exit_code == 0 and report.publish is not None and report.publish.ok
    assert "_posts/2021-01-27-post1.md" in remote_files(remote)
    assert remote_files(remote, "gh-pages") == [".nojekyll", "index.html"]
    assert Vault(root).lock_file.read_text() == ""  # released


def test_failed_build_still_commits_and_pushes_the_archive(vault: tuple[Path, Path]) -> None:
    remote, root = vault
    rec = Recorder(fail_build=True)
    report = run_once(
        Vault(root),
        _config(site_branch="gh-pages"),
        now=NOW,
        stages=Stages(fetch=rec.fetch, build=rec.build),
    )
    assert report.exit_code == 1 and report.build_error == "template broke"
    assert "_posts/2021-01-27-post1.md" in remote_files(remote)
    assert report.publish is not None and "the site was not built" in report.publish.notes[0]
    assert "gh-pages" not in sh(remote, "branch")


def test_stop_during_fetch_skips_build_and_publish_next_run_publishes(
    vault: tuple[Path, Path],
) -> None:
    remote, root = vault
    stop = StopFlag()
    rec = Recorder(stop_after_fetch=stop)
    report = run_once(
        Vault(root), _config(), now=NOW, stop=stop, stages=Stages(fetch=rec.fetch, build=rec.build)
    )
    assert report.stopped and rec.calls == ["fetch"] and report.publish is None
    assert "_posts/2021-01-27-post1.md" not in remote_files(remote)
    rec2 = Recorder(prefix="later")
    run_once(Vault(root), _config(), now=NOW, stages=Stages(fetch=rec2.fetch, build=rec2.build))
    files = remote_files(remote)
    assert "_posts/2021-01-27-post1.md" in files and "_posts/2021-01-27-later1.md" in files
    assert "2 new articles" in sh(remote, "log", "-1", "--format=%b", "main")


def test_stop_during_build_finishes_it_then_skips_publishing(vault: tuple[Path, Path]) -> None:
    remote, root = vault
    stop = StopFlag()
    rec = Recorder(stop_during_build=stop)
    report = run_once(
        Vault(root), _config(), now=NOW, stop=stop, stages=Stages(fetch=rec.fetch, build=rec.build)
    )
    assert report.stopped and rec.calls == ["fetch", "build"] and report.build == "built"
    assert report.publish is None and report.exit_code == 0
    assert "_posts/2021-01-27-post1.md" not in remote_files(remote)
    assert stop.interruptible and Vault(root).lock_file.read_text() == ""


def test_run_refused_while_locked(vault: tuple[Path, Path]) -> None:
    _, root = vault
    rec = Recorder()
    with VaultLock(Vault(root)):
        with pytest.raises(LockedError):
            run_once(
                Vault(root), _config(), now=NOW, stages=Stages(fetch=rec.fetch, build=rec.build)
            )
    assert rec.calls == []


def test_loop_runs_until_stopped_and_survives_a_locked_round(vault: tuple[Path, Path]) -> None:
    _, root = vault
    rec = Recorder()
    stop = StopFlag()
    reports: list[Any] = []
    errors: list[Exception] = []

    def on_report(report: Any) -> None:
        reports.append(report)
        if len(reports) == 2:
            stop.set("enough")

    holder = VaultLock(Vault(root))
    loop = Loop(
        vault=Vault(root),
        load_config=_config,
        interval=0.01,
        on_report=on_report,
        on_error=errors.append,
        clock=lambda: NOW,
        stop=stop,
        stages=Stages(fetch=rec.fetch, build=rec.build),
    )
    holder.acquire()
    assert loop.run(max_runs=1) == 3  # busy vault: reported, not fatal
    holder.release()
    assert isinstance(errors[0], LockedError)
    assert loop.run() == 0
    assert len(reports) == 2 and loop.runs == 3


def test_jitter_only_lengthens_and_is_bounded() -> None:
    loop = Loop(
        vault=Vault(Path(".")),
        load_config=Config,
        interval=3600,
        on_report=print,
        on_error=print,
        clock=lambda: NOW,
        rng=random.Random(1),
    )
    delays = [loop.next_delay() for _ in range(200)]
    assert all(3600 <= d <= 3600 + 300 for d in delays) and len(set(delays)) > 100


def test_stop_flag_wakes_a_sleep_at_once() -> None:
    stop = StopFlag()
    stop.set()
    assert stop.wait(3600) is True


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("90s", 90),
        ("15m", 900),
        ("1h", 3600),
        ("1h30m", 5400),
        ("2d", 172800),
        ("45", 45),
        ("0.5h", 1800),
        ("1H 5M", 3900),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "0", "0s", "-5m", "1x", "1h and 5m", "nan", "inf"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


@given(st.lists(st.tuples(st.integers(0, 500), st.sampled_from("dhms")), min_size=1, max_size=4))
def test_parse_duration_sums_parts(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{n}{u}" for n, u in parts)
    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total = sum(n * unit[u] for n, u in parts)
    if total == 0:
        with pytest.raises(UsageError):
            parse_duration(text)
    else:
        assert parse_duration(text) == total


def test_sweep_removes_temp_files_of_dead_writers_only(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    vault = Vault(tmp_path)
    posts_dir = vault.posts_dir
    (posts_dir).mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        files = {
            "dead": posts_dir / f".2021-01-27-a.md.{dead}.tmp",
            "alive": posts_dir / f".2021-01-27-b.md.{alive.pid}.tmp",
            "old": posts_dir / ".odd-name.tmp",
            "new": posts_dir / ".fresh-odd-name.tmp",
            "post": posts_dir / "2021-01-27-c.md",
            "asset": vault.assets_dir / "img" / f".x.png.{dead}.tmp",
        }
        for path in files.values():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")
        past = time.time() - 7200
        os.utime(files["old"], (past, past))
        swept = sweep_temp_files(vault)
        assert sorted(swept) == sorted(
            p.relative_to(tmp_path).as_posix()
            for k, p in files.items()
            if k in ("dead", "old", "asset")
        )
        assert files["alive"].exists() and files["new"].exists() and files["post"].exists()
    finally:
        alive.kill()
        alive.wait()


def _busy(seconds: float) -> None:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_stop_grace_period_interrupts_a_stuck_fetch_but_never_git() -> None:
    import os
    import signal

    from newsvault.stop import StopTimeout, stop_on_signals

    before = signal.getsignal(signal.SIGTERM)
    stop = StopFlag()
    with pytest.raises(StopTimeout):
        with stop_on_signals(stop, grace=0.2):
            os.kill(os.getpid(), signal.SIGTERM)
            _busy(5)  # a download that does not look at should_stop
    assert stop.signal_name == "SIGTERM"
    stop = StopFlag()
    with stop_on_signals(stop, grace=0.2):
        stop.interruptible = False  # git at work: let it finish
        os.kill(os.getpid(), signal.SIGTERM)
        _busy(0.6)
    assert stop.is_set()
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def test_a_step_being_finished_outlives_the_grace_period_and_names_itself_in_the_message() -> None:
    import os
    import signal

    from newsvault.stop import stop_on_signals

    stop, said = StopFlag(), []
    with stop_on_signals(stop, notify=said.append, grace=0.2):
        with stop.finishing("the site build"):
            os.kill(os.getpid(), signal.SIGINT)
            _busy(0.6)  # three grace periods: not cut
        assert stop.interruptible and stop.doing == "the current article"  # restored after it
        _busy(0.4)  # no timer was left armed by the stop during the step
    assert said == [
        "SIGINT: finishing the site build, then stopping (send it again to stop at once)"
    ]
    stop = StopFlag()
    with pytest.raises(KeyboardInterrupt):  # a second signal still stops at once
        with stop_on_signals(stop, grace=0.2), stop.finishing("the site build"):
            os.kill(os.getpid(), signal.SIGINT)
            _busy(0.1)
            os.kill(os.getpid(), signal.SIGINT)
            _busy(1)


def test_sweep_finds_what_write_atomic_leaves_behind(tmp_path: Path, monkeypatch) -> None:
    """A writer killed between write and rename leaves a temp file the sweep recognizes."""
    import newsvault.fsutil as fsutil

    vault = Vault(tmp_path)
    vault.posts_dir.mkdir()
    target = vault.assets_dir / "img" / "ab" / "cd.png"
    left: list[Path] = []

    def killed(src: str, _dst: object) -> None:
        left.append(Path(src))
        raise KeyboardInterrupt

    monkeypatch.setattr(fsutil.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        fsutil.write_atomic(target, b"png")
    monkeypatch.undo()
    assert not target.exists() and not left[0].exists()
    left[0].write_bytes(b"png")  # what SIGKILL (no cleanup) would have left
    assert sweep_temp_files(vault) == (left[0].relative_to(tmp_path).as_posix(),)
    assert not left[0].exists()
