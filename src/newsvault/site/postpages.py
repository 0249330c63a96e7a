"""The post pages, each with what a link preview shows of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from html import unescape
from types import SimpleNamespace
from typing import Any, Protocol

from markupsafe import Markup

from newsvault.site.pages import Page
from newsvault.site.posts import SitePost

_TAGS = re.compile(r"<[^>]*>")
_FIRST_IMAGE = re.compile(r"""<img\b[^>]*?\ssrc=["']?([^"'\s>]+)""", re.I)


def share_text(html: str, limit: int = 160) -> str:
    """The article's first words, for link previews (``og:description``)."""
    text = " ".join(unescape(_TAGS.sub(" ", html[: limit * 20])).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Plan(Protocol):
    """What these pages use of :class:`newsvault.site.plan.Plan` (which calls them)."""

    t: SimpleNamespace
    base_path: str
    base_url: str
    archived: dict[str, datetime]
    evidence: Any  # site/evidence_pages.Evidence

    def article(self, post: SitePost) -> str: ...
    def local_assets(self, html: str, here: str) -> str: ...
    def _post_key(self, post: SitePost, newer: SitePost | None, older: SitePost | None) -> str: ...
    def _template(self, here: str | None, name: str, **ctx: Any) -> bytes: ...


def post_pages(plan: Plan, posts: list[SitePost]) -> Iterator[Page]:
    for i, post in enumerate(posts):
        newer = posts[i - 1] if i > 0 else None
        older = posts[i + 1] if i + 1 < len(posts) else None

        def render(post=post, newer=newer, older=older) -> bytes:
            article = plan.article(post)
            content = Markup(plan.local_assets(article, post.out))
            return plan._template(
                post.out,
                "post.html",
                post=post,
                content=content,
                newer=newer,
                older=older,
                page_title=post.title,
                archived=plan.archived.get(post.name),
                share=share(plan, post, article),
                evidence=plan.evidence.view(post, article),
            )

        yield Page(post.out, plan._post_key(post, newer, older), render, post)


def share(plan: Plan, post: SitePost, article: str) -> dict[str, str]:
    """What a link preview shows of a post (Open Graph and Twitter cards): its title,
    first words and first picture, and its address when ``base_url`` says it."""
    found = _FIRST_IMAGE.search(article)
    image = unescape(found.group(1)) if found else ""
    if image.startswith(plan.base_path + "assets/"):
        image = plan.base_url + image if plan.base_url else ""
    elif not image.startswith(("https://", "http://")):
        image = ""
    return dict(
        title=post.title or plan.t.untitled,
        description=share_text(article),
        image=image,
        url=plan.base_url + post.href if plan.base_url else "",
        date=post.date.isoformat(),
    )
