"""``newsvault check``: validate an archive folder without touching it.

Per post: the problems :func:`read_post` finds. Across posts: the same link archived in
two files (a warning on each; ``import`` and ``fetch`` never create such pairs).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from newsvault.archive.identity import normalize_link
from newsvault.archive.index import POST_SUFFIXES
from newsvault.archive.posts import read_post
from newsvault.errors import UsageError
from newsvault.models import Problem

__all__ = ["PostReport", "CheckReport", "check_archive", "posts_folder", "list_posts"]


@dataclass(frozen=True)
class PostReport:
    path: Path
    problems: tuple[Problem, ...]

    @property
    def broken(self) -> bool:
        return any(p.broken for p in self.problems)

    def to_dict(self) -> dict[str, object]:
        return {"file": self.path.name, "broken": self.broken,
                "problems": [{"message": p.message, "broken": p.broken} for p in self.problems]}


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

    def to_dict(self) -> dict[str, object]:
        return {"folder": str(self.folder), "posts": self.posts, "ok": self.ok,
                "with_warnings": self.warnings, "broken": self.broken,
                "problems": [r.to_dict() for r in self.reports]}


def posts_folder(path: Path) -> Path:
    """A vault (or any folder with ``_posts/``) → its ``_posts``; a posts folder → itself."""
    if (path / "_posts").is_dir():
        return path / "_posts"
    if path.is_dir():
        return path
    raise UsageError(f"{path}: no such folder")


def list_posts(folder: Path) -> list[Path]:
    """The post files Jekyll would read, in name order (hidden files are skipped)."""
    return sorted(p for p in folder.iterdir()
                  if p.name.endswith(POST_SUFFIXES) and p.name[0] not in "._" and p.is_file())


def check_archive(path: Path) -> CheckReport:
    """Read every post of ``path`` (a vault, a posts folder, or one post file)."""
    if path.is_file():
        files, folder = [path], path.parent
    else:
        folder = posts_folder(path)
        files = list_posts(folder)
    problems: dict[Path, tuple[Problem, ...]] = {}
    by_link: dict[str, list[Path]] = defaultdict(list)
    for file in files:
        post = read_post(file)
        problems[file] = post.problems
        key = normalize_link(post.article.link)
        if key:
            by_link[key].append(file)
    for same in by_link.values():
        for file in same if len(same) > 1 else ():
            others = ", ".join(o.name for o in same if o != file)
            problems[file] += (Problem(f"same link as {others}: the article is archived twice"),)
    reports = tuple(PostReport(f, p) for f, p in problems.items() if p)
    return CheckReport(folder, len(files), reports)
