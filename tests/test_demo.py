"""`make demo` runs offline on the bundled example archive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_demo_builds_a_vault(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    out = subprocess.run([sys.executable, str(REPO / "examples" / "demo.py"), str(target)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "import  examples/archive: 12 copied, 0 skipped, 0 broken" in out.stdout
    assert "archive attempt 2: already archived, skipped" in out.stdout
    assert "check   13 posts: 12 ok, 1 with warnings, 0 broken" in out.stdout
    assert len(list((target / "_posts").glob("*.md"))) == 13
    for src in (REPO / "examples" / "archive" / "_posts").iterdir():
        assert (target / "_posts" / src.name).read_bytes() == src.read_bytes()
