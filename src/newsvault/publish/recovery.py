"""What a killed run left in the vault's git: stale lock files, a half-done rebase.

Both are told from a person's git at work by a marker file newsvault keeps while it runs
git (or rebases): only newsvault's own leftovers are cleared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsvault.errors import PublishError
from newsvault.publish.gitcli import git, out


@contextmanager
def git_session(root: Path, marker: Path) -> Iterator[list[str]]:
    """Mark that newsvault is running git in ``root``; yields the stale lock files removed.

    A run killed together with its git (power loss, a killed process group) leaves
    ``.git/index.lock`` and friends behind, and every later git command refuses to run.
    The marker tells such leftovers from a person's git at work: when it is still there
    at the start of a session, the previous session died (the vault lock guarantees it is
    not running), so its lock files are removed.
    """
    removed = _remove_git_locks(root) if marker.exists() else []
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        yield removed
    finally:
        marker.unlink(missing_ok=True)


def _remove_git_locks(root: Path) -> list[str]:
    git_dir = Path(out(root, "rev-parse", "--absolute-git-dir"))
    found = [
        git_dir / n
        for n in ("index.lock", "HEAD.lock", "ORIG_HEAD.lock", "packed-refs.lock", "config.lock")
    ]
    found += list((git_dir / "refs").rglob("*.lock"))
    removed = []
    for path in found:
        if path.is_file():
            path.unlink()
            removed.append(path.relative_to(git_dir).as_posix())
    return removed


def rebase_in_progress(root: Path) -> bool:
    for name in ("rebase-merge", "rebase-apply"):
        if Path(out(root, "rev-parse", "--path-format=absolute", "--git-path", name)).exists():
            return True
    return False


def recover_interrupted_rebase(root: Path, marker: Path) -> bool:
    """Abort a rebase that a killed run left half done; refuse to touch anyone else's.

    ``marker`` exists exactly while newsvault rebases; a rebase without it was started
    by a person, and aborting it could throw away their conflict resolutions.
    Returns True when an interrupted rebase was rolled back (our commits intact).
    """
    if not rebase_in_progress(root):
        marker.unlink(missing_ok=True)
        return False
    if not marker.exists():
        raise PublishError(
            f"{root}: a rebase is in progress (not newsvault's); finish it or "
            "run `git rebase --abort` there; posts are still archived meanwhile"
        )
    git(root, "rebase", "--abort")
    marker.unlink(missing_ok=True)
    return True
