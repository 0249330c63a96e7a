"""The vault lock: exclusive, names its holder, survives (is released by) a killed holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from automation_helpers import REPO
from newsvault.errors import LockedError
from newsvault.lock import VaultLock, lock_holder
from newsvault.vault import Vault

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from newsvault.lock import VaultLock
    from newsvault.vault import Vault
    lock = VaultLock(Vault(Path(sys.argv[1])), command="holder")
    lock.acquire()
    print("locked", flush=True)
    time.sleep(60)
""")


def _start_holder(vault: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(vault)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_lock_in_same_process_is_refused_and_names_holder(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    with VaultLock(vault, command="first"):
        with pytest.raises(LockedError) as info:
            VaultLock(vault).acquire()
        message = str(info.value)
        assert f"PID {os.getpid()}" in message and "first" in message
        assert info.value.exit_code == 3
        holder = lock_holder(vault)
        assert holder is not None and holder.pid == os.getpid()
    assert lock_holder(vault) is None
    with VaultLock(vault) as again:  # released: can be taken again
        assert again.held and again.stale is None


def test_lock_held_by_other_process_then_killed_is_taken_over(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    proc = _start_holder(tmp_path)
    try:
        with pytest.raises(LockedError, match=f"PID {proc.pid}"):
            VaultLock(vault).acquire()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # The killed holder left its text behind, but the kernel dropped its flock.
    assert f'"pid": {proc.pid}' in vault.lock_file.read_text()
    lock = VaultLock(vault)
    lock.acquire()
    try:
        assert lock.stale is not None and lock.stale.pid == proc.pid
        assert lock.stale.command == "holder"
        assert f'"pid": {os.getpid()}' in vault.lock_file.read_text()
    finally:
        lock.release()
    assert vault.lock_file.read_text() == ""


def test_garbage_in_lock_file_does_not_block(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.state_dir.mkdir()
    vault.lock_file.write_bytes(b"\xff\xfe not json")
    with VaultLock(vault) as lock:
        assert lock.held and lock.stale is None


def test_fetch_command_refuses_a_locked_vault(tmp_path: Path) -> None:
    (tmp_path / "subs.json").write_text("[]")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    with VaultLock(Vault(tmp_path), command="newsvault run"):
        proc = subprocess.run(
            [sys.executable, "-m", "newsvault", "fetch", "--vault", str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
        )
    assert proc.returncode == 3 and "newsvault run" in proc.stderr and "locked" in proc.stderr


def test_unwritable_vault_is_a_clear_error(tmp_path: Path) -> None:
    from newsvault.errors import ArchiveError

    (tmp_path / ".newsvault").write_text("a file where the state folder should be")
    with pytest.raises(ArchiveError, match="cannot open the vault lock"):
        VaultLock(Vault(tmp_path)).acquire()


def test_build_command_refuses_a_locked_vault(tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    with VaultLock(Vault(tmp_path), command="newsvault run"):
        proc = subprocess.run(
            [sys.executable, "-m", "newsvault", "build", "--no-search", "--vault", str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
        )
    assert proc.returncode == 3 and "newsvault run" in proc.stderr
    assert not (tmp_path / "_site").exists()


def test_the_library_takes_the_lock_not_only_the_cli(tmp_path: Path) -> None:
    """fetch_vault, build_site, import_archive and migrate_layout lock the vault
    themselves (issue 13.9): a program using the library cannot race a run, and a held
    lock leaves the vault untouched. ``locked`` is re-entrant in one thread, so run_once
    (which holds it around the fetch and the build) still works."""
    from datetime import datetime, timezone

    from conftest import make_article
    from newsvault.archive.importer import import_archive
    from newsvault.archive.migrate import migrate_layout
    from newsvault.archive.store import save_post
    from newsvault.config import load_config
    from newsvault.lock import locked
    from newsvault.pipeline import fetch_vault
    from newsvault.site.build import build_site

    vault = Vault(tmp_path / "v")
    vault.posts_dir.mkdir(parents=True)
    vault.subs_file.write_text("[]")
    source = tmp_path / "old" / "_posts"
    save_post(source, make_article())
    config = load_config(vault.root)
    now = datetime(2021, 1, 27, tzinfo=timezone.utc)
    calls = [
        lambda: fetch_vault(vault, config, now=now),
        lambda: build_site(vault, config, search=False),
        lambda: import_archive(vault, source.parent),
        lambda: migrate_layout(vault, "year"),
    ]
    with VaultLock(vault, "newsvault run"):  # as another process would hold it
        for call in calls:
            with pytest.raises(LockedError, match="is locked by"):
                call()
    assert not any(vault.posts_dir.iterdir()) and not vault.site_dir.exists()
    with locked(vault, "newsvault run") as outer:
        with locked(vault, "newsvault build") as inner:
            assert inner is outer and outer.held
        assert import_archive(vault, source.parent).copied
    assert not outer.held and lock_holder(vault) is None
