"""The archive branch: commit new posts, push them safely.

The archive branch is history that must never be rewritten on the remote: a push that
is rejected because the remote moved (another runner, a manual edit) is followed by
fetch → rebase → push again (:mod:`newsvault.publish.rebase`), never by a force-push.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsvault.archive.files import is_post_path
from newsvault.errors import PublishError
from newsvault.publish.gitcli import current_branch, existing, git, identity_args, out, tail, zlist
from newsvault.publish.rebase import rebase_keeping_both

#: What ``commit_archive`` commits: the archive (posts, images, the provenance record
#: that dedup needs on a fresh checkout), and nothing the user is editing.
ARCHIVE_PATHS = ("_posts", "assets", "_provenance", "_evidence", "_revisions")


def _pathspec(paths: list[str]) -> list[str]:
    """The paths minus hidden files (temporary files of an interrupted write; Jekyll
    ignores dotfiles too, so nothing the site shows is left out)."""
    return [*paths, *(f":(exclude,glob){p}/**/.*" for p in paths)]


@dataclass(frozen=True)
class CommitResult:
    sha: str
    message: str
    added: tuple[str, ...]  # vault-relative paths of new files
    changed: int  # all files in the commit


@dataclass(frozen=True)
class PushResult:
    pushed: bool
    attempts: int
    rebased: bool
    renamed: tuple[tuple[str, str], ...] = ()  # (old, new): ours, kept under a new name


def commit_message(now: datetime, counts: Mapping[str, int], changed: int) -> str:
    """``update <timestamp>`` and a body with the number of new articles per source."""
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    total = sum(counts.values())
    lines = [f"update {stamp}", ""]
    lines.append(f"{total} new article{'s' if total != 1 else ''}")
    if counts:
        lines.append("")
        for site, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"{site}: {n}")
    other = changed - total
    if other > 0:
        lines += ["", f"{other} other file{'s' if other != 1 else ''} added or changed"]
    return "\n".join(lines) + "\n"


def commit_archive(
    root: Path,
    *,
    now: datetime,
    count_sites: Callable[[list[Path]], Mapping[str, int]],
    paths: tuple[str, ...] = ARCHIVE_PATHS,
) -> CommitResult | None:
    """Commit everything new or changed under ``paths``; None when there is nothing.

    ``count_sites`` receives the new files (absolute paths) and returns articles per
    source for the message: counting the files, not this run's fetch report, keeps the
    message right after a crashed run whose posts are committed by the next one.
    """
    paths_present = existing(root, paths)
    if not paths_present:
        return None
    spec = _pathspec(paths_present)
    git(root, "add", "-A", "--", *spec)
    changed = zlist(root, "diff", "--cached", "--name-only", "-z", "--", *spec)
    if not changed:
        return None
    added = zlist(root, "diff", "--cached", "--name-only", "--diff-filter=A", "-z", "--", *spec)
    new_posts = [root / p for p in added if is_post_path(p)]
    message = commit_message(now, count_sites(new_posts), len(changed))
    git(
        root,
        *identity_args(root),
        "commit",
        "-q",
        "--no-verify",
        "-F",
        "-",
        "--",
        *spec,
        input=message.encode("utf-8"),
    )
    return CommitResult(
        sha=out(root, "rev-parse", "HEAD"),
        message=message,
        added=tuple(added),
        changed=len(changed),
    )


def push_archive(
    root: Path,
    *,
    remote: str,
    branch: str = "",
    attempts: int = 5,
    backoff: float = 1.0,
    marker: Path | None = None,
    track: str = "",
) -> PushResult:
    """Push HEAD to ``remote/branch``; when the remote moved, rebase on it and retry.

    Never forces. Raises PublishError when the push keeps failing for another reason
    (credentials, network, a protected branch) or after ``attempts`` races lost.
    ``track`` names the remote-tracking refs (``refs/remotes/TRACK/…``; default: the
    remote, which must then be a remote's name rather than a URL).
    """
    branch = branch or current_branch(root)
    track = track or remote
    rebased = False
    renamed: list[tuple[str, str]] = []
    for attempt in range(1, attempts + 1):
        proc = git(root, "push", "--porcelain", remote, f"HEAD:refs/heads/{branch}", check=False)
        if proc.returncode == 0:
            git(root, "update-ref", f"refs/remotes/{track}/{branch}", "HEAD")  # what it has now
            return PushResult(True, attempt, rebased, tuple(renamed))
        fetched = git(
            root,
            "fetch",
            "-q",
            remote,
            f"+refs/heads/{branch}:refs/remotes/{track}/{branch}",
            check=False,
        )
        upstream = f"refs/remotes/{track}/{branch}"
        if fetched.returncode != 0 or _is_ancestor(root, upstream, "HEAD"):
            # Not a race: the remote did not move, so the push failed for another reason.
            raise PublishError(
                f"git push to {remote} {branch} failed: {tail(proc.stderr) or tail(proc.stdout)}"
            )
        renamed += rebase_keeping_both(root, upstream, marker=marker)
        rebased = True
        if attempt < attempts:
            time.sleep(backoff * attempt)
    raise PublishError(
        f"git push to {remote} {branch}: the remote kept moving; gave up after "
        f"{attempts} attempts (your commits are safe locally; the next run retries)"
    )


def _is_ancestor(root: Path, ancestor: str, descendant: str) -> bool:
    return (
        git(root, "merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0
    )
