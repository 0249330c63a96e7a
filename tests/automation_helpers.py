"""Helpers for the automation tests: real git repositories in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from paths import REPO

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Runner",
    "GIT_AUTHOR_EMAIL": "runner@example.org",
    "GIT_COMMITTER_NAME": "Test Runner",
    "GIT_COMMITTER_EMAIL": "runner@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def isolate_git(monkeypatch, tmp_path: Path) -> None:
    """No global/system git config, a fixed identity: tests behave like a fresh CI box."""
    empty = tmp_path / "gitconfig"
    empty.write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)


def sh(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)
    assert proc.returncode == 0, f"git {args}: {proc.stderr}"
    return proc.stdout.strip()


def make_remote_and_clone(tmp_path: Path, name: str = "vault") -> tuple[Path, Path]:
    """A bare remote with one initial commit on ``main`` and a clone of it."""
    remote = tmp_path / "remote.git"
    sh(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    sh(tmp_path, "clone", "-q", str(remote), str(seed))
    (seed / "README.md").write_text("archive\n")
    (seed / ".gitignore").write_text("_site/\n.newsvault/\n")
    sh(seed, "add", "-A")
    sh(seed, "commit", "-q", "-m", "initial")
    sh(seed, "push", "-q", "origin", "HEAD:main")
    clone = tmp_path / name
    sh(tmp_path, "clone", "-q", str(remote), str(clone))
    return remote, clone


def clone(tmp_path: Path, remote: Path, name: str) -> Path:
    path = tmp_path / name
    sh(tmp_path, "clone", "-q", str(remote), str(path))
    return path


def remote_files(remote: Path, ref: str = "main") -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(remote), "ls-tree", "-r", "-z", "--name-only", ref],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return [name for name in out.split("\0") if name]


def newsvault_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def newsvault_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsvault", *args]
