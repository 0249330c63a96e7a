"""The site branch: the built site committed to a branch of its own, and pushed.

The site branch holds generated files only. It is written through a temporary index
(``GIT_INDEX_FILE``) with ``_site/`` as the work tree, so the vault's working tree and
index are never touched; as one orphan commit (force-pushed: nothing there is worth
keeping) or with history (``[publish] site_history``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsvault.errors import ConfigError, PublishError
from newsvault.publish.gitcli import git, identity_args, out, rev


@dataclass(frozen=True)
class SiteDeployResult:
    branch: str
    sha: str | None  # None: the site did not change, nothing committed
    pushed: bool


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
    (``track``: see :func:`newsvault.publish.archive_branch.push_archive`)."""
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
