"""One revisit's outcome, and when outcomes make a deletion verdict (pure; docs/evidence.md).

:func:`classify` turns what one revisit saw into an :class:`Outcome`:

==============  ==========================================================================
``ok``          the page answered (2xx or 304) and the item is not known to be out of its feed
``gone``        404 or 410
``blocked``     451 (unavailable for legal reasons)
``redirected``  the link now leads to the site's home page or a generic page
``removed``     a soft-404 page: 2xx, but the body shows a removal marker of the site
``dropped``     the page answers, but the item left its feed while older items remain
``transient``   timeout, connection error, 5xx, 408/429, a failing host: *never* evidence
``unclear``     any other answer (401, 403, other 4xx): not evidence either way
``listed``      no request: the feed read in this run lists the entry unchanged, and stands
                in for a scheduled look (``Track.feed_answers``); neither failure nor success
==============  ==========================================================================

:func:`judge`: a verdict needs at least ``min_failures`` consecutive failures (deletion
outcomes; ``transient`` and ``unclear`` neither count nor break the run) spanning at
least ``min_span``. Any ``ok`` ends the run: it clears a verdict already given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

__all__ = [
    "BUILTIN_MARKERS",
    "DELETIONS",
    "GENERIC_PATHS",
    "Outcome",
    "Verdict",
    "classify",
    "judge",
    "markers_for",
]

#: Soft-404 texts every site gets (WeChat's removal pages); ``[evidence] markers`` adds
#: a site's own.
BUILTIN_MARKERS = (
    "该内容已被发布者删除",
    "此内容因违规无法查看",
    "此帐号已被屏蔽",
    "该公众号已迁移",
)
GENERIC_PATHS = frozenset(
    {
        "",
        "/",
        "/index.html",
        "/index.htm",
        "/index.php",
        "/index.shtml",
        "/home",
        "/home/",
        "/default.aspx",
        "/404",
        "/404.html",
        "/error",
        "/error.html",
        "/notfound",
        "/not-found",
    }
)
DELETIONS = ("gone", "blocked", "redirected", "removed", "dropped")
OK, TRANSIENT, UNCLEAR, LISTED = "ok", "transient", "unclear", "listed"


@dataclass(frozen=True)
class Outcome:
    """What one revisit saw, with its evidence."""

    kind: str  # ok | one of DELETIONS | transient | unclear
    at: datetime
    status: int | None = None
    final_url: str | None = None
    marker: str | None = None  # the removal marker matched (``removed``)
    detail: str | None = None  # the error text (``transient``/``unclear``)

    @property
    def failure(self) -> bool:
        return self.kind in DELETIONS


@dataclass(frozen=True)
class Verdict:
    """A deletion verdict: its reason, and the failures it rests on."""

    reason: str  # one of DELETIONS
    since: datetime  # the first failure of the run
    at: datetime  # the failure that made it a verdict
    evidence: tuple[Outcome, ...]


def markers_for(site: str, markers: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The built-in markers and ``site``'s own (``"*"`` in the table: every site's)."""
    return BUILTIN_MARKERS + tuple(markers.get("*", ())) + tuple(markers.get(site, ()))


def _generic(link: str, final_url: str, generic: Sequence[str]) -> bool:
    """Did the link land on a home or generic page (not the article moving elsewhere)?"""
    if not final_url or final_url.rstrip("/") == link.rstrip("/"):
        return False
    target = urlsplit(final_url)
    path = target.path.lower()
    return (path in GENERIC_PATHS and not target.query) or final_url in generic or path in generic


def classify(
    *,
    at: datetime,
    link: str,
    status: int | None,
    final_url: str | None = None,
    text: str = "",
    error: str | None = None,
    in_feed: bool | None = None,
    markers: Sequence[str] = BUILTIN_MARKERS,
    generic: Sequence[str] = (),
) -> Outcome:
    """The outcome of one revisit of ``link``: ``status``/``final_url``/``text`` of the
    answer (``error`` when there was none); ``in_feed`` False when the item left its feed
    while older items remain, None when unknown."""
    if status is None or status >= 500 or status in (408, 425, 429):
        return Outcome(TRANSIENT, at, status, final_url, detail=error or f"HTTP {status}")
    if status in (404, 410):
        return Outcome("gone", at, status, final_url)
    if status == 451:
        return Outcome("blocked", at, status, final_url)
    if not (200 <= status < 300 or status == 304):
        return Outcome(UNCLEAR, at, status, final_url, detail=error or f"HTTP {status}")
    if final_url and _generic(link, final_url, generic):
        return Outcome("redirected", at, status, final_url)
    marker = next((m for m in markers if m and m in text), None)
    if marker is not None:
        return Outcome("removed", at, status, final_url, marker=marker)
    if in_feed is False:
        return Outcome("dropped", at, status, final_url)
    return Outcome(OK, at, status, final_url)


def judge(
    history: Sequence[Outcome], *, min_failures: int = 3, min_span: timedelta = timedelta(hours=24)
) -> Verdict | None:
    """The verdict ``history`` (oldest first) supports now, or None.

    The run is the failures since the last ``ok``; its reason is the latest failure's
    (a page that went from 404 to a marker page is ``removed``)."""
    run: list[Outcome] = []
    for outcome in history:
        if outcome.kind == OK:
            run = []
        elif outcome.failure:
            run.append(outcome)
    if len(run) < min_failures or run[-1].at - run[0].at < min_span:
        return None
    at = next(
        o.at for i, o in enumerate(run) if i + 1 >= min_failures and o.at - run[0].at >= min_span
    )
    return Verdict(run[-1].kind, run[0].at, at, tuple(run))
