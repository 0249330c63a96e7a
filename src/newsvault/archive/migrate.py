"""``newsvault migrate-layout LAYOUT``: move an archive's posts into year (or month)
folders, or back, in one commit, with every permalink unchanged.

Jekyll builds the same URL for ``_posts/x.md`` and ``_posts/2021/x.md`` (folders inside
``_posts/`` are not categories; the test compares Jekyll's URLs before and after on the
real sample), so moving files is safe for links people shared. Only post files of the
``_posts/`` tree move (:func:`~newsvault.archive.files.post_files`); posts in
``D/_posts/`` stay where their category puts them, and other files stay as they are.

Order, so that an interruption loses nothing and running again finishes the job: the
whole plan is made (and refused on a name clash) before anything moves; then
``[archive] layout`` is set in ``newsvault.toml`` (new posts go to the new folders from
now on); then each post is renamed (a rename is atomic; one interrupted leaves the post
in its old folder, where Jekyll and newsvault still read it); then the index rows are
renamed in place (the files keep their size and mtime, so nothing is read again); last,
in a git repository, one commit records the moves and the setting.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsvault.archive.files import POSTS, post_files
from newsvault.archive.index import Index
from newsvault.archive.layout import LAYOUTS, folder_for
from newsvault.errors import ArchiveError, UsageError
from newsvault.fsutil import write_atomic
from newsvault.lock import locked
from newsvault.vault import Vault

__all__ = ["MigrateReport", "migrate_layout", "plan_moves", "detect_layout", "set_layout_setting"]


@dataclass(frozen=True)
class MigrateReport:
    layout: str
    posts: int  # post files of the _posts/ tree
    moved: tuple[tuple[str, str], ...]  # (old, new) paths from the vault root
    commit: str | None = None  # the commit that records the move (None: not a git repository)
    config_changed: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "posts": self.posts,
            "moved": len(self.moved),
            "commit": self.commit,
            "config_changed": self.config_changed,
            "moves": [{"from": a, "to": b} for a, b in self.moved],
        }


def plan_moves(vault: Vault, layout: str) -> tuple[int, list[tuple[str, str]]]:
    """(posts in ``_posts/``, the moves that give them ``layout``); refuses on a clash."""
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    mine = _own_posts(vault)
    moves = [(rel, new) for rel in mine if (new := _target(rel, layout)) != rel]
    staying = set(mine) - {old for old, _ in moves}
    targets: dict[str, str] = {}
    for old, new in moves:
        other = targets.get(new) or (new if new in staying or (vault.root / new).exists() else None)
        if other:
            raise ArchiveError(
                f"cannot move {old} to {new}: {other} already has that name "
                "(Jekyll would give both the same URL); rename one of them first"
            )
        targets[new] = old
    return len(mine), moves


def detect_layout(vault: Vault) -> str:
    """The layout an existing archive already has (``flat`` when mixed or empty)."""
    mine = _own_posts(vault)
    for layout in ("year", "year/month"):
        if mine and all(_target(rel, layout) == rel for rel in mine):
            return layout
    return "flat"


def _own_posts(vault: Vault) -> list[str]:
    """The posts of the ``_posts/`` tree (not those of ``D/_posts/``)."""
    return [rel for rel in post_files(vault.root) if rel.startswith(POSTS + "/")]


def _target(rel: str, layout: str) -> str:
    """Where ``layout`` puts the post at ``rel``."""
    name = rel.rpartition("/")[2]
    sub = folder_for(name, layout)
    return f"{POSTS}/{sub}/{name}" if sub else f"{POSTS}/{name}"


_SECTION = re.compile(r"^\[archive\][ \t]*(#.*)?$", re.M)
_KEY = re.compile(r"^layout[ \t]*=.*$", re.M)


def set_layout_setting(config_file: Path, layout: str) -> bool:
    """Write ``[archive] layout = LAYOUT`` into newsvault.toml, keeping the rest of the
    file (comments included) as it is; True when the file changed."""
    text = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
    line = f'layout = "{layout}"'
    section = _SECTION.search(text)
    if section is None:
        new = text + ("" if not text or text.endswith("\n") else "\n") + f"\n[archive]\n{line}\n"
    else:
        end = re.compile(r"^\[", re.M).search(text, section.end())
        body_end = end.start() if end else len(text)
        key = _KEY.search(text, section.end(), body_end)
        if key is not None:
            new = text[: key.start()] + line + text[key.end() :]
        else:
            new = text[: section.end()] + "\n" + line + text[section.end() :]
    try:
        if tomllib.loads(new).get("archive", {}).get("layout") != layout:
            raise ValueError
    except (tomllib.TOMLDecodeError, ValueError):
        raise ArchiveError(
            f"{config_file}: could not set [archive] layout = {layout!r} "
            "automatically; set it by hand"
        ) from None
    if new == text:
        return False
    write_atomic(config_file, new.encode("utf-8"))
    return True


def migrate_layout(vault: Vault, layout: str, *, now: datetime | None = None) -> MigrateReport:
    """Move ``vault``'s posts into ``layout``'s folders; one commit in a git repository.

    Holds the vault lock meanwhile (no run may write posts)."""
    with locked(vault, "newsvault migrate-layout"):
        return _migrate(vault, layout, now)


def _migrate(vault: Vault, layout: str, now: datetime | None) -> MigrateReport:
    from newsvault.publish.gitcli import is_repository_root

    repo = is_repository_root(vault.root)
    if repo:
        _refuse_uncommitted(vault)
    total, moves = plan_moves(vault, layout)
    changed = set_layout_setting(vault.config_file, layout)
    for old, new in moves:
        target = vault.root / new
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(vault.root / old, target)  # fails instead of replacing a file
        except FileExistsError:
            raise ArchiveError(f"cannot move {old}: {new} appeared meanwhile") from None
        except OSError:
            os.rename(vault.root / old, target)
        else:
            os.unlink(vault.root / old)
    _remove_empty_folders(vault.posts_dir)
    with Index.open(vault, sync=False) as index:
        index.rename(moves)
        index.sync()
    commit = _commit(vault, layout, len(moves), now) if repo and (moves or changed) else None
    return MigrateReport(layout, total, tuple(moves), commit, changed)


def _refuse_uncommitted(vault: Vault) -> None:
    from newsvault.publish.gitcli import git

    proc = git(vault.root, "status", "--porcelain", "-z", "--", POSTS, vault.config_file.name)
    if proc.stdout.strip(b"\0"):
        raise UsageError(
            f"{vault.root}: _posts/ or newsvault.toml has uncommitted changes; commit "
            "them first (`newsvault run` commits new posts) so that the move is a "
            "commit of its own"
        )


def _remove_empty_folders(posts_dir: Path) -> None:
    for folder, _dirs, files in os.walk(posts_dir, topdown=False):
        if folder != str(posts_dir) and not files:
            try:
                os.rmdir(folder)  # refused while anything is left in it
            except OSError:
                pass


def _commit(vault: Vault, layout: str, moved: int, now: datetime | None) -> str:
    from newsvault.publish.gitcli import git, identity_args, out

    paths = [POSTS] + ([vault.config_file.name] if vault.config_file.exists() else [])
    spec = [*paths, f":(exclude,glob){POSTS}/**/.*"]
    git(vault.root, "add", "-A", "--", *spec)
    stamp = (
        (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    message = (
        f"layout: move {moved} post{'s' if moved != 1 else ''} into the {layout} layout\n\n"
        f'newsvault migrate-layout {layout} ({stamp}): [archive] layout = "{layout}"; '
        "every permalink is unchanged (Jekyll does not make categories of folders "
        "inside _posts/).\n"
    )
    git(
        vault.root,
        *identity_args(vault.root),
        "commit",
        "-q",
        "--no-verify",
        "--allow-empty",
        "-F",
        "-",
        "--",
        *spec,
        input=message.encode("utf-8"),
    )
    return out(vault.root, "rev-parse", "HEAD")
