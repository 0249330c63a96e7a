"""Where the repository and the shared fixtures are, computed once for every test helper
(CI has ``shared/`` beside the clone exactly like the development machine)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures"
REAL_SAMPLE = FIXTURES / "posts" / "real-sample"
