"""Rebasing our archive commits onto a remote that moved, keeping both sides.

Post files have distinct names, so a rebase of new posts over other new posts applies
cleanly; when both sides added *different* posts under the same name (same date and title
start, chosen independently), both are kept: the remote's file keeps the name and ours
takes the next free ``-N`` suffix (the rule of docs/post-format.md). Append-only records
(provenance, evidence) keep the lines of both. Any other conflict aborts the rebase and
fails loudly, with our commit intact.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from newsvault.archive.naming import with_suffix
from newsvault.errors import PublishError
from newsvault.fsutil import write_atomic
from newsvault.publish.gitcli import git, tail
from newsvault.publish.recovery import rebase_in_progress

PROVENANCE = "_provenance/"
EVIDENCE = "_evidence/"  # append-only lines too (docs/evidence.md): merged like provenance
_UNION = (PROVENANCE, EVIDENCE)


def rebase_keeping_both(
    root: Path, upstream: str, *, marker: Path | None = None
) -> list[tuple[str, str]]:
    """Rebase HEAD onto ``upstream``; add/add conflicts on posts keep both files.

    Returns the (old, new) names of our posts that were renamed to keep both. ``marker``
    is a file that exists while the rebase runs (see
    :func:`newsvault.publish.recovery.recover_interrupted_rebase`).
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
                f"{tail(proc.stderr)}"
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
