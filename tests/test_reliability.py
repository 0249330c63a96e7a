"""Crash safety in the regular suite: a few SIGKILL rounds (``make test-reliability`` runs 25)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "reliability"))

from crash_run import main  # noqa: E402


@pytest.mark.slow
def test_sigkill_during_fetch_never_loses_or_corrupts_posts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--rounds", "6", "--items", "30", "--seed", "20261126", "-v"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "6/6 rounds passed" in out
