"""``newsvault run``: lock → fetch → build → publish, once or every so often.

The order is the order of importance. New articles are written to ``_posts/`` first
(each post atomically, by the archive stage), so whatever happens afterwards they are
safe on disk; a site that fails to build still lets the archive be committed and
pushed; publishing failures leave the commits in the local repository for the next
run, which commits and pushes everything the remote lacks, not just its own work.

Stopping (SIGINT/SIGTERM) is cooperative: the fetch stage asks ``should_stop`` between
articles, so the article being written is finished, then the run skips building and
publishing (quick exit for a shutting-down machine; the next run does both) and the
lock is released. A stop during the site build lets the build finish (a half-updated
site would mix old and new links), then skips publishing. A second signal interrupts at
once. A run killed outright (SIGKILL, power loss) leaves complete posts only; the kernel
drops its lock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from newsvault.config import Config
from newsvault.errors import BuildError, LockedError, NewsvaultError
from newsvault.fsutil import sweep_temp_files
from newsvault.lock import LockHolder, locked
from newsvault.publish.publisher import PublishReport, publish_vault
from newsvault.stop import StopFlag
from newsvault.vault import Vault


class FetchStage(Protocol):
    def __call__(
        self,
        vault: Vault,
        config: Config,
        *,
        now: datetime,
        progress: Any = None,
        should_stop: Callable[[], bool] = ...,
    ) -> Any: ...


class BuildStage(Protocol):
    def __call__(
        self, vault: Vault, config: Config, *, full: bool = False, progress: Any = None
    ) -> Any: ...


def _fetch(vault: Vault, config: Config, **kwargs: Any) -> Any:
    from newsvault.pipeline import fetch_vault

    return fetch_vault(vault, config, **kwargs)


def _revisit(vault: Vault, config: Config, **kwargs: Any) -> Any:
    from newsvault.evidence.revisit import revisit_vault

    return revisit_vault(vault, config, **kwargs)


def _build(vault: Vault, config: Config, **kwargs: Any) -> Any:
    from newsvault.site.build import build_site

    return build_site(vault, config, **kwargs)


@dataclass(frozen=True)
class Stages:
    """The stage functions a run calls (the real ones unless a caller swaps them)."""

    fetch: FetchStage = _fetch
    build: BuildStage = _build
    revisit: Callable[..., Any] = _revisit


@dataclass(frozen=True)
class RunReport:
    """What one run did; ``exit_code`` follows docs/commands.md (1 when every feed failed)."""

    now: datetime
    fetch: Any = None  # newsvault.pipeline.FetchReport
    revisit: Any = None  # newsvault.evidence.revisit.RevisitReport (None: revisits off)
    build: Any = None  # newsvault.site.build.BuildReport
    build_error: str | None = None
    publish: PublishReport | None = None
    stopped: bool = False
    stale_lock: LockHolder | None = None
    swept: tuple[str, ...] = ()  # temporary files a killed run left behind, removed

    @property
    def new_articles(self) -> int:
        return sum(getattr(self.fetch, "new_by_site", {}).values()) if self.fetch else 0

    @property
    def exit_code(self) -> int:
        code = int(getattr(self.fetch, "exit_code", 0) or 0)
        if self.build_error or (self.publish and not self.publish.ok):
            code = max(code, 1)
        return code

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (``newsvault run --json``)."""
        return {
            "now": self.now.isoformat(),
            "new_articles": self.new_articles,
            "exit_code": self.exit_code,
            "stopped": self.stopped,
            "stale_lock": _json(self.stale_lock),
            "swept": list(self.swept),
            "fetch": _json(self.fetch),
            "revisit": _json(self.revisit),
            "build": _json(self.build),
            "build_error": self.build_error,
            "publish": _json(self.publish),
        }


def _json(report: Any) -> Any:
    """A stage's report as JSON-ready data: every report has ``to_json``."""
    return None if report is None else report.to_json()


def run_once(
    vault: Vault,
    config: Config,
    *,
    now: datetime,
    publish: bool = True,
    stop: StopFlag | None = None,
    progress: Any = None,
    stages: Stages = Stages(),
) -> RunReport:
    """One locked run; raises LockedError (exit 3) when another run holds the vault."""
    stop = stop or StopFlag()
    with locked(vault, "newsvault run") as lock:
        swept = sweep_temp_files(vault)
        fetched = stages.fetch(vault, config, now=now, progress=progress, should_stop=stop.is_set)
        if stop.is_set() or getattr(fetched, "stopped", False):
            return RunReport(
                now=now, fetch=fetched, stopped=True, stale_lock=lock.stale, swept=swept
            )
        revisited = None
        if config.evidence.revisit:  # after the feeds: their hosts' health and items are known
            revisited = stages.revisit(
                vault,
                config,
                now=now,
                progress=progress,
                should_stop=stop.is_set,
                failing_hosts=failing_hosts(fetched),
            )
        built, build_error = None, None
        with stop.finishing("the site build"):
            try:
                built = stages.build(vault, config, progress=progress)
            except BuildError as exc:
                build_error = str(exc)
            except Exception as exc:  # noqa: BLE001 - a broken site must never keep the posts from git
                build_error = f"internal error: {type(exc).__name__}: {exc}"
        stopped = stop.is_set()  # stopped while building: the site is whole, publishing waits
        published = None
        if publish and not stopped:
            with stop.finishing("publishing"):
                published = publish_vault(vault, config, now=now, site_built=build_error is None)
        return RunReport(
            now=now,
            fetch=fetched,
            revisit=revisited,
            build=built,
            build_error=build_error,
            publish=published,
            stopped=stopped,
            stale_lock=lock.stale,
            swept=swept,
        )


def failing_hosts(fetched: Any) -> frozenset[str]:
    """Hosts whose feed failed in this run by an outage (no answer, 5xx): their articles
    are not revisited (an outage is not a deletion)."""
    import urllib.parse

    out = set()
    for feed in getattr(fetched, "feeds", ()):
        if feed.status == "error" and (feed.http_status is None or feed.http_status >= 500):
            out.add(urllib.parse.urlsplit(feed.url).netloc.lower())
    return frozenset(out)


@dataclass
class Loop:
    """``run --every``: run, sleep ``interval`` ± jitter, until stopped."""

    vault: Vault
    load_config: Callable[[], Config]
    interval: float
    on_report: Callable[[RunReport], None]
    on_error: Callable[[NewsvaultError], None]
    clock: Callable[[], datetime]
    publish: bool = True
    jitter: float = 0.1
    stop: StopFlag = field(default_factory=StopFlag)
    stages: Stages = field(default_factory=Stages)
    rng: random.Random = field(default_factory=random.Random)
    runs: int = 0

    def next_delay(self) -> float:
        """Interval stretched by up to ``jitter`` (at most 5 minutes), never shortened."""
        return self.interval + min(self.interval * self.jitter, 300.0) * self.rng.random()

    def run(self, max_runs: int | None = None) -> int:
        """Loop until stopped (or ``max_runs``); returns the last run's exit code."""
        code = 0
        while not self.stop.is_set():
            code = self._one()
            self.runs += 1
            if max_runs is not None and self.runs >= max_runs:
                break
            self.stop.wait(self.next_delay())
        return code

    def _one(self) -> int:
        try:
            report = run_once(
                self.vault,
                self.load_config(),
                now=self.clock(),
                publish=self.publish,
                stop=self.stop,
                stages=self.stages,
            )
        except LockedError as exc:  # another run is busy: skip this round, try next time
            self.on_error(exc)
            return exc.exit_code
        except NewsvaultError as exc:  # e.g. a config error: keep looping, it may be fixed
            self.on_error(exc)
            return exc.exit_code
        self.on_report(report)
        return report.exit_code


MIN_INTERVAL = 60.0  # `run --every`: feeds change hourly at most; faster only loads their servers
