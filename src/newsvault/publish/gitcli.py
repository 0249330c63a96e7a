"""A thin, typed wrapper over the ``git`` command line.

newsvault uses git exactly as a user would, through the CLI: whatever credentials the
user's git already has (a credential helper, ``GIT_ASKPASS``, the token that
``actions/checkout`` configures, an SSH agent) are used as they are. newsvault never
reads or stores a credential; ``GIT_TERMINAL_PROMPT=0`` makes a missing one an error
instead of a run that hangs forever waiting for a password nobody will type.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from newsvault.errors import PublishError

#: Fallback identity when neither git config nor the environment names an author,
#: so that a fresh CI runner can still commit (the environment always wins).
FALLBACK_NAME = "newsvault"
FALLBACK_EMAIL = "newsvault@localhost"


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("GIT_EDITOR", "true")
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def git(
    root: Path,
    *args: str,
    check: bool = True,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C root args…``; on failure (when ``check``) raise PublishError with stderr."""
    cmd = ["git", "-C", str(root), *args]
    try:
        proc = subprocess.run(
            cmd,
            input=input,
            capture_output=True,
            env=git_env(env),
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise PublishError("git is not installed (needed for [publish] git)") from None
    if check and proc.returncode != 0:
        raise PublishError(f"git {' '.join(args[:3])} failed in {root}: {_tail(proc)}")
    return proc


def out(root: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """stdout of a git command that must succeed, stripped."""
    return git(root, *args, env=env).stdout.decode("utf-8", "replace").strip()


def zlist(root: Path, *args: str) -> list[str]:
    """The NUL-separated output of ``git … -z`` as a list of paths."""
    data = git(root, *args).stdout.decode("utf-8", "surrogateescape")
    return [p for p in data.split("\0") if p]


def _tail(proc: subprocess.CompletedProcess[bytes]) -> str:
    return tail(proc.stderr or proc.stdout) or f"exit status {proc.returncode}"


def tail(data: bytes | None) -> str:
    """The last lines of git's output, on one line (for an error message)."""
    return " | ".join((data or b"").decode("utf-8", "replace").strip().splitlines()[-4:])


def is_repository(root: Path) -> bool:
    proc = git(root, "rev-parse", "--is-inside-work-tree", check=False)
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def is_repository_root(root: Path) -> bool:
    """True when ``root`` is the top of a work tree (not a folder inside another repo)."""
    proc = git(root, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        return False
    return Path(proc.stdout.decode("utf-8", "surrogateescape").strip()).resolve() == root.resolve()


def current_branch(root: Path) -> str:
    proc = git(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    name = proc.stdout.decode().strip()
    if proc.returncode != 0 or not name:
        raise PublishError(
            f"{root}: HEAD is detached; check out the archive branch or set [publish] branch"
        )
    return name


def has_remote(root: Path, remote: str) -> bool:
    return remote in out(root, "remote").splitlines()


def rev(root: Path, ref: str) -> str | None:
    """The commit a ref points at, or None when it does not exist."""
    proc = git(root, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def identity_args(root: Path) -> list[str]:
    """``-c user.name=… -c user.email=…`` when nothing else names the committer."""
    env = os.environ
    has_env = env.get("GIT_AUTHOR_EMAIL") and env.get("GIT_COMMITTER_EMAIL")
    has_cfg = git(root, "config", "user.email", check=False).stdout.strip()
    if has_env or has_cfg:
        return []
    return ["-c", f"user.name={FALLBACK_NAME}", "-c", f"user.email={FALLBACK_EMAIL}"]


def existing(root: Path, paths: Sequence[str]) -> list[str]:
    return [p for p in paths if (root / p).exists()]
