"""The list pages: the front page and its numbered pages, each source's, tag's, category's
and month's list, and the indexes of sources, tags, categories and months."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from types import SimpleNamespace
from typing import Any, Protocol

from markupsafe import Markup

from newsvault.config import SiteConfig
from newsvault.fetch import state
from newsvault.fetch.health import span_words
from newsvault.site.inputs import SiteInputs
from newsvault.site.pages import Names, Page, by_month, group, list_key, paginate
from newsvault.site.permalink import output_path
from newsvault.site.posts import SitePost
from newsvault.site.theme import language_tag


class Plan(Protocol):
    """What these pages use of :class:`newsvault.site.plan.Plan` (which calls them)."""

    config: SiteConfig
    inputs: SiteInputs
    t: SimpleNamespace
    tz: tzinfo
    sources: Names
    evidence: Any  # site/evidence_pages.Evidence: marks in lists, counts of sources

    def item(self, post: SitePost, here: str) -> str: ...
    def _page(self, out: str, parts: tuple[Any, ...], render: Any, feed: bool = False) -> Page: ...
    def _template(self, here: str | None, name: str, **ctx: Any) -> bytes: ...


def list_pages(
    plan: Plan, posts: list[SitePost], first: str, heading: str, intro: str, feed: str | None
) -> list[Page]:
    """The pages of a list; ``intro`` (a source's article count) shows on its front
    page only: numbered pages keep their posts (see :func:`paginate`), and a count on
    each would re-render all of them whenever a post arrives."""
    pages = []
    for url, chunk, pager in paginate(posts, plan.config.per_page, first):
        title = heading if pager.number is None else f"{heading} ({pager.number})"
        shown = intro if pager.number is None else ""
        out = output_path(url)

        def render(chunk=chunk, pager=pager, title=title, shown=shown, out=out) -> bytes:
            items = Markup("".join(plan.item(p, out) for p in chunk))
            return plan._template(
                out,
                "list.html",
                heading=title,
                intro=shown,
                posts=chunk,
                items=items,
                pager_info=pager,
                feed_url=feed,
                page_title=title if first else "",
            )

        pages.append(
            plan._page(
                out,
                (
                    heading,
                    shown,
                    feed,
                    list_key(chunk),
                    plan.evidence.marks_key(chunk),
                    pager.number,
                    pager.newer_url,
                    pager.older_url,
                ),
                render,
            )
        )
    return pages


def source_pages(plan: Plan, per_site: dict[str, list[SitePost]]) -> list[Page]:
    updates = plan.inputs.last_updates
    health = plan.inputs.health
    language = language_tag(plan.config.language)
    rows = []
    pages: list[Page] = []
    for name in sorted(plan.sources.slugs, key=lambda n: (-len(per_site.get(n, [])), n)):
        items = per_site.get(name, [])
        base = f"sources/{plan.sources[name]}/"
        rows.append(
            dict(
                name=name,
                url=base,
                feed=base + "feed.xml",
                count=len(items),
                latest=items[0].date if items else None,
                updated=updates.get(name),
                **_health_row(health.get(name), plan.t, language),
                **plan.evidence.counts(items, base),
            )
        )
        pages += list_pages(plan, items, base, name, f"{len(items)}", base + "feed.xml")
    heading = plan.t.sources
    pages.append(
        plan._page(
            "sources/index.html",
            (repr(rows),),
            lambda: plan._template(
                "sources/index.html",
                "sources.html",
                heading=heading,
                sources=rows,
                page_title=heading,
            ),
        )
    )
    return pages


def health_words(h: state.FeedHealth | None, t: SimpleNamespace, language: str) -> str:
    """One source's health as the sources page says it ("" when never fetched)."""
    if h is None or h.last_attempt is None:
        return ""
    if h.failing:
        return str(t.failing.format(n=h.consecutive_failures, error=h.last_error or "?"))
    if h.silent and h.usual_gap is not None and h.last_new is not None:
        quiet = (h.last_attempt - h.last_new).total_seconds()
        return str(
            t.silent.format(
                quiet=span_words(quiet, language), usual=span_words(h.usual_gap, language)
            )
        )
    return str(t.working)


def _health_row(h: state.FeedHealth | None, t: SimpleNamespace, language: str) -> dict[str, Any]:
    """The sources page's health cells of one source."""
    flag = "failing" if h and h.failing else "silent" if h and h.silent else ""
    return dict(
        attempt=h.last_attempt if h else None, health=health_words(h, t, language), flag=flag
    )


def term_pages(
    plan: Plan,
    posts: list[SitePost],
    kind: str,
    names: Names,
    keys: Callable[[SitePost], tuple[str, ...]],
) -> list[Page]:
    groups = group(posts, keys)
    terms: list[dict[str, Any]] = [
        dict(name=n, url=f"{kind}/{names[n]}/", count=len(groups[n])) for n in sorted(groups)
    ]
    pages: list[Page] = []
    for term in terms:
        pages += list_pages(plan, groups[term["name"]], term["url"], term["name"], "", None)
    heading = getattr(plan.t, kind)
    pages.append(
        plan._page(
            f"{kind}/index.html",
            (repr(terms),),
            lambda: plan._template(
                f"{kind}/index.html",
                "terms.html",
                heading=heading,
                terms=terms,
                page_title=heading,
            ),
        )
    )
    return pages


def month_pages(plan: Plan, posts: list[SitePost]) -> list[Page]:
    months = by_month(posts, lambda when: _month(plan.tz, when))
    terms: list[dict[str, Any]] = [
        dict(name=m, url=f"archive/{m.replace('-', '/')}/", count=len(months[m]))
        for m in sorted(months, reverse=True)
    ]
    pages: list[Page] = []
    for term in terms:
        pages += list_pages(plan, months[term["name"]], term["url"], term["name"], "", None)
    heading = plan.t.archive
    pages.append(
        plan._page(
            "archive/index.html",
            (repr(terms),),
            lambda: plan._template(
                "archive/index.html",
                "terms.html",
                heading=heading,
                terms=terms,
                page_title=heading,
            ),
        )
    )
    return pages


def _month(tz: tzinfo, when: datetime) -> str:
    local = when.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"
