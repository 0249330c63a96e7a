"""``make demo`` on a fresh checkout, offline: the run works and its printed instructions too."""

from __future__ import annotations

import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

from automation_helpers import REPO


def test_demo_runs_offline_and_its_serve_instructions_work(tmp_path: Path) -> None:
    vault = tmp_path / "somewhere else" / "demo"
    out = subprocess.run(
        [sys.executable, str(REPO / "examples" / "demo.py"), str(vault)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "12 copied, 0 skipped" in out.stdout  # the example archive was adopted
    runs = [line for line in out.stdout.splitlines() if line.startswith("run ")]
    assert len(runs) == 2 and "0 new articles" in runs[1]  # nothing archived twice
    total = len(list((vault / "_posts").rglob("*.md")))  # a new vault: year folders
    fetched = int(runs[0].split(": ")[1].split(" new")[0])
    assert fetched >= 14 and total == 12 + fetched
    assert f"Done: {total} articles in {vault / '_posts'}" in out.stdout
    for src in (REPO / "examples" / "archive" / "_posts").iterdir():
        assert (vault / "_posts" / src.name[:4] / src.name).read_bytes() == src.read_bytes()
    assert (vault / "_site" / "index.html").is_file()
    lines = out.stdout.splitlines()
    command = shlex.split(
        lines[lines.index("Read it (with search) at http://127.0.0.1:8000/ after starting:") + 2]
    )
    assert command[-3:] == ["serve", "--vault", str(vault)]
    server = subprocess.Popen(
        [*command, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("Serving "), first + server.stderr.read()
        url = first.split(" at ")[1].split(" ")[0]
        page = urllib.request.urlopen(url, timeout=10).read().decode("utf-8")
        assert "newsvault demo" in page and "燕声视频006" in page
    finally:
        server.terminate()
        server.wait(timeout=10)
