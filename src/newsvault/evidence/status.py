"""What ``newsvault status`` says about evidence: pending revisits, verdicts, revisions.

Read from the index (a cache of the committed record; ``newsvault revisit`` or ``run``
brings it up to date), read-only: status never changes the vault.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsvault.archive.index import read_only
from newsvault.archive.provenance import stamp
from newsvault.vault import Vault


@dataclass(frozen=True)
class EvidenceStatus:
    tracked: int  # articles followed
    pending: int  # due now
    scheduled: int  # with a revisit still to come
    next_due: str | None
    verdicts: tuple[tuple[str, str], ...]  # (post, reason), standing ones
    revised: tuple[tuple[str, int], ...]  # (post, revisions)

    def to_json(self) -> dict[str, Any]:
        return {
            "tracked": self.tracked,
            "pending": self.pending,
            "scheduled": self.scheduled,
            "next_due": self.next_due,
            "verdicts": [{"post": p, "reason": r} for p, r in self.verdicts],
            "revisions": [{"post": p, "revisions": n} for p, n in self.revised],
        }


def evidence_status(vault: Vault, now: datetime) -> EvidenceStatus:
    empty = EvidenceStatus(0, 0, 0, None, (), ())
    with read_only(vault) as db:
        if db is None:
            return empty
        try:
            when = stamp(now)
            tracked, pending, scheduled, nxt = db.execute(
                "SELECT count(*), sum(due IS NOT NULL AND due <= ?), sum(due IS NOT NULL),"
                " min(CASE WHEN due > ? THEN due END) FROM revisits",
                (when, when),
            ).fetchone()
            verdicts = tuple(
                db.execute(
                    "SELECT post, verdict FROM revisits WHERE verdict IS NOT NULL ORDER BY post"
                )
            )
            revised = tuple(
                db.execute("SELECT post, revisions FROM revisits WHERE revisions > 0 ORDER BY post")
            )
        except sqlite3.Error:  # an index from before the evidence tables: nothing followed yet
            return empty
    return EvidenceStatus(
        int(tracked or 0), int(pending or 0), int(scheduled or 0), nxt, verdicts, revised
    )
