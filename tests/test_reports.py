"""One report contract (issue 13.9): every report a command prints with ``--json`` is
turned into JSON by its own ``to_json()`` (there were five shapes: ``to_json``,
``to_dict``, ``asdict(report)``, the CLI's ``report_dict`` and ``__dict__``)."""

from __future__ import annotations

import ast
import json
from datetime import datetime, timezone
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "newsvault"


def _classes() -> dict[str, ast.ClassDef]:
    found = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found[f"{path.relative_to(SRC)}:{node.name}"] = node
    return found


def test_every_report_has_to_json_and_no_other_serializer() -> None:
    classes = _classes()
    reports = {k: c for k, c in classes.items() if k.endswith(("Report", "Health", "Holder"))}
    assert len(reports) >= 10
    for key, cls in reports.items():
        methods = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
        assert "to_json" in methods, key
    for key, cls in classes.items():
        methods = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
        assert not methods & {"to_dict", "report_dict", "as_dict"}, key
    cli = "\n".join(p.read_text(encoding="utf-8") for p in (SRC / "cli").glob("*.py"))
    assert "asdict(" not in cli and "__dict__" not in cli and "report_dict" not in cli


def test_a_run_report_serializes_its_stages_through_theirs() -> None:
    from newsvault.lock import LockHolder
    from newsvault.runner import RunReport
    from newsvault.site.build import BuildReport

    now = datetime(2021, 1, 27, tzinfo=timezone.utc)
    build = BuildReport(posts=1, files=2, parsed=1, rendered=2, written=2, removed=0, seconds=0.5)
    report = RunReport(
        now, build=build, stale_lock=LockHolder(7, "h", "2021-01-27T00:00:00Z", "run")
    )
    data = json.loads(json.dumps(report.to_json()))
    assert data["build"] == json.loads(json.dumps(build.to_json())) and data["build"]["posts"] == 1
    assert data["stale_lock"] == {
        "pid": 7,
        "host": "h",
        "started": "2021-01-27T00:00:00Z",
        "command": "run",
    }
    assert (data["fetch"], data["publish"], data["exit_code"]) == (None, None, 0)
