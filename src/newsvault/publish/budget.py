"""Host budgets: what a target holds, measured before publishing, against its host's limits.

Every limit of a target is checked before anything of that target is published: from
80% of a limit the run report and ``newsvault status`` warn; at 100% the target is
refused whole (no push, no deploy), with a message that names the limit and the fix, so
a host never receives a push it rejects and a site is never half deployed.

The defaults are the hosts' published limits (2025): GitHub recommends at most 3,000
entries per directory, rejects files over 100 MB and asks repositories to stay under
5 GB; GitHub Pages serves sites up to 1 GB; Codeberg allows 750 MiB of git per user;
Cloudflare Pages (free plan) 20,000 files of at most 25 MiB. Object storage and plain
folders have none. A target's own settings override them (0: no limit). GitHub's two
recommendations (entries per directory, repository size) are not enforced by GitHub,
so past them newsvault warns and still pushes (:data:`SOFT`); a limit a target sets
itself is always enforced.

What is measured: for an archive (``git``) target the branch being pushed — its tree's
largest directory, file and file count, the largest blob among the objects not yet on
that remote (what a push sends), and the disk size of every object the branch reaches
(``git rev-list --disk-usage``, what a fresh clone downloads); for a site target, the
built site folder as it will be deployed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsvault.config import LIMITS, TargetConfig
from newsvault.fsutil import write_atomic

__all__ = [
    "Usage",
    "Measure",
    "HOST_LIMITS",
    "host_of",
    "limits_for",
    "measure_folder",
    "measure_git",
    "check_budget",
    "fix",
    "remote_url",
    "WARN_AT",
]

WARN_AT = 0.8
MB, MIB, GB = 10**6, 2**20, 10**9

#: (host, "archive" | "site") → limits; a key not given is no limit
HOST_LIMITS: dict[tuple[str, str], dict[str, int]] = {
    ("github", "archive"): {
        "max_dir_entries": 3_000,
        "max_file_bytes": 100 * MB,
        "max_repo_bytes": 5 * GB,
    },
    ("github", "site"): {
        "max_dir_entries": 3_000,
        "max_file_bytes": 100 * MB,
        "max_site_bytes": 1 * GB,
    },
    ("gitlab", "archive"): {"max_file_bytes": 100 * MB, "max_repo_bytes": 10 * GB},
    ("gitlab", "site"): {"max_file_bytes": 100 * MB, "max_site_bytes": 1 * GB},
    ("codeberg", "archive"): {"max_repo_bytes": 750 * MIB},
    ("codeberg", "site"): {"max_site_bytes": 750 * MIB},
    ("cloudflare-pages", "site"): {"max_files": 20_000, "max_file_bytes": 25 * MIB},
}
#: limits a host recommends but does not enforce: past them a push still goes through (the
#: flat oped2 archive has 5,685 posts in one folder on GitHub), so newsvault warns and never
#: refuses for them unless the target sets the limit itself
SOFT: dict[tuple[str, str], frozenset[str]] = {
    ("github", "archive"): frozenset({"max_dir_entries", "max_repo_bytes"}),
    ("github", "site"): frozenset({"max_dir_entries"}),
}
_HOSTNAMES = {"github.com": "github", "gitlab.com": "gitlab", "codeberg.org": "codeberg"}
#: what each limit is, for messages
_WHAT = {
    "max_dir_entries": "entries in one directory",
    "max_file_bytes": "largest file",
    "max_repo_bytes": "repository size",
    "max_site_bytes": "site size",
    "max_files": "files in the site",
}


@dataclass(frozen=True)
class Usage:
    """What a target would hold. ``None``: not measured for this kind of target."""

    dir_entries: int = 0
    dir_path: str = ""  # the directory with the most entries
    largest_file: int = 0
    largest_path: str = ""
    files: int = 0
    site_bytes: int | None = None
    repo_bytes: int | None = None

    def used(self, limit: str) -> tuple[int | None, str]:
        """(the measured value, where) for one limit."""
        return {
            "max_dir_entries": (self.dir_entries, self.dir_path),
            "max_file_bytes": (self.largest_file, self.largest_path),
            "max_files": (self.files, ""),
            "max_site_bytes": (self.site_bytes, ""),
            "max_repo_bytes": (self.repo_bytes, ""),
        }[limit]


@dataclass(frozen=True)
class Measure:
    """One limit of one target against what it would hold."""

    limit: str  # one of config.LIMITS
    used: int
    allowed: int  # 0: no limit
    where: str = ""
    hard: bool = True  # False: a host's recommendation (warned about, never refused)

    @property
    def ratio(self) -> float:
        return self.used / self.allowed if self.allowed else 0.0

    @property
    def level(self) -> str:
        """``ok``, ``warn`` (from 80%, and past a recommendation) or ``over`` (at 100%:
        refused)."""
        return (
            "over"
            if self.hard and self.allowed and self.used >= self.allowed
            else "warn"
            if self.allowed and self.ratio >= WARN_AT
            else "ok"
        )

    def message(self, target: TargetConfig) -> str:
        where = f" ({self.where})" if self.where else ""
        what = (
            "files in the repository"
            if self.limit == "max_files" and target.type == "git"
            else _WHAT[self.limit]
        )
        head = (
            f"{what}{where}: {_amount(self.limit, self.used)} of "
            f"{_amount(self.limit, self.allowed)} ({self.ratio:.0%}; {self.limit} of target "
            f"{target.name}{'' if self.hard else ', a recommendation of the host: not refused'})"
        )
        return f"{head}; {fix(self.limit, target)}"

    def to_json(self) -> dict[str, object]:
        return {
            "limit": self.limit,
            "used": self.used,
            "allowed": self.allowed,
            "ratio": round(self.ratio, 4),
            "level": self.level,
            "where": self.where,
            "hard": self.hard,
        }


def fix(limit: str, target: TargetConfig) -> str:
    """What the keeper can do about a limit reached."""
    raise_it = f"or raise {limit} in [targets.{target.name}] (0 = no limit) if the host allows more"
    if target.type == "git":
        return {
            "max_dir_entries": "move the posts into year folders with `newsvault migrate-layout year` "
            f"(or year/month), {raise_it}",
            "max_file_bytes": f"take that file out of the archive (the host would reject the push), {raise_it}",
            "max_repo_bytes": "publish the archive to a host with room (another [targets.NAME]) or start "
            f"a new repository for the coming years, {raise_it}",
            "max_files": f"split the archive into a repository per period, {raise_it}",
            "max_site_bytes": raise_it,
        }[limit]
    site = (
        'publish the site to object storage instead (a [targets.NAME] with type = "s3", '
        "see docs/publishing.md)"
    )
    return {
        "max_dir_entries": f"{site}, or use a permalink with year folders, {raise_it}",
        "max_file_bytes": f"take that file out of the site, {raise_it}",
        "max_site_bytes": f"{site}, or build without the search index, {raise_it}",
        "max_files": f"{site}, {raise_it}",
        "max_repo_bytes": raise_it,
    }[limit]


def _amount(limit: str, n: int) -> str:
    if not limit.endswith("_bytes"):
        return f"{n:,}"
    for unit, size in (("GB", GB), ("MB", MB), ("kB", 1000)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} bytes"


def host_of(target: TargetConfig, remote_url: str = "") -> str:
    """The host whose limits apply: the target's ``host``, or guessed from the remote URL."""
    if target.host != "auto":
        return target.host
    for name, host in _HOSTNAMES.items():
        if name in remote_url:
            return host
    return "none"


def limits_for(target: TargetConfig, remote_url: str = "") -> dict[str, int]:
    """Every limit of a target: its own settings over its host's defaults (0: none)."""
    kind = "archive" if target.type == "git" else "site"
    defaults = HOST_LIMITS.get((host_of(target, remote_url), kind), {})
    return {
        key: target.limit(key) if target.limit(key) >= 0 else defaults.get(key, 0) for key in LIMITS
    }


def check_budget(target: TargetConfig, usage: Usage, remote_url: str = "") -> list[Measure]:
    """Each limit that applies to this kind of target, against ``usage``."""
    kind = "archive" if target.type == "git" else "site"
    soft = SOFT.get((host_of(target, remote_url), kind), frozenset())
    out = []
    for key, allowed in limits_for(target, remote_url).items():
        used, where = usage.used(key)
        if used is not None:
            out.append(
                Measure(key, used, allowed, where, hard=key not in soft or target.limit(key) >= 0)
            )
    return out


def measure_folder(folder: Path) -> Usage:
    """A built site as deployed (its files, the biggest directory, the biggest file)."""
    best_dir, best_n, largest, largest_path, files, total = "", 0, 0, "", 0, 0
    base = len(str(folder)) + 1
    for path, dirs, names in os.walk(folder):
        rel = path[base:] or "."
        if len(dirs) + len(names) > best_n:
            best_dir, best_n = rel, len(dirs) + len(names)
        for name in names:
            try:
                size = os.lstat(os.path.join(path, name)).st_size
            except OSError:
                continue
            files += 1
            total += size
            if size > largest:
                largest, largest_path = size, f"{rel}/{name}" if rel != "." else name
    return Usage(best_n, best_dir, largest, largest_path, files, site_bytes=total)


def _git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    from newsvault.publish.gitcli import git

    return git(root, *args, input=input).stdout


def measure_git(
    root: Path, ref: str = "HEAD", pushed: str | None = None, cache: Path | None = None
) -> Usage:
    """The branch ``ref`` as a host would hold it; ``pushed`` is what the remote already
    has (its tracking ref): the blobs of the commits in between are what a push sends.

    ``cache`` keeps the measure of the last commit measured: the next one reads only what
    the commits since then changed (an hourly run of a 200,000-post archive would spend
    half a minute listing every blob otherwise)."""
    from newsvault.publish.gitcli import rev

    commit = rev(root, ref) or ref
    tree = _tree_measure(root, commit, cache)
    largest, largest_path = tree["largest"], tree["largest_path"]
    if pushed != commit:
        size, path = _largest_blob(root, commit, *(["--not", pushed] if pushed else []))
        if size > largest:
            largest, largest_path = size, f"{path} (in history)"
    dirs: dict[str, int] = tree["dirs"]
    top_dir, top_n = max(dirs.items(), key=lambda kv: kv[1], default=("", 0))
    return Usage(top_n, top_dir, largest, largest_path, tree["files"], repo_bytes=tree["disk"])


def _largest_blob(root: Path, *revs: str) -> tuple[int, str]:
    """The biggest blob among the objects ``git rev-list --objects REVS`` lists."""
    listed = _git(root, "rev-list", "--objects", *revs)
    best, where = 0, ""
    if listed.strip():
        sizes = _git(
            root, "cat-file", "--batch-check=%(objecttype) %(objectsize) %(rest)", input=listed
        )
        for line in sizes.decode("utf-8", "surrogateescape").splitlines():
            kind, size_text, *rest = line.split(" ", 2)
            if kind == "blob" and int(size_text) > best:
                best, where = int(size_text), rest[0] if rest else ""
    return best, where


def _tree_measure(root: Path, commit: str, cache: Path | None) -> dict[str, Any]:
    """Entries per directory, files, the largest file and the disk size of ``commit``:
    from the cache, updated from the cached commit when it is an ancestor, or measured."""
    old = _read_json(cache)
    if old and old.get("commit") == commit:
        return old
    base = old.get("commit") if old else None
    if old and base and _git_ok(root, "merge-base", "--is-ancestor", base, commit):
        state = _tree_delta(root, base, commit, old)
    else:
        state = _tree_full(root, commit)
    if cache is not None:
        write_atomic(cache, json.dumps(state, ensure_ascii=False).encode("utf-8"))
    return state


def _tree_full(root: Path, commit: str) -> dict[str, Any]:
    dirs: dict[str, int] = {}
    largest, largest_path, files = 0, "", 0
    for item in _git(root, "ls-tree", "-r", "-t", "-l", "-z", commit).split(b"\0"):
        if not item:
            continue
        meta, _, raw = item.partition(b"\t")
        path = raw.decode("utf-8", "surrogateescape")
        parent = path.rpartition("/")[0] or "."
        dirs[parent] = dirs.get(parent, 0) + 1
        parts = meta.split()
        if parts[1] == b"blob":
            files += 1
            if int(parts[3]) > largest:
                largest, largest_path = int(parts[3]), path
    disk = int(_git(root, "rev-list", "--objects", "--disk-usage", commit).strip() or 0)
    return {
        "commit": commit,
        "dirs": dirs,
        "files": files,
        "largest": largest,
        "largest_path": largest_path,
        "disk": disk,
    }


def _tree_delta(root: Path, base: str, commit: str, old: dict[str, Any]) -> dict[str, Any]:
    """``old`` (the measure of ``base``) moved on to ``commit``. A file deleted since
    still counts as the largest (its blob stays in the history a clone downloads)."""
    dirs: dict[str, int] = dict(old["dirs"])
    files = int(old["files"])
    fields = _git(root, "diff", "--name-status", "--no-renames", "-z", base, commit).split(b"\0")
    for status, raw in zip(fields[0::2], fields[1::2], strict=False):  # -z output ends in a NUL
        path = raw.decode("utf-8", "surrogateescape")
        if status == b"A":
            files += 1
            _add_entry(dirs, path)
        elif status == b"D":
            files -= 1
            _remove_entry(dirs, path)
    largest, largest_path = int(old["largest"]), str(old["largest_path"])
    size, path = _largest_blob(root, commit, "--not", base)
    if size > largest:
        largest, largest_path = size, path
    disk = int(old["disk"]) + int(
        _git(root, "rev-list", "--objects", "--disk-usage", commit, "--not", base).strip() or 0
    )
    return {
        "commit": commit,
        "dirs": dirs,
        "files": files,
        "largest": largest,
        "largest_path": largest_path,
        "disk": disk,
    }


def _add_entry(dirs: dict[str, int], path: str) -> None:
    parent = path.rpartition("/")[0] or "."
    if parent != "." and parent not in dirs:  # a new folder: an entry of its own parent
        _add_entry(dirs, parent)
        dirs[parent] = 0
    dirs[parent] = dirs.get(parent, 0) + 1


def _remove_entry(dirs: dict[str, int], path: str) -> None:
    parent = path.rpartition("/")[0] or "."
    dirs[parent] = dirs.get(parent, 1) - 1
    if parent != "." and dirs[parent] <= 0:  # git keeps no empty folder
        del dirs[parent]
        _remove_entry(dirs, parent)


def _read_json(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _git_ok(root: Path, *args: str) -> bool:
    from newsvault.publish.gitcli import git

    return git(root, *args, check=False).returncode == 0


def remote_url(root: Path, remote: str) -> str:
    """The URL of a remote given by name (or the remote itself when it is a URL or path)."""
    from newsvault.publish.gitcli import git

    proc = git(root, "remote", "get-url", remote, check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else remote
