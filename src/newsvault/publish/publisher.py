"""Publish a vault to every target of newsvault.toml: commit, then each mirror on its own.

Targets are ``[targets.NAME]`` tables (git remotes for the archive, site branches, site
folders, S3-compatible buckets); the older ``[publish]`` keys still work and become one
target each (``archive``, ``site-branch``, ``site-folder``). Each target is checked
against its budget (:mod:`newsvault.publish.budget`) and then published independently:
one that fails or is over budget does not stop the others. Every target's result — ok,
skipped (by budget, or nothing to do) or failed with the error — is in the report and in
``.newsvault/publish.json`` for ``newsvault status``; a skipped-by-budget or failed
target makes the run exit non-zero. Commits that could not be pushed stay in the local
repository and go out with the next run: every run pushes whatever a remote lacks, not
only what it committed itself.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsvault.config import Config, TargetConfig
from newsvault.errors import ConfigError, NewsvaultError
from newsvault.fsutil import write_atomic
from newsvault.publish.archive_branch import CommitResult, PushResult, commit_archive, push_archive
from newsvault.publish.budget import (
    Measure,
    Usage,
    check_budget,
    measure_folder,
    measure_git,
    remote_url,
)
from newsvault.publish.folder import FolderDeployResult, deploy_folder, resolve_folder
from newsvault.publish.gitcli import current_branch, has_remote, is_repository, rev
from newsvault.publish.recovery import git_session, recover_interrupted_rebase
from newsvault.publish.site_branch import SiteDeployResult, deploy_site_branch
from newsvault.vault import Vault

OK, SKIPPED, FAILED = "ok", "skipped", "failed"
RESULTS_FILE = "publish.json"  # in .newsvault/: the last run's result per target


@dataclass(frozen=True)
class TargetResult:
    name: str
    type: str
    status: str  # ok | skipped | failed
    detail: str = ""  # what was done, or why it was skipped or failed
    url: str = ""
    usage: tuple[Measure, ...] = ()
    warnings: tuple[str, ...] = ()  # limits at 80% or more
    result: Any = None  # PushResult, SiteDeployResult, FolderDeployResult or S3Result

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict, is_dataclass

        return {
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "detail": self.detail,
            "url": self.url,
            "usage": [m.to_json() for m in self.usage],
            "warnings": list(self.warnings),
            "result": asdict(self.result)
            if is_dataclass(self.result) and not isinstance(self.result, type)
            else None,
        }


@dataclass(frozen=True)
class PublishReport:
    commit: CommitResult | None = None
    push: PushResult | None = None  # the first archive target's (kept for older readers)
    site_branch: SiteDeployResult | None = None  # the first site branch's
    folder: FolderDeployResult | None = None  # the first site folder's
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    targets: tuple[TargetResult, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for t in self.targets for w in t.warnings)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        plain = {
            name: asdict(value) if value is not None else None
            for name, value in (
                ("commit", self.commit),
                ("push", self.push),
                ("site_branch", self.site_branch),
                ("folder", self.folder),
            )
        }
        return {
            **plain,
            "notes": list(self.notes),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "targets": [t.to_json() for t in self.targets],
        }


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


LEGACY = {"git": "archive", "site-branch": "site-branch", "folder": "site-folder"}


def publish_targets(config: Config) -> tuple[TargetConfig, ...]:
    """The enabled targets: ``[publish]``'s own (one per key set), then ``[targets.*]``."""
    pub = config.publish
    legacy = []
    if pub.git and pub.push:
        legacy.append(
            TargetConfig(name=LEGACY["git"], type="git", remote=pub.remote, branch=pub.branch)
        )
    if pub.site_branch:
        legacy.append(
            TargetConfig(
                name=LEGACY["site-branch"],
                type="site-branch",
                remote=pub.remote,
                branch=pub.site_branch,
                history=pub.site_history,
            )
        )
    if pub.site_folder:
        legacy.append(TargetConfig(name=LEGACY["folder"], type="folder", folder=pub.site_folder))
    names = {t.name for t in config.targets}
    for target in legacy:
        if target.name in names:
            raise ConfigError(
                f"[targets.{target.name}]: that name is taken by the [publish] settings' "
                "own target; choose another name"
            )
    return tuple(t for t in (*legacy, *config.targets) if t.enabled)


def _is_legacy(target: TargetConfig) -> bool:
    return LEGACY.get(target.type) == target.name


@dataclass
class _Run:
    """One publish: what every target shares (mutable only inside this module)."""

    vault: Vault
    config: Config
    now: datetime
    site_built: bool
    repo: bool
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _site_usage: Usage | None = None

    def site_usage(self) -> Usage:
        if self._site_usage is None:
            self._site_usage = measure_folder(self.vault.site_dir)
        return self._site_usage


def publish_vault(
    vault: Vault,
    config: Config,
    *,
    now: datetime,
    site_built: bool = True,
    count: Callable[[list[Path]], Mapping[str, int]] | None = None,
) -> PublishReport:
    """Commit (when set), then publish every target; never raises for a target's failure."""
    targets = publish_targets(config)
    pub, root = config.publish, vault.root
    git_targets = [t for t in targets if t.type in ("git", "site-branch")]
    commit_wanted = pub.git or any(t.type == "git" for t in targets)
    needs_repo = commit_wanted or bool(git_targets)
    run = _Run(vault, config, now, site_built, needs_repo and is_repository(root))
    if needs_repo and not run.repo:
        run.errors.append(
            f"git: {root} is not a git repository (run `git init` there, "
            'or set [publish] git = false and site_branch = "")'
        )
    commit = None
    results: list[TargetResult] = []
    if run.repo:
        try:
            with git_session(root, vault.state_dir / "git-session") as cleaned:
                if cleaned:
                    run.notes.append(
                        "removed git lock files a killed run left: " + ", ".join(cleaned)
                    )
                recover_interrupted_rebase(root, vault.state_dir / "rebasing")
                if commit_wanted:
                    try:
                        commit = commit_archive(root, now=now, count_sites=count or count_sites)
                    except NewsvaultError as exc:
                        run.errors.append(f"commit: {exc}")
                for kind in ("git", "site-branch"):  # the archive first: it matters most
                    results += [_publish_one(run, t) for t in targets if t.type == kind]
        except NewsvaultError as exc:
            run.errors.append(f"git: {exc}")
            done = {r.name for r in results}
            results += [
                TargetResult(t.name, t.type, FAILED, f"git: {exc}", t.url)
                for t in git_targets
                if t.name not in done
            ]
    else:
        results += [
            TargetResult(t.name, t.type, FAILED, "not a git repository", t.url)
            for t in git_targets
            if needs_repo
        ]
    results += [_publish_one(run, t) for t in targets if t.type not in ("git", "site-branch")]
    if not site_built and any(t.type != "git" and t.content == "site" for t in targets):
        run.notes.append("the site was not built: site not deployed")
    order = {t.name: i for i, t in enumerate(targets)}
    results.sort(key=lambda r: order.get(r.name, len(order)))
    _save_results(vault, now, results)

    def first(kind: str) -> Any:
        return next((r.result for r in results if r.type == kind and r.result is not None), None)

    return PublishReport(
        commit=commit,
        push=first("git"),
        site_branch=first("site-branch"),
        folder=first("folder"),
        notes=tuple(run.notes),
        errors=tuple(run.errors),
        targets=tuple(results),
    )


def _publish_one(run: _Run, target: TargetConfig) -> TargetResult:
    """Budget first, then the target's own publishing; every failure is its result."""
    base = TargetResult(target.name, target.type, OK, url=target.url)
    if target.type != "git" and target.content == "site" and not run.site_built:
        return replace(base, status=SKIPPED, detail="the site was not built")
    try:
        plan = _prepare(run, target)
        if isinstance(plan, TargetResult):
            return plan
        url, usage, action = plan
        measures = tuple(check_budget(target, usage, url))
        warnings = tuple(
            f"target {target.name}: {m.message(target)}" for m in measures if m.level == "warn"
        )
        over = [m.message(target) for m in measures if m.level == "over"]
        base = replace(base, usage=measures, warnings=warnings)
        if over:
            run.errors.append(f"{target.name}: refused by its budget: " + "; ".join(over))
            return replace(base, status=SKIPPED, detail="refused by its budget: " + "; ".join(over))
        result, detail = action()
        return replace(base, detail=detail, result=result)
    except NewsvaultError as exc:
        run.errors.append(f"{target.name}: {exc}")
        return replace(base, status=FAILED, detail=str(exc))


Action = Callable[[], tuple[Any, str]]


def _prepare(run: _Run, target: TargetConfig) -> TargetResult | tuple[str, Usage, Action]:
    """(the remote's URL, what the target would hold, how to publish it), or a result
    when there is nothing to do."""
    vault, root = run.vault, run.vault.root
    if target.type in ("git", "site-branch"):
        named = has_remote(root, target.remote)
        local_only = _is_legacy(target) and not run.config.publish.push  # site branch, not pushed
        if local_only or not named and not any(c in target.remote for c in "/:"):
            if _is_legacy(target):
                if target.type == "git":
                    run.notes.append(
                        f"no git remote {target.remote!r}: committed locally, not pushed"
                    )
                    return TargetResult(
                        target.name,
                        target.type,
                        SKIPPED,
                        f"no git remote {target.remote!r}: committed locally",
                        target.url,
                    )
                result = deploy_site_branch(
                    root,
                    vault.site_dir,
                    branch=target.branch,
                    message=_site_message(run.now),
                    history=target.history,
                )
                return TargetResult(
                    target.name,
                    target.type,
                    OK,
                    "committed locally (no remote)",
                    target.url,
                    result=result,
                )
            raise ConfigError(
                f"[targets.{target.name}] remote = {target.remote!r}: no such git remote "
                f"(add it with `git remote add {target.remote} URL`, or give a URL)"
            )
        track = target.remote if named else f"newsvault/{target.name}"
        url = remote_url(root, target.remote)
    if target.type == "git":
        branch = target.branch or current_branch(root)
        pushed = f"refs/remotes/{track}/{branch}"

        def push() -> tuple[Any, str]:
            result = push_archive(
                root,
                remote=target.remote,
                branch=branch,
                attempts=max(1, run.config.publish.push_attempts),
                marker=vault.state_dir / "rebasing",
                track=track,
            )
            return result, f"pushed {branch}" + (
                " after rebasing on the remote" if result.rebased else ""
            )

        usage = measure_git(root, "HEAD", pushed if rev(root, pushed) else None, _git_cache(vault))
        return url, usage, push
    if target.type == "site-branch":

        def deploy() -> tuple[Any, str]:
            result = deploy_site_branch(
                root,
                vault.site_dir,
                branch=target.branch,
                message=_site_message(run.now),
                history=target.history,
                remote=target.remote,
                track=track,
            )
            return result, f"{'deployed' if result.sha else 'unchanged on'} branch {target.branch}"

        return url, run.site_usage(), deploy
    if target.type == "folder":
        where = resolve_folder(root, target.folder)

        def copy() -> tuple[Any, str]:
            result = deploy_folder(vault.site_dir, where)
            return result, f"copied to {result.folder} ({result.files} files)"

        return "", run.site_usage(), copy
    from newsvault.publish.s3 import sync_folder

    folder = vault.site_dir if target.content == "site" else vault.assets_dir
    if target.content == "assets" and not folder.is_dir():
        return TargetResult(
            target.name, target.type, SKIPPED, "no local image store (assets/)", target.url
        )
    usage = run.site_usage() if target.content == "site" else measure_folder(folder)

    def upload() -> tuple[Any, str]:
        result = sync_folder(folder, target, record=vault.state_dir / "s3" / f"{target.name}.json")
        return result, (
            f"s3://{result.bucket}/{result.prefix}: {result.uploaded_new} new, "
            f"{result.uploaded_changed} changed, {result.deleted} deleted, "
            f"{result.unchanged} unchanged"
        )

    return target.endpoint_url, usage, upload


def _git_cache(vault: Vault) -> Path:
    return vault.state_dir / "budget-git.json"


def _site_message(now: datetime) -> str:
    return f"site {now.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def _save_results(vault: Vault, now: datetime, results: list[TargetResult]) -> None:
    data = {
        "at": now.astimezone(timezone.utc).isoformat(),
        "targets": [r.to_json() for r in results],
    }
    try:
        vault.state_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(
            vault.state_dir / RESULTS_FILE,
            json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8"),
        )
    except OSError:
        pass  # status shows less; publishing itself is done


def target_status(vault: Vault, config: Config) -> list[dict[str, Any]]:
    """Per target: its usage now (measured) and its last result (``newsvault status``)."""
    try:
        last = json.loads((vault.state_dir / RESULTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = {}
    previous = {t.get("name"): t for t in last.get("targets", []) if isinstance(t, dict)}
    out = []
    run = _Run(vault, config, datetime.now(timezone.utc), True, is_repository(vault.root))
    for target in publish_targets(config):
        entry: dict[str, Any] = {
            "name": target.name,
            "type": target.type,
            "url": target.url,
            "last": previous.get(target.name, {}).get("status"),
            "last_detail": previous.get(target.name, {}).get("detail", ""),
            "last_at": last.get("at") if target.name in previous else None,
        }
        try:
            measures = _measure_now(run, target)
            entry["usage"] = [m.to_json() for m in measures]
            entry["warnings"] = [m.message(target) for m in measures if m.level != "ok"]
        except NewsvaultError as exc:
            entry["usage"], entry["warnings"] = [], [f"cannot measure: {exc}"]
        out.append(entry)
    return out


def _measure_now(run: _Run, target: TargetConfig) -> list[Measure]:
    root = run.vault.root
    if target.type == "git":
        if not run.repo:
            return []
        named = has_remote(root, target.remote)
        track = target.remote if named else f"newsvault/{target.name}"
        pushed = f"refs/remotes/{track}/{target.branch or current_branch(root)}"
        usage = measure_git(
            root, "HEAD", pushed if rev(root, pushed) else None, _git_cache(run.vault)
        )
        return check_budget(target, usage, remote_url(root, target.remote))
    folder = (
        run.vault.assets_dir
        if target.type == "s3" and target.content == "assets"
        else run.vault.site_dir
    )
    if not folder.is_dir():
        return []
    url = remote_url(root, target.remote) if target.type == "site-branch" and run.repo else ""
    usage = run.site_usage() if folder == run.vault.site_dir else measure_folder(folder)
    return check_budget(target, usage, url)
