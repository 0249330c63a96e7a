"""Tests that need something outside Python: a marker per need, skipped when it is missing.

``@pytest.mark.jekyll``, ``browser``, ``node`` and ``corpus`` name what a test needs
(Debian's jekyll; headless Chromium through Playwright; node, for the search page's script; the
full fixture corpus named by ``NEWSVAULT_CORPUS``). Each need is looked up once per run; a
test whose need is missing is skipped with a reason that says how to get it, and the run
ends with one line per need. ``NEWSVAULT_REQUIRE_ALL=1`` (set by ``.ci/run``) turns a skip
for a missing jekyll, browser or node into an error before any test runs, so CI cannot
pass by skipping them. ``slow`` is only a label: ``-m "not slow"`` leaves those tests out.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from paths import CORPUS

#: Needs that CI must have: with NEWSVAULT_REQUIRE_ALL=1 their absence is an error.
REQUIRED_IN_CI = ("jekyll", "browser", "node")
#: Fixtures that need a tool: a test using one gets the marker without writing it.
FIXTURE_NEEDS = {"jekyll_sample": "jekyll"}


@dataclass(frozen=True)
class Need:
    marker: str
    find: Callable[[], str | None]  # where the thing is, or None when it is missing
    missing: str  # why the test is skipped, and what to do about it


def _jekyll() -> str | None:
    return shutil.which("jekyll")


def _browser() -> str | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium and importlib.util.find_spec("playwright") is not None:
        return chromium
    return None


def _node() -> str | None:
    return shutil.which("node")


def _corpus() -> str | None:
    if CORPUS is not None and (CORPUS / "posts" / "real-sample" / "MANIFEST.json").is_file():
        return str(CORPUS)
    return None


NEEDS = {
    need.marker: need
    for need in (
        Need(
            "jekyll",
            _jekyll,
            "jekyll is not installed (Debian: apt-get install jekyll; "
            "`make setup-system` as root does it)",
        ),
        Need(
            "browser",
            _browser,
            "headless Chromium is not installed (Debian: apt-get install "
            "chromium fonts-noto-cjk; `make setup-system` as root does it)",
        ),
        Need(
            "node",
            _node,
            "node is not installed (Debian: apt-get install nodejs; "
            "`make setup-system` as root does it)",
        ),
        Need(
            "corpus",
            _corpus,
            "the full fixture corpus is not there (set NEWSVAULT_CORPUS to a "
            "folder with feeds/ and posts/real-sample/)",
        ),
    )
}

_FOUND = pytest.StashKey[dict[str, str | None]]()
_SKIPPED = pytest.StashKey[Counter[str]]()


def _required() -> bool:
    return os.environ.get("NEWSVAULT_REQUIRE_ALL", "") not in ("", "0")


@pytest.hookimpl(trylast=True)  # after -m / -k have deselected what will not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    found: dict[str, str | None] = {}
    skipped: Counter[str] = Counter()
    for item in items:
        for fixture, marker in FIXTURE_NEEDS.items():
            if fixture in getattr(item, "fixturenames", ()) and not item.get_closest_marker(marker):
                item.add_marker(marker)
        for marker in (m.name for m in item.iter_markers() if m.name in NEEDS):
            if marker not in found:
                found[marker] = NEEDS[marker].find()
            if found[marker] is None:
                item.add_marker(pytest.mark.skip(reason=f"{marker}: {NEEDS[marker].missing}"))
                skipped[marker] += 1
                break
    config.stash[_FOUND] = found
    config.stash[_SKIPPED] = skipped
    if _required():
        missing = [m for m in REQUIRED_IN_CI if skipped[m]]
        if missing:
            raise pytest.UsageError(
                "NEWSVAULT_REQUIRE_ALL is set but these tests would be skipped: "
                + "; ".join(f"{skipped[m]} {m} ({NEEDS[m].missing})" for m in missing)
            )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    found = config.stash.get(_FOUND, {})
    if not found:
        return
    skipped = config.stash[_SKIPPED]
    terminalreporter.section("optional tools")
    for marker, where in sorted(found.items()):
        if where is None:
            terminalreporter.line(
                f"{marker}: missing, {skipped[marker]} tests skipped: {NEEDS[marker].missing}"
            )
        else:
            terminalreporter.line(f"{marker}: {_short(where)}")


def _short(where: str) -> str:
    """A path relative to the working folder when it is inside it (the summary stays short)."""
    try:
        return str(Path(where).relative_to(Path.cwd()))
    except ValueError:
        return where
