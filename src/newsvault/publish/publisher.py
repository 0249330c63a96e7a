"""Publish a vault as ``[publish]`` in newsvault.toml says: commit, push, deploy the site.

Each target runs even when an earlier one failed (a failed site deploy must not keep
the archive from being pushed, a failed push must not keep the site from its folder);
the failures are collected in the report, which makes the run exit non-zero. Commits
that could not be pushed stay in the local repository and go out with the next run:
every run pushes whatever the remote lacks, not only what it committed itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from newsvault.config import Config
from newsvault.errors import NewsvaultError
from newsvault.publish.folder import FolderDeployResult, deploy_folder, resolve_folder
from newsvault.publish.git import (
    CommitResult,
    PushResult,
    SiteDeployResult,
    commit_archive,
    deploy_site_branch,
    git_session,
    push_archive,
    recover_interrupted_rebase,
)
from newsvault.publish.gitcli import has_remote, is_repository
from newsvault.vault import Vault

T = TypeVar("T")


@dataclass(frozen=True)
class PublishReport:
    commit: CommitResult | None = None
    push: PushResult | None = None
    site_branch: SiteDeployResult | None = None
    folder: FolderDeployResult | None = None
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def count_sites(paths: list[Path]) -> Mapping[str, int]:
    """New posts per source, read from the files themselves (for the commit message)."""
    from newsvault.archive.posts import read_post  # the archive stage owns the format

    counts: Counter[str] = Counter()
    for path in paths:
        try:
            counts[read_post(path).article.site or "(no site)"] += 1
        except (NewsvaultError, OSError, ValueError):
            counts["(unreadable)"] += 1
    return counts


def publish_vault(vault: Vault, config: Config, *, now: datetime, site_built: bool = True,
                  count: Callable[[list[Path]], Mapping[str, int]] | None = None) -> PublishReport:
    """Run every configured publish target; never raises for a target's failure."""
    pub = config.publish
    count = count or count_sites
    notes: list[str] = []
    errors: list[str] = []
    root = vault.root

    def attempt(name: str, action: Callable[[], T]) -> T | None:
        try:
            return action()
        except NewsvaultError as exc:
            errors.append(f"{name}: {exc}")
            return None

    commit = push = branch_result = folder_result = None
    repo = (pub.git or bool(pub.site_branch)) and is_repository(root)
    if (pub.git or pub.site_branch) and not repo:
        errors.append(f"git: {root} is not a git repository (run `git init` there, "
                      "or set [publish] git = false and site_branch = \"\")")
    remote = pub.remote if repo and pub.push and has_remote(root, pub.remote) else None
    if repo and pub.push and remote is None:
        notes.append(f"no git remote {pub.remote!r}: committed locally, not pushed")
    if repo:
        try:
            with git_session(root, vault.state_dir / "git-session") as cleaned:
                if cleaned:
                    notes.append("removed git lock files a killed run left: "
                                 + ", ".join(cleaned))
                commit, push, branch_result = _git_targets(vault, config, now, site_built,
                                                           remote, count, attempt)
        except NewsvaultError as exc:
            errors.append(f"git: {exc}")
    if not site_built and (pub.site_branch or pub.site_folder):
        notes.append("the site was not built: site not deployed")
    if site_built and pub.site_folder:
        folder_result = attempt("site folder", lambda: deploy_folder(
            vault.site_dir, resolve_folder(root, pub.site_folder)))
    return PublishReport(commit=commit, push=push, site_branch=branch_result,
                         folder=folder_result, notes=tuple(notes), errors=tuple(errors))


def _git_targets(vault: Vault, config: Config, now: datetime, site_built: bool,
                 remote: str | None, count: Callable[[list[Path]], Mapping[str, int]],
                 attempt: Callable[[str, Callable[[], Any]], Any]
                 ) -> tuple[CommitResult | None, PushResult | None, SiteDeployResult | None]:
    """Commit, push and deploy the site branch, after rolling back a half-done rebase."""
    pub, root = config.publish, vault.root
    commit = push = branch_result = None
    marker = vault.state_dir / "rebasing"
    if attempt("git", lambda: recover_interrupted_rebase(root, marker)) is None:
        return None, None, None
    if pub.git:
        commit = attempt("commit", lambda: commit_archive(root, now=now, count_sites=count))
        if remote:
            push = attempt("push", lambda: push_archive(
                root, remote=remote, branch=pub.branch, attempts=max(1, pub.push_attempts),
                marker=marker))
    if site_built and pub.site_branch:
        message = f"site {now.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        branch_result = attempt("site branch", lambda: deploy_site_branch(
            root, vault.site_dir, branch=pub.site_branch, message=message,
            history=pub.site_history, remote=remote))
    return commit, push, branch_result
