"""Deploy the built site into a folder (a web server's document root, a sync folder).

The copy is built beside the target (a temporary sibling on the same file system)
and swapped in with two renames, so a reader sees the old site or the new one,
never a half-copied mixture, and a crash mid-copy leaves the old site in place.
A non-empty folder that newsvault did not deploy is never replaced: a typo in
``site_folder`` must not wipe somebody's home directory.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from newsvault.errors import ConfigError, PublishError

#: Marker written into every deployed folder; its presence allows the next swap.
MARKER = ".newsvault-site"


@dataclass(frozen=True)
class FolderDeployResult:
    folder: Path
    files: int


def resolve_folder(vault_root: Path, setting: str) -> Path:
    """``site_folder`` relative to the vault, checked to be a safe place to replace."""
    target = (vault_root / os.path.expanduser(setting)).resolve()
    root = vault_root.resolve()
    if target == root or target in root.parents or target == Path(target.anchor):
        raise ConfigError(f"[publish] site_folder = {setting!r} would replace the vault itself")
    inside = root in target.parents
    if inside and target.relative_to(root).parts[0] in (
        "_posts",
        "_site",
        "assets",
        ".git",
        ".newsvault",
    ):
        raise ConfigError(f"[publish] site_folder = {setting!r} is inside the vault's own data")
    return target


def deploy_folder(site_dir: Path, target: Path) -> FolderDeployResult:
    """Replace ``target`` with a copy of ``site_dir`` (atomic swap of siblings)."""
    if not site_dir.is_dir():
        raise PublishError(f"{site_dir}: no built site to deploy (run `newsvault build`)")
    if target.exists() and not target.is_dir():
        raise PublishError(f"[publish] site_folder {target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise PublishError(
            f"{target} is not empty and was not deployed by newsvault "
            f"(no {MARKER} file); refusing to replace it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.new-{os.getpid()}")
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    _remove(fresh)
    _remove(old)
    try:
        shutil.copytree(site_dir, fresh, symlinks=True)
        (fresh / MARKER).write_text(
            "deployed by newsvault; replaced on every deploy\n", encoding="utf-8"
        )
        files = sum(1 for p in fresh.rglob("*") if p.is_file())
        if target.exists():
            os.rename(target, old)
        os.rename(fresh, target)
    except OSError as exc:
        if old.exists() and not target.exists():
            os.rename(old, target)  # put the old site back
        raise PublishError(f"deploying the site to {target} failed: {exc}") from None
    finally:
        _remove(fresh)
    _remove(old)
    return FolderDeployResult(folder=target, files=files)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
