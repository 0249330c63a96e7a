"""Publish the archive with git: commit new posts, push safely, deploy the site branch.

The archive branch is history that must never be rewritten on the remote: a push that
is rejected because the remote moved (another runner, a manual edit) is followed by
fetch → rebase → push again, never by a force-push. Post files have distinct names,
so a rebase of new posts over other new posts applies cleanly; when both sides added
*different* posts under the same name (same date and title start, chosen
independently), both are kept: the remote's file keeps the name and ours takes the
next free ``-N`` suffix (the rule of docs/post-format.md). Any other conflict aborts the
rebase and fails loudly, with our commit intact.

The site branch holds generated files only. It is written through a temporary index
(``GIT_INDEX_FILE``) with ``_site/`` as the work tree, so the vault's working tree and
index are never touched; as one orphan commit (force-pushed: nothing there is worth
keeping) or with history (``[publish] site_history``).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from newsvault.archive.files import is_post_path
from newsvault.archive.naming import with_suffix
from newsvault.errors import ConfigError, PublishError
from newsvault.fsutil import write_atomic
from newsvault.publish.gitcli import (
    current_branch,
    existing,
    git,
    identity_args,
    out,
    rev,
    zlist,
)

#: What ``commit_archive`` commits: the archive (posts, images, the provenance record
#: that dedup needs on a fresh checkout), and nothing the user is editing.
ARCHIVE_PATHS = ("_posts", "assets", "_provenance", "_evidence", "_revisions")
PROVENANCE = "_provenance/"
EVIDENCE = "_evidence/"  # append-only lines too (docs/evidence.md): merged like provenance
_UNION = (PROVENANCE, EVIDENCE)


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


@dataclass(frozen=True)
class SiteDeployResult:
    branch: str
    sha: str | None  # None: the site did not change, nothing committed
    pushed: bool


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
                f"git push to {remote} {branch} failed: {_text(proc.stderr) or _text(proc.stdout)}"
            )
        renamed += rebase_keeping_both(root, upstream, marker=marker)
        rebased = True
        if attempt < attempts:
            time.sleep(backoff * attempt)
    raise PublishError(
        f"git push to {remote} {branch}: the remote kept moving; gave up after "
        f"{attempts} attempts (your commits are safe locally; the next run retries)"
    )


def rebase_keeping_both(
    root: Path, upstream: str, *, marker: Path | None = None
) -> list[tuple[str, str]]:
    """Rebase HEAD onto ``upstream``; add/add conflicts on posts keep both files.

    Returns the (old, new) names of our posts that were renamed to keep both. ``marker``
    is a file that exists while the rebase runs (see :func:`recover_interrupted_rebase`).
    """
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"{upstream}\n", encoding="utf-8")
    try:
        return _rebase(root, upstream)
    finally:
        if marker is not None and not rebase_in_progress(root):
            marker.unlink(missing_ok=True)


def _rebase(root: Path, upstream: str) -> list[tuple[str, str]]:
    renamed: list[tuple[str, str]] = []
    proc = git(root, "rebase", "-q", "--autostash", upstream, check=False)
    while proc.returncode != 0:
        conflicts = _conflicts(root)
        bad = [p for p, code in conflicts if not _resolvable(p, code)]
        if not conflicts or bad:
            git(root, "rebase", "--abort", check=False)
            what = ", ".join(bad or ["(no conflicting file reported)"])
            raise PublishError(
                f"rebase onto {upstream} stopped on a conflict in {what}; the rebase was "
                f"aborted and nothing was lost (your commits are intact); resolve it by hand: "
                f"{_text(proc.stderr)}"
            )
        step: list[tuple[str, str]] = []
        for path, _ in conflicts:
            if path.startswith(_UNION):
                _union(root, path)
            else:
                step.append((path, _keep_both(root, path)))
        if step:
            _repoint_provenance(root, step)
        renamed += step
        proc = git(root, "rebase", "--continue", check=False, env={"GIT_EDITOR": "true"})
    return renamed


def _resolvable(path: str, code: str) -> bool:
    """Both sides added a post of one name (both kept), or both appended provenance lines."""
    if path.startswith(_UNION) and path.endswith(".jsonl"):
        return code in ("AA", "UU")
    return code == "AA" and path.startswith("_posts/")


def _lines(root: Path, spec: str) -> list[bytes]:
    proc = git(root, "show", spec, check=False)
    return proc.stdout.splitlines(keepends=True) if proc.returncode == 0 else []


def _union(root: Path, path: str) -> None:
    """The remote's lines, then ours that it lacks (the record is append-only lines, each
    standing alone: nothing is lost and nothing is doubled)."""
    theirs = _lines(root, f":2:{path}")
    have = set(theirs)
    extra = [line for line in _lines(root, f":3:{path}") if line not in have]
    data = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in theirs + extra)
    write_atomic(root / path, data)
    git(root, "add", "--", path)


def _repoint_provenance(root: Path, renamed: list[tuple[str, str]]) -> None:
    """Our provenance lines name our posts by the names they had; the posts just moved
    to ``-N`` names (both kept), so their lines follow them. Lines of the remote, which
    name its own posts under the old names, are left as they are."""
    import json

    moves = dict(renamed)
    for path in _provenance_files(root):
        ours = set(_lines(root, f"REBASE_HEAD:{path}")) - set(_lines(root, f"HEAD:{path}"))
        if not ours:
            continue
        lines = (root / path).read_bytes().splitlines(keepends=True)
        changed = False
        for i, line in enumerate(lines):
            if line not in ours:
                continue
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("post") in moves:
                data["post"] = moves[data["post"]]
                lines[i] = (
                    json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
                ).encode()
                changed = True
        if changed:
            write_atomic(root / path, b"".join(lines))
            git(root, "add", "--", path)


def _provenance_files(root: Path) -> list[str]:
    """The provenance files in the work tree (vault-relative)."""
    folder = root / PROVENANCE
    return (
        sorted(f"{PROVENANCE}{p.name}" for p in folder.glob("*.jsonl")) if folder.is_dir() else []
    )


def _conflicts(root: Path) -> list[tuple[str, str]]:
    """(path, two-letter status) of unmerged paths."""
    entries = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=no").stdout
    result = []
    for item in entries.decode("utf-8", "surrogateescape").split("\0"):
        code, path = item[:2], item[3:]
        if code in ("DD", "AU", "UD", "UA", "DU", "AA", "UU"):
            result.append((path, code))
    return result


def _keep_both(root: Path, path: str) -> str:
    """The upstream file keeps ``path``; ours moves to the next free ``-N`` name."""
    upstream_bytes = git(root, "show", f":2:{path}").stdout  # stage 2: the branch rebased onto
    ours_bytes = git(root, "show", f":3:{path}").stdout  # stage 3: our commit being replayed
    new = _free_name(root, path)
    write_atomic(root / path, upstream_bytes)
    write_atomic(root / new, ours_bytes)
    git(root, "add", "--", path, new)
    return new


def _free_name(root: Path, path: str) -> str:
    p = PurePosixPath(path)
    n = 2
    while True:
        candidate = str(p.with_name(with_suffix(p.name, n)))
        tracked = git(root, "cat-file", "-e", f"HEAD:{candidate}", check=False).returncode == 0
        if not (root / candidate).exists() and not tracked:
            return candidate
        n += 1


def _is_ancestor(root: Path, ancestor: str, descendant: str) -> bool:
    return (
        git(root, "merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0
    )


def _text(data: bytes | None) -> str:
    return " | ".join((data or b"").decode("utf-8", "replace").strip().splitlines()[-4:])


# --- the site branch -------------------------------------------------------------------


def deploy_site_branch(
    root: Path,
    site_dir: Path,
    *,
    branch: str,
    message: str,
    history: bool = False,
    remote: str | None = None,
    track: str = "",
) -> SiteDeployResult:
    """Commit the built site as ``branch`` (orphan or with history) and push it to ``remote``
    (``track``: see :func:`push_archive`)."""
    _check_site_branch(root, branch)
    track = track or remote or ""
    if not site_dir.is_dir():
        raise PublishError(f"{site_dir}: no built site to deploy (run `newsvault build`)")
    ref = f"refs/heads/{branch}"
    if remote and history:
        git(root, "fetch", "-q", remote, f"+{ref}:refs/remotes/{track}/{branch}", check=False)
    tree = _site_tree(root, site_dir)
    base = _site_parent(root, branch, track if remote else None) if history else rev(root, ref)
    if base and _tree_of(root, base) == tree:
        sha = None  # the site did not change: no commit
        if history:
            git(root, "update-ref", ref, base)
    else:
        sha = _commit_tree(root, tree, message, base if history else None)
        git(root, "update-ref", ref, sha)
    pushed = _push_site(root, remote, track, branch, history, tree, message) if remote else False
    return SiteDeployResult(branch=branch, sha=sha, pushed=pushed)


def _check_site_branch(root: Path, branch: str) -> None:
    if (
        not branch
        or branch.startswith("-")
        or git(root, "check-ref-format", "--branch", branch, check=False).returncode != 0
    ):
        raise ConfigError(f"[publish] site_branch: {branch!r} is not a valid branch name")
    head = git(root, "symbolic-ref", "--short", "-q", "HEAD", check=False).stdout.decode().strip()
    if branch == head:
        raise ConfigError(
            f"[publish] site_branch = {branch!r} is the archive's own branch; "
            "the site must go to a branch of its own (e.g. gh-pages)"
        )


def _site_tree(root: Path, site_dir: Path) -> str:
    """Write ``site_dir`` as a tree object through a throwaway index; returns its id."""
    git_dir = out(root, "rev-parse", "--absolute-git-dir")
    with tempfile.TemporaryDirectory(prefix="newsvault-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        base = ["--git-dir", git_dir, "--work-tree", str(site_dir.resolve())]
        git(site_dir, *base, "add", "-A", "-f", "--", ".", env=env)
        if not (site_dir / ".nojekyll").exists():
            # GitHub Pages must serve the built files as they are, not run Jekyll on them.
            blob = out(root, "hash-object", "-w", "--stdin")
            git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},.nojekyll", env=env)
        return out(root, "write-tree", env=env)


def _site_parent(root: Path, branch: str, track: str | None) -> str | None:
    return (rev(root, f"refs/remotes/{track}/{branch}") if track else None) or rev(
        root, f"refs/heads/{branch}"
    )


def _tree_of(root: Path, commit: str) -> str:
    return out(root, "rev-parse", f"{commit}^{{tree}}")


def _commit_tree(root: Path, tree: str, message: str, parent: str | None) -> str:
    args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
    return out(root, *identity_args(root), *args)


def _push_site(
    root: Path,
    remote: str,
    track: str,
    branch: str,
    history: bool,
    tree: str,
    message: str,
    attempts: int = 3,
) -> bool:
    ref = f"refs/heads/{branch}"
    if not history:  # one orphan commit: replacing the remote's is the point
        git(root, "push", "-q", "--force", remote, f"+{ref}:{ref}")
        return True
    for _ in range(attempts):
        if git(root, "push", "-q", remote, f"{ref}:{ref}", check=False).returncode == 0:
            return True
        git(root, "fetch", "-q", remote, f"+{ref}:refs/remotes/{track}/{branch}")
        parent = rev(root, f"refs/remotes/{track}/{branch}")
        git(root, "update-ref", ref, _commit_tree(root, tree, message, parent))
    raise PublishError(f"git push of the site branch {branch} to {remote} kept failing")
