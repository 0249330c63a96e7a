"""``newsvault check``: validate an archive folder without touching it.

Per post: the problems :func:`read_post` finds. Across posts: the same link archived in
two files (a warning on each; ``import`` and ``fetch`` never create such pairs).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from newsvault.archive.files import POSTS, post_files, posts_below
from newsvault.archive.identity import normalize_link
from newsvault.archive.posts import read_post
from newsvault.errors import UsageError
from newsvault.models import Problem

__all__ = ["PostReport", "CheckReport", "check_archive", "posts_folder", "list_posts"]


@dataclass(frozen=True)
class PostReport:
    path: Path
    problems: tuple[Problem, ...]
    name: str = ""  # the path shown: from the folder checked (``_posts/2021/x.md``)

    @property
    def broken(self) -> bool:
        return any(p.broken for p in self.problems)

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.name or self.path.name,
            "broken": self.broken,
            "problems": [{"message": p.message, "broken": p.broken} for p in self.problems],
        }


@dataclass(frozen=True)
class CheckReport:
    folder: Path
    posts: int
    reports: tuple[PostReport, ...]  # only the posts with problems, in file order

    @property
    def broken(self) -> int:
        return sum(r.broken for r in self.reports)

    @property
    def warnings(self) -> int:
        return len(self.reports) - self.broken

    @property
    def ok(self) -> int:
        return self.posts - len(self.reports)

    def to_json(self) -> dict[str, object]:
        return {
            "folder": str(self.folder),
            "posts": self.posts,
            "ok": self.ok,
            "with_warnings": self.warnings,
            "broken": self.broken,
            "problems": [r.to_json() for r in self.reports],
        }


def posts_folder(path: Path) -> Path:
    """A vault (or any folder with ``_posts/``) → its ``_posts``; a posts folder → itself."""
    if (path / POSTS).is_dir():
        return path / POSTS
    if path.is_dir():
        return path
    raise UsageError(f"{path}: no such folder")


def list_posts(path: Path) -> tuple[Path, list[str]]:
    """The post files Jekyll would read in ``path``, as (the folder they are relative to,
    their paths from it): a vault (or any Jekyll source) → every post of it
    (:func:`~newsvault.archive.files.post_files`); a bare posts folder → the posts below it."""
    if (path / POSTS).is_dir():
        return path, post_files(path)
    if path.is_dir():
        return path, posts_below(path)
    raise UsageError(f"{path}: no such folder")


def check_archive(path: Path) -> CheckReport:
    """Read every post of ``path`` (a vault, a posts folder, or one post file)."""
    if path.is_file():
        base, names = path.parent, [path.name]
    else:
        base, names = list_posts(path)
    problems: dict[str, tuple[Problem, ...]] = {}
    by_link: dict[str, list[str]] = defaultdict(list)
    for name in names:
        post = read_post(base / name)
        problems[name] = post.problems
        key = normalize_link(post.article.link)
        if key:
            by_link[key].append(name)
    for same in by_link.values():
        for name in same if len(same) > 1 else ():
            others = ", ".join(o for o in same if o != name)
            problems[name] += (Problem(f"same link as {others}: the article is archived twice"),)
    reports = tuple(PostReport(base / n, p, n) for n, p in problems.items() if p)
    return CheckReport(base if path.is_dir() else path.parent, len(names), reports)
