"""The committed evidence record: ``_evidence/YYYY-MM.jsonl`` and ``_revisions/`` (docs/evidence.md).

One line per revisit (an *observation*), in the file of the month (UTC) it was made,
append-only like ``_provenance/`` (same rules: one complete object per line, a torn last
line ignored and never continued, ``merge=union`` in git). What the revisit found is in
that one line — the outcome and its evidence, plus a ``revision``, ``verdict`` or
``cleared`` object when it made one — so a crash can never record half a decision.

A revision's body is a file of its own, ``_revisions/<post name>/<fingerprint[:16]>.html``
(the page's article part exactly as fetched), written atomically *before* its line:
named by its fingerprint, a retried write after a crash is the same file, never a
second one. Post files are never touched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsvault.archive.provenance import month_file, stamp
from newsvault.fsutil import append_lines

__all__ = [
    "FOLDER",
    "REVISIONS",
    "VERSION",
    "append",
    "read_lines",
    "revision_path",
    "write_revision",
]

FOLDER = "_evidence"
REVISIONS = "_revisions"
VERSION = 1


def append(
    folder: Path, lines: Iterable[tuple[datetime, dict[str, Any]]], *, fsync: bool = True
) -> list[Path]:
    """Append observations (``(at, object)``) to their month files; the files written."""
    by_file: dict[Path, list[str]] = {}
    for at, obj in lines:
        text = json.dumps({"v": VERSION, **obj}, ensure_ascii=False, separators=(",", ":"))
        by_file.setdefault(month_file(folder, at), []).append(text + "\n")
    if by_file:
        folder.mkdir(parents=True, exist_ok=True)
    for path, chunk in by_file.items():
        append_lines(path, "".join(chunk).encode("utf-8", "surrogatepass"), fsync=fsync)
    return list(by_file)


@dataclass(frozen=True)
class Chunk:
    """The complete lines of a file from ``start`` on, and where they end."""

    objects: list[dict[str, Any]]
    end: int  # offset just past the last complete line


def read_lines(path: Path, start: int = 0) -> Chunk:
    """Objects of the complete lines from byte ``start``; broken lines are skipped."""
    try:
        with path.open("rb") as fh:
            fh.seek(start)
            data = fh.read()
    except OSError:
        return Chunk([], start)
    cut = data.rfind(b"\n") + 1
    objects = []
    for line in data[:cut].split(b"\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(value, dict):
            objects.append(value)
    return Chunk(objects, start + cut)


def iter_observations(folder: Path) -> Iterator[dict[str, Any]]:
    from newsvault.archive.provenance import month_files

    for path in month_files(folder):
        yield from read_lines(path).objects


def revision_path(root: Path, post: str, fingerprint: str) -> Path:
    """Where a post's revision of ``fingerprint`` lives (``post``: vault-relative)."""
    name = post.rsplit("/", 1)[-1]
    stem = name[:-3] if name.endswith(".md") else name
    return root / REVISIONS / stem / f"{fingerprint[:16]}.html"


def write_revision(path: Path, data: bytes, *, fsync: bool = True) -> bool:
    """Write a revision file atomically (temp file, then link); False when it is there."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    finally:
        temp.unlink(missing_ok=True)
    return True


def when(data: dict[str, Any], key: str = "at") -> datetime | None:
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def str_field(value: Any) -> str | None:
    """A record field that must be a string (committed data: anything else is ignored)."""
    return value if isinstance(value, str) else None


def int_field(value: Any) -> int | None:
    """A record field that must be an integer (``true`` is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


__all__ += ["Chunk", "int_field", "iter_observations", "stamp", "str_field", "when"]
