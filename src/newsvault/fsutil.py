"""Replacing a file all at once, for every stage that writes one (subs.json, images,
scaffold files, git conflict copies), and appending whole lines to the committed records
(provenance, evidence). Posts have their own no-clobber writer in ``archive/store.py``;
both name their temporary files ``.NAME….PID.tmp``, the shape ``runner.sweep_temp_files``
recognizes when a writer died before its rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["append_lines", "temp_prefix", "write_atomic"]

_NAME_BYTES = 150  # of the real name in a temporary one: with the rest, within 255 bytes


def temp_prefix(name: str) -> str:
    """``.NAME.``, the start of a temporary file's name for the file ``name``; long names
    are cut by whole characters to 150 bytes, so that a 240-byte post name (the limit in
    ``archive/naming.py``) still gives a temporary name the file system accepts."""
    cut = name.encode("utf-8")[:_NAME_BYTES].decode("utf-8", errors="ignore")
    return f".{cut}."


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: readers see the old file or the new one, never half.

    The temporary file is hidden (Jekyll and commits skip it), lives beside ``path`` (same
    file system, so the rename is atomic) and is removed if writing fails.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=temp_prefix(path.name), suffix=f".{os.getpid()}.tmp"
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would make a served or shared file private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_lines(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Append whole lines to ``path`` (made if missing), for the committed JSON Lines
    records. A torn last line (a crash mid-append) is ended first, so it stays alone:
    readers skip it, and it is never continued into a wrong record."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        os.write(fd, data)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
