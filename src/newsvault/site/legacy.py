"""The public URLs of the Jekyll site an adopted archive had, kept answering (``[legacy]``).

Readers, feed readers and search engines know the old site's addresses: its feed
(``/atom.xml``, ``/feed.xml``), jekyll-paginate's ``/page2/`` …, jekyll-feed's per-tag
feeds, pages such as ``/about/``. GitHub Pages has no server-side redirects and feed
readers do not follow an HTML one, so each kind is kept the way that works for it
(docs/adopting.md):

- feeds are served at the old paths, with the same entries as newsvault's own feeds;
- ``/pageN/`` are real list pages numbered as jekyll-paginate numbers them (from the
  newest post), so a bookmark shows what it showed under Jekyll;
- the old site's own pages without Liquid are rendered at their old URLs, in this theme;
- other old pages (Liquid lists such as ``/archive.html``) redirect to newsvault's page
  for the same thing;
- files the old site published as they are (images, ``CNAME``) are published again.
"""

from __future__ import annotations

import re
from datetime import datetime, time, tzinfo
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

from markdown_it import MarkdownIt
from markupsafe import Markup

from newsvault.archive.jekyllsite import jekyll_page_url, split_front_matter
from newsvault.config import LegacyConfig, SiteConfig
from newsvault.site.files import file_page
from newsvault.site.inputs import SiteInputs
from newsvault.site.pages import Page, Pager, group, list_key
from newsvault.site.permalink import output_path
from newsvault.site.posts import SitePost

__all__ = ["legacy_pages"]

TAG_FEED_NAME = re.compile(r"^[A-Za-z0-9_]+$")  # the tags jekyll-feed makes a feed for


class Plan(Protocol):
    """What these pages use of :class:`newsvault.site.plan.Plan` (which calls them)."""

    config: SiteConfig
    inputs: SiteInputs
    t: SimpleNamespace
    tags: Any  # Names
    permalink_tz: tzinfo
    evidence: Any  # site/evidence_pages.Evidence: the marks list items show

    def url(self, path: str) -> str: ...
    def item(self, post: SitePost, here: str) -> str: ...
    def _feed(self, out: str, title: str, home: str, posts: list[SitePost]) -> Page: ...
    def _page(self, out: str, parts: tuple[Any, ...], render: Any, feed: bool = False) -> Page: ...
    def _template(self, here: str | None, name: str, **ctx: Any) -> bytes: ...


def legacy_pages(plan: Plan, posts: list[SitePost], legacy: LegacyConfig) -> list[Page]:
    pages = [plan._feed(path.lstrip("/"), plan.config.title, "", posts) for path in legacy.feeds]
    if legacy.paginate > 0:
        pages += _jekyll_pagination(plan, posts, legacy.paginate, legacy.paginate_path)
    if legacy.tag_feeds:
        folder = legacy.tag_feeds.strip("/") + "/"
        for tag, tagged in group(posts, lambda p: p.tags).items():
            if TAG_FEED_NAME.match(tag):
                pages.append(
                    plan._feed(
                        f"{folder}{tag}.xml",
                        f"{tag} · {plan.config.title}",
                        f"tags/{plan.tags[tag]}/",
                        tagged,
                    )
                )
    pages += [_old_page(plan, rel) for rel in legacy.pages]
    pages += [_redirect(plan, old, new) for old, new in legacy.redirects.items()]
    pages += [file_page(out, file) for out, file in plan.inputs.legacy_kept]
    return pages


def _jekyll_pagination(plan: Plan, posts: list[SitePost], per_page: int, path: str) -> list[Page]:
    """``/page2/`` … as jekyll-paginate made them: page N holds posts (N-1)·per_page to
    N·per_page counted from the newest; page 1 is the front page. In Jekyll's order:
    it reads a post's date to the second (``Time#to_s``), a date without a time as
    midnight in the site's zone, and breaks ties by file path."""

    def jekyll_time(post: SitePost) -> datetime:
        when = post.date.replace(microsecond=0)
        if when.time() == time(0):  # a date-only post (read as midnight UTC by the site)
            return datetime(when.year, when.month, when.day, tzinfo=plan.permalink_tz)
        return when

    ordered = sorted(posts, key=lambda p: (jekyll_time(p), p.name), reverse=True)
    chunks = [ordered[i : i + per_page] for i in range(0, len(ordered), per_page)]

    def url(n: int) -> str:  # page 1 is the front page ("index.html": a link that is never empty)
        return "index.html" if n == 1 else path.replace(":num", str(n)).lstrip("/")

    pages = []
    for n in range(2, len(chunks) + 1):
        chunk = chunks[n - 1]
        pager = Pager(n, url(n - 1), url(n + 1) if n < len(chunks) else None)
        heading = f"{plan.t.home_heading} ({n})"

        out = output_path(url(n))

        def render(chunk=chunk, pager=pager, heading=heading, out=out) -> bytes:
            items = Markup("".join(plan.item(p, out) for p in chunk))
            return plan._template(
                out,
                "list.html",
                heading=heading,
                intro="",
                posts=chunk,
                items=items,
                pager_info=pager,
                feed_url="feed.xml",
                page_title=heading,
            )

        key = ("legacy-page", list_key(chunk), plan.evidence.marks_key(chunk), n, pager.older_url)
        pages.append(plan._page(out, key, render))
    return pages


def _old_page(plan: Plan, rel: str) -> Page:
    text = plan.inputs.legacy_texts[rel]  # read by the builder (site/inputs.py)
    front, body = split_front_matter(text) or ({}, text)
    out = output_path(jekyll_page_url(rel, front))
    title = str(front.get("title") or Path(rel).stem)
    html = (
        MarkdownIt("commonmark", {"html": True}).render(body)
        if rel.endswith((".md", ".markdown"))
        else body
    )

    heading = "" if html.lstrip().startswith("<h1") else title  # the page has its own

    def render() -> bytes:
        return plan._template(
            out, "page.html", heading=heading, content=Markup(html), page_title=title
        )

    return plan._page(out, ("legacy-old-page", text), render)


def _redirect(plan: Plan, old: str, new: str) -> Page:
    target = plan.url(new.lstrip("/"))
    html = (
        '<!doctype html>\n<html><head><meta charset="utf-8">\n'
        f'<meta http-equiv="refresh" content="0; url={escape(target)}">\n'
        f'<link rel="canonical" href="{escape(target)}">\n<meta name="robots" content="noindex">\n'
        f"<title>{escape(plan.config.title)}</title></head>\n"
        f'<body><p><a href="{escape(target)}">{escape(target)}</a></p></body></html>\n'
    )
    return plan._page(output_path(old), ("legacy-redirect", target), lambda: html.encode("utf-8"))
