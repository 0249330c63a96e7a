"""What the committed record says about each post, for readers: :func:`histories`.

The site shows what the record in ``_evidence/`` says — never the index, which is a
cache a fresh checkout does not have. Only the observations that decided something
matter here (a ``revision``, a ``verdict`` or a ``cleared`` object, docs/evidence.md),
folded in time order like :func:`newsvault.evidence.tracks.apply` folds them: a verdict
stands until a later line clears it, a fingerprint is one revision however often a
merge repeats its line.

Each month file's deciding lines are kept in a cache by the file's size and mtime, so
an hourly build reads only the month that grew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsvault.archive.provenance import read_months
from newsvault.evidence import records

__all__ = ["Cleared", "Deletion", "Failure", "History", "Revision", "histories"]

_DECIDING = ("revision", "verdict", "cleared")
CACHE_VERSION = 1


@dataclass(frozen=True)
class Revision:
    """A later version the source served, and the provenance of that fetch."""

    at: datetime
    file: str  # vault-relative, under _revisions/
    fingerprint: str
    sha256: str | None
    status: int | None
    final_url: str | None


@dataclass(frozen=True)
class Failure:
    """One revisit a deletion verdict rests on."""

    at: datetime
    outcome: str
    status: int | None
    final_url: str | None
    marker: str | None


@dataclass(frozen=True)
class Deletion:
    """A standing deletion verdict: ``since`` the first failure, confirmed ``at``."""

    reason: str
    since: datetime
    at: datetime
    evidence: tuple[Failure, ...]


@dataclass(frozen=True)
class Cleared:
    """A verdict that a later success cleared (recorded: it was said once)."""

    reason: str
    since: datetime
    at: datetime


@dataclass(frozen=True)
class History:
    post: str  # vault-relative post file
    revisions: tuple[Revision, ...] = ()
    deletion: Deletion | None = None
    cleared: tuple[Cleared, ...] = ()

    @property
    def latest(self) -> datetime:
        """When the record last said something about this post (lists sort by it)."""
        times = [r.at for r in self.revisions] + [c.at for c in self.cleared]
        if self.deletion is not None:
            times.append(self.deletion.at)
        return max(times)

    @property
    def shown(self) -> bool:
        """Whether a reader is told anything: a revision or a standing verdict."""
        return bool(self.revisions) or self.deletion is not None


def histories(root: Path, cache: Path | None = None) -> dict[str, History]:
    """Every post's history from ``root/_evidence/`` (posts with nothing decided left
    out); ``cache`` keeps each month file's deciding lines between calls."""
    months = read_months(root / records.FOLDER, _deciding, cache, CACHE_VERSION)
    lines = [line for month in months for line in month]
    lines.sort(key=lambda o: str(o.get("at")))  # stable: file order within a second
    return _fold(lines)


def _deciding(path: Path) -> list[dict[str, Any]]:
    return [
        o
        for o in records.read_lines(path).objects
        if o.get("kind") == "observation"
        and isinstance(o.get("post"), str)
        and any(k in o for k in _DECIDING)
    ]


def _fold(lines: list[dict[str, Any]]) -> dict[str, History]:
    revisions: dict[str, list[Revision]] = {}
    deletion: dict[str, Deletion | None] = {}
    cleared: dict[str, list[Cleared]] = {}
    for line in lines:
        at = records.when(line)
        if at is None:
            continue
        post = line["post"]
        if isinstance(line.get("cleared"), dict) and deletion.get(post) is not None:
            standing = deletion[post]
            assert standing is not None
            cleared.setdefault(post, []).append(Cleared(standing.reason, standing.since, at))
            deletion[post] = None
        rev = line.get("revision")
        if isinstance(rev, dict) and isinstance(rev.get("file"), str):
            fp = records.str_field(rev.get("fingerprint")) or ""
            known = revisions.setdefault(post, [])
            if all(r.fingerprint != fp for r in known):
                known.append(
                    Revision(
                        at,
                        rev["file"],
                        fp,
                        records.str_field(rev.get("sha256")),
                        records.int_field(line.get("status")),
                        records.str_field(line.get("final_url")),
                    )
                )
        verdict = line.get("verdict")
        if isinstance(verdict, dict) and deletion.get(post) is None:
            deletion[post] = Deletion(
                str(verdict.get("reason")),
                records.when(verdict, "since") or at,
                at,
                tuple(
                    f
                    for e in verdict.get("evidence") or ()
                    if isinstance(e, dict) and (f := _failure(e)) is not None
                ),
            )
    posts = set(revisions) | set(deletion) | set(cleared)
    out = {
        p: History(p, tuple(revisions.get(p, ())), deletion.get(p), tuple(cleared.get(p, ())))
        for p in sorted(posts)
    }
    return {p: h for p, h in out.items() if h.shown or h.cleared}


def _failure(data: dict[str, Any]) -> Failure | None:
    at = records.when(data)
    if at is None:
        return None
    return Failure(
        at,
        str(data.get("outcome")),
        records.int_field(data.get("status")),
        records.str_field(data.get("final_url")),
        records.str_field(data.get("marker")),
    )
