"""Replacing a file all at once, for every stage that writes one (subs.json, images,
scaffold files, git conflict copies), and appending whole lines to the committed records
(provenance, evidence). Posts have their own no-clobber writer in ``archive/store.py``;
both name their temporary files ``.NAME….PID.tmp``, the shape :func:`sweep_temp_files`
recognizes when a writer died before its rename."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from newsvault.vault import Vault

__all__ = ["append_lines", "sweep_temp_files", "temp_prefix", "write_atomic"]

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


_TEMP = re.compile(r"^\..+\.(\d+)\.tmp$")


def sweep_temp_files(vault: Vault, max_age: float = 3600.0) -> tuple[str, ...]:
    """Remove the hidden ``.NAME.PID.tmp`` files of writers that died (SIGKILL, power loss).

    Called under the vault lock. A file is stale when the PID in its name is not a live
    process (or is this very process, which has written nothing yet), or when it has no
    PID and is older than ``max_age``. They are never part of the archive (commits skip
    hidden files, Jekyll ignores them); removing them keeps ``_posts/`` clean.
    """
    removed = []
    folders = [vault.posts_dir] + ([vault.assets_dir] if vault.assets_dir.is_dir() else [])
    for folder in folders:
        for path in folder.rglob(".*.tmp"):  # posts can be in year folders
            if path.is_file() and _stale(path, max_age):
                path.unlink(missing_ok=True)
                removed.append(path.relative_to(vault.root).as_posix())
    return tuple(removed)


def _stale(path: Path, max_age: float) -> bool:
    match = _TEMP.match(path.name)
    if match is None:
        try:
            return time.time() - path.stat().st_mtime > max_age
        except OSError:
            return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process (or no such PID at all)
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
