"""The vault lock: one run at a time per vault.

Two runs writing the same ``_posts/`` and committing in the same repository would
race (same file names chosen twice, index rows lost, a commit taken from under the
other's feet). The lock is ``.newsvault/lock``, held with ``fcntl.flock`` on an open
file descriptor: the kernel releases it when the holder dies, however it dies
(SIGKILL, OOM, power loss on a local disk), so a dead run never blocks the vault.

The file also *says* who holds it (PID, host, start time) so that the second run can
name the holder. The text of a lock left by a killed process stays in the file, but
its flock is gone: the next run takes it over and reports the stale holder. The file
is never deleted (deleting a lock file races with a process that has just opened it).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from types import TracebackType

from newsvault.errors import ArchiveError, LockedError
from newsvault.vault import Vault

log = logging.getLogger(__name__)  # `-v` shows INFO, `-vv` DEBUG (cli/common.py)


@dataclass(frozen=True)
class LockHolder:
    """What a lock file says about the process that wrote it."""

    pid: int
    host: str
    started: str  # ISO 8601 UTC
    command: str = ""

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def describe(self) -> str:
        what = f" ({self.command})" if self.command else ""
        return f"PID {self.pid} on {self.host}, started {self.started}{what}"


def _parse_holder(text: str) -> LockHolder | None:
    try:
        data = json.loads(text)
        return LockHolder(
            pid=int(data["pid"]),
            host=str(data["host"]),
            started=str(data["started"]),
            command=str(data.get("command", "")),
        )
    except (ValueError, KeyError, TypeError):
        return None


class VaultLock:
    """An exclusive, non-blocking lock on a vault; use as a context manager.

    ``stale`` is set after :meth:`acquire` when the file named a holder whose lock
    was no longer held (a run that was killed): the caller may report it.
    """

    def __init__(self, vault: Vault, command: str = "newsvault run") -> None:
        self.vault = vault
        self.command = command
        self.stale: LockHolder | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockedError` naming the holder."""
        if self._fd is not None:
            return
        path = self.vault.lock_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise ArchiveError(
                f"cannot open the vault lock {path}: {exc.strerror or exc}", path=path
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _parse_holder(_read_all(fd))
            os.close(fd)
            who = holder.describe() if holder else "another process"
            raise LockedError(
                f"vault {self.vault.root} is locked by {who}; another newsvault run is "
                f"working on it (lock file {path}). Try again when it has finished.",
                path=path,
            ) from None
        except OSError as exc:
            os.close(fd)
            raise LockedError(f"cannot lock {path}: {exc}", path=path) from None
        self.stale = _parse_holder(_read_all(fd))
        _write_all(fd, self._describe_self())
        self._fd = fd

    def release(self) -> None:
        """Empty the file (nobody holds it) and drop the flock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _describe_self(self) -> str:
        return (
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "started": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "command": self.command,
                }
            )
            + "\n"
        )

    def __enter__(self) -> VaultLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class _Held(threading.local):
    """The vault locks this thread holds, by lock file (another thread must wait its turn
    like another process: it takes the lock itself, and is refused while it is held)."""

    def __init__(self) -> None:
        self.locks: dict[str, VaultLock] = {}


_HELD = _Held()


@contextmanager
def locked(vault: Vault, command: str) -> Iterator[VaultLock]:
    """Hold ``vault``'s lock for the block: what every library call that writes the vault
    (``fetch_vault``, ``build_site``, ``import_archive``, ``migrate_layout``) does, so a
    program using the library is kept from racing a ``newsvault run`` as the CLI is.

    Re-entrant within one thread: ``run_once`` holds the lock around the fetch and the
    build, which take it themselves and find it held. Raises LockedError (exit 3) when
    another process (or thread) holds it."""
    key = str(vault.lock_file.absolute())
    held = _HELD.locks.get(key)
    if held is not None:
        yield held
        return
    with VaultLock(vault, command) as lock:
        log.debug("vault lock %s taken for %s", key, command)
        _HELD.locks[key] = lock
        try:
            yield lock
        finally:
            del _HELD.locks[key]


def lock_holder(vault: Vault) -> LockHolder | None:
    """Who holds the vault lock right now (None when nobody does)."""
    path = vault.lock_file
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _parse_holder(_read_all(fd)) or LockHolder(0, "?", "?")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_all(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _write_all(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    data = text.encode("utf-8")
    while data:
        data = data[os.write(fd, data) :]
    os.fsync(fd)
