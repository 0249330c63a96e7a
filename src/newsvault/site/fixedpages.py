"""The site's feeds, its sitemap, its fixed pages (``robots.txt``, the 404 and search
pages, ``mirrors.json``) and the files it publishes as they are."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Protocol

from newsvault.config import SiteConfig
from newsvault.site import syndication as syn
from newsvault.site.files import file_page
from newsvault.site.inputs import SiteInputs
from newsvault.site.pages import Names, Page, list_key
from newsvault.site.posts import SitePost

SITEMAP_PART = 5_000  # URLs per sitemap file past that many (the protocol allows 50,000)


class Plan(Protocol):
    """What these pages use of :class:`newsvault.site.plan.Plan` (which calls them)."""

    config: SiteConfig
    inputs: SiteInputs
    t: SimpleNamespace
    sources: Names
    base_url: str
    mirrors: tuple[tuple[str, str], ...]
    notes: list[str]

    def absolute(self, path: str) -> str: ...
    def _feed(self, out: str, title: str, home: str, posts: list[SitePost]) -> Page: ...
    def _page(self, out: str, parts: tuple[Any, ...], render: Any, feed: bool = False) -> Page: ...
    def _template(self, here: str | None, name: str, **ctx: Any) -> bytes: ...


def feed_pages(
    plan: Plan, posts: list[SitePost], per_site: dict[str, list[SitePost]]
) -> list[Page]:
    pages = [plan._feed("feed.xml", plan.config.title, "", posts)]
    for name in sorted(plan.sources.slugs):
        base = f"sources/{plan.sources[name]}/"
        pages.append(
            plan._feed(
                base + "feed.xml", f"{name} · {plan.config.title}", base, per_site.get(name, [])
            )
        )
    return pages


def fixed_pages(plan: Plan, posts: list[SitePost]) -> list[Page]:
    t = plan.t
    pages = sitemap_pages(plan, posts)
    pages.append(plan._page("robots.txt", (), lambda: syn.robots_txt(plan.absolute("sitemap.xml"))))
    pages.append(
        plan._page("404.html", (), lambda: plan._template(None, "404.html", page_title=t.not_found))
    )
    pages.append(
        plan._page(
            "search/index.html",
            (),
            lambda: plan._template("search/index.html", "search.html", page_title=t.search),
        )
    )
    if plan.mirrors:  # for a reader whose mirror is blocked: where else to read
        pages.append(
            plan._page(
                "mirrors.json",
                (),
                lambda: (
                    json.dumps(
                        {
                            "title": plan.config.title,
                            "mirrors": [{"name": n, "url": u} for n, u in plan.mirrors],
                        },
                        ensure_ascii=False,
                        indent=1,
                    ).encode("utf-8")
                    + b"\n"
                ),
            )
        )
    return pages


def sitemap_pages(plan: Plan, posts: list[SitePost]) -> list[Page]:
    """``sitemap.xml``: the URLs of the site, or past :data:`SITEMAP_PART` of them an
    index of parts that hold the oldest posts first, so that new posts change only
    the last part (with the front page, dated by the newest post) and the index.
    None without ``base_url``: a sitemap lists absolute URLs, and guessed ones would
    point search engines somewhere wrong."""
    if not plan.base_url:
        plan.notes.append(
            "base_url is not set: no sitemap.xml, and the feeds carry no links to the "
            "pages; set [site] base_url to the site's public address"
        )
        return []
    oldest = posts[::-1]
    parts = [oldest[i : i + SITEMAP_PART] for i in range(0, len(oldest), SITEMAP_PART)] or [[]]
    names = (
        ["sitemap.xml"]
        if len(parts) == 1
        else [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    )

    def part(name: str, chunk: list[SitePost], last: bool) -> Page:
        def render() -> bytes:
            urls: list[tuple[str, datetime | None]] = [
                (plan.base_url + p.href, p.date) for p in chunk
            ]
            if last:
                urls.append((plan.absolute(""), posts[0].date if posts else None))
            return syn.urlset(urls)

        return plan._page(name, (list_key(chunk), last), render)  # URLs, and dates by versions

    pages = [part(name, chunk, name == names[-1]) for name, chunk in zip(names, parts, strict=True)]
    if len(parts) > 1:
        pages.append(
            plan._page(
                "sitemap.xml",
                tuple(names),
                lambda: syn.sitemap_index([plan.absolute(name) for name in names]),
            )
        )
    return pages


def static_pages(plan: Plan) -> list[Page]:
    """The theme's static files, then the vault's ``assets/`` (the links left out of it
    are listed in :attr:`notes`)."""
    pages = [file_page(rel, file) for rel, file in plan.inputs.static]
    pages += [file_page("assets/" + rel, file) for rel, file in plan.inputs.assets]
    plan.notes.extend(plan.inputs.asset_notes)
    return pages
