"""Which files are posts: exactly the files Jekyll 4 reads as posts, for every stage.

The index (dedup), ``check``, ``import``, the site and publishing all list posts here, so
a post Jekyll builds is never invisible to dedup (and archived twice). The rules, checked
against the real Jekyll 4.3 (``tests/test_post_files.py`` builds a site with every case):

* Posts live in ``_posts/`` and in ``D/_posts/`` for any folder ``D`` Jekyll reads (whose
  path has no part starting with ``.``, ``_``, ``#`` or ``~``, or ending with ``~``, and is
  not one of Jekyll's default excludes such as ``node_modules``). ``D/`` becomes a
  category; folders inside ``_posts/`` (``_posts/2021/``) do not.
* Inside a posts folder Jekyll lists every file below it (``**/*``: into subfolders, but
  not into hidden ones nor through symbolic links to folders) and drops an entry when its
  path below the posts folder, or its file name, starts with ``.``, ``_``, ``#`` or ``~``,
  or when it ends with ``~``. So ``_posts/_drafts/x.md`` is skipped but
  ``_posts/2020/_old/x.md`` is read (the path below ``_posts`` starts with ``2`` and
  the name with a digit).
* The name must look like ``YYYY-MM-DD-title.ext`` (Jekyll's ``DATE_FILENAME_MATCHER``:
  2–4 digit year, 1–2 digit month and day, any extension): ``.md``, ``.html``, ``.txt``,
  even ``.md.bak`` are posts; ``notes.md`` is not.
* A symbolic link to a file is followed when it points inside the vault (GitHub Pages
  builds with ``--safe``, which drops links that point outside).

Whether a listed post is then *published* is Jekyll's next step (a future date, invalid
UTF-8, no front matter); those are properties of the file, reported by ``check``, and
the file still counts for dedup.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["POSTS", "post_files", "posts_below", "is_post_path"]

POSTS = "_posts"
_SPECIAL = (".", "_", "#", "~")
# Jekyll's DATE_FILENAME_MATCHER, applied to the file name
_DATED = re.compile(r"\d{2,4}-\d{1,2}-\d{1,2}-[^/]*\.[^./]+", re.DOTALL)
# Jekyll 4.3's default `exclude` entries that can hold a `_posts` folder
_EXCLUDED = frozenset(
    {"gemfiles", "node_modules", "vendor/bundle", "vendor/cache", "vendor/gems", "vendor/ruby"}
)


def _special(name: str) -> bool:
    return name.startswith(_SPECIAL) or name.endswith("~")


def _accepted(rel: str, name: str) -> bool:
    """Jekyll's EntryFilter and date matcher for one path below a posts folder."""
    return (
        not (rel.startswith(_SPECIAL) or rel.endswith("~") or name.startswith(_SPECIAL))
        and _DATED.fullmatch(name) is not None
    )


def is_post_path(rel: str) -> bool:
    """Is this vault-relative ``/``-separated path one Jekyll takes as a post? (For paths
    known from elsewhere, such as git's list of new files; listing uses :func:`post_files`.)"""
    parts = rel.split("/")
    if POSTS not in parts[:-1]:
        return False
    at = parts.index(POSTS)
    if any(_special(p) or "/".join(parts[: i + 1]) in _EXCLUDED for i, p in enumerate(parts[:at])):
        return False
    below = parts[at + 1 :]
    if any(p.startswith(".") for p in below[:-1]):  # Ruby's **/* never enters hidden folders
        return False
    return _accepted("/".join(below), below[-1])


def posts_below(folder: Path, root: Path | None = None) -> list[str]:
    """The post files of one posts folder, as paths relative to it, in name order.

    ``root`` is the vault (Jekyll's source): symbolic links that point outside it are
    skipped, as ``jekyll build --safe`` does (default: ``folder`` itself)."""
    base = str(folder)
    inside = os.path.realpath(root if root is not None else folder)
    found: list[str] = []
    stack = [""]
    while stack:
        sub = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(base, sub) if sub else base))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):  # Ruby's **/* does not list hidden entries at all
                continue
            rel = f"{sub}/{name}" if sub else name
            if entry.is_dir(follow_symlinks=False):
                stack.append(rel)
            elif _accepted(rel, name) and (
                not entry.is_symlink() or _points_inside(entry.path, inside)
            ):
                if entry.is_file():
                    found.append(rel)
    found.sort()
    return found  # plain strings: 200,000 Path objects would cost more than the listing


def _points_inside(path: str, root: str) -> bool:
    target = os.path.realpath(path)
    return target == root or target.startswith(root + os.sep)


def post_files(root: Path) -> list[str]:
    """Every post file of the vault (or any Jekyll source) ``root``, as ``/``-separated
    paths relative to it (``_posts/2021/2021-01-27-x.md``), sorted."""
    found = [f"{POSTS}/{rel}" for rel in posts_below(root / POSTS, root)]
    for folder in _category_folders(root):
        found += [f"{folder}/{POSTS}/{rel}" for rel in posts_below(root / folder / POSTS, root)]
    found.sort()
    return found


def _category_folders(root: Path) -> list[str]:
    """Folders ``D`` (relative to ``root``) with a ``D/_posts/`` that Jekyll reads."""
    found: list[str] = []
    stack = [""]
    while stack:
        sub = stack.pop()
        try:
            entries = list(os.scandir(root / sub if sub else root))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            rel = f"{sub}/{entry.name}" if sub else entry.name
            if _special(entry.name) or rel in _EXCLUDED or not entry.is_dir(follow_symlinks=False):
                continue
            if os.path.isdir(os.path.join(entry.path, POSTS)):
                found.append(rel)
            stack.append(rel)
    return found
