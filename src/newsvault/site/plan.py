"""The page plan: every file of the site as a :class:`~newsvault.site.pages.Page`.

:class:`Plan` knows the settings, the theme and the URL scheme, and keeps what several
pages share (post articles, list items, feed entries). It does no I/O: the builder reads
what it needs besides the posts into :class:`~newsvault.site.inputs.SiteInputs` first, and
a page reads its post or file only when the builder renders it. The kinds of pages are
made in their own modules: ``postpages``, ``listpages`` (lists, sources, tags, months),
``fixedpages`` (feeds, the sitemap, the fixed and static files) and ``legacy``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import asdict
from datetime import datetime
from types import SimpleNamespace
from typing import cast

from markupsafe import escape

from newsvault.config import LegacyConfig, SiteConfig
from newsvault.site import syndication as syn
from newsvault.site.content import article_html
from newsvault.site.entrystore import EntryStore
from newsvault.site.evidence_pages import Evidence
from newsvault.site.fixedpages import feed_pages, fixed_pages, static_pages
from newsvault.site.inputs import SiteInputs
from newsvault.site.legacy import legacy_pages
from newsvault.site.links import relative, up, with_index
from newsvault.site.listpages import list_pages, month_pages, source_pages, term_pages
from newsvault.site.pages import Names, Page, digest, group, list_key
from newsvault.site.permalink import href, parse_tz
from newsvault.site.postpages import post_pages
from newsvault.site.posts import SitePost, read_body
from newsvault.site.theme import language_tag, make_env
from newsvault.vault import Vault

# One entry of a post list; a vault's templates/list.html may use ``posts`` instead.
ITEM = (
    '<li><a href="{url}">{title}</a>\n    <span class="meta"><time datetime="{iso}">{day}</time>'
    ' · <a class="src" href="{site_url}">{site}</a></span>{marks}</li>\n'
)


class Plan:
    """Knows the settings, the theme and the URL scheme; turns posts into pages."""

    def __init__(
        self,
        vault: Vault,
        config: SiteConfig,
        inputs: SiteInputs,
        mirrors: tuple[tuple[str, str], ...] = (),
        legacy: LegacyConfig | None = None,
    ) -> None:
        self.vault, self.config = vault, config
        self.inputs = inputs  # what the builder read for this plan (site/inputs.py)
        self.legacy = legacy or LegacyConfig()  # an adopted site's old URLs (site/legacy.py)
        self.mirrors = mirrors  # (name, URL) of every public copy: in each footer and mirrors.json
        self.tz = parse_tz(config.timezone)
        self.permalink_tz = parse_tz(config.permalink_timezone)
        self.base_path = (
            "/" + config.base_path.strip("/") + "/" if config.base_path.strip("/") else "/"
        )
        self.base_url = config.base_url.rstrip("/")
        self.sources = Names([])
        self.tags = Names([])
        self.cats = Names([])
        self.env = make_env(
            vault.templates_dir,
            config,
            self.tz,
            self.link,
            lambda s: f"sources/{self.sources[s]}/",
            lambda t: f"tags/{self.tags[t]}/",
            self.post_link,
            inputs.jinja_cache,
        )
        self.env.globals["mirrors"] = [{"name": n, "url": u} for n, u in mirrors]
        self.base_key = digest(inputs.theme_key, asdict(config), mirrors)
        self._entries: dict[str, bytes] = {}
        self._articles: dict[str, str] = {}
        self._items: dict[tuple[str, str], str] = {}
        self.t = cast(SimpleNamespace, self.env.globals["t"])  # the theme's words (theme.strings)
        self.names_key = ""
        self._context = hashlib.sha1()
        self.store = EntryStore(None)  # the builder sets the real one
        self._in_feeds: set[str] = set()
        self.notes: list[str] = []  # what the build left out, for its report
        self.archived = inputs.archived  # post name → when it was archived
        self.evidence = Evidence(vault, self.t, self.tz, inputs.evidence)  # the record's

    # URLs -------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """The root-absolute URL of a site path (for the 404 page, feeds and the sitemap)."""
        return href(self.base_path, path)

    def link(self, here: str | None, path: str, folder: bool = False) -> str:
        """The href from the page ``here`` to ``path`` (see :mod:`newsvault.site.links`);
        root-absolute when ``here`` is None."""
        return self.url(path) if here is None else relative(here, path, folder)

    def post_path(self, post: SitePost) -> str:
        """The post's href relative to the site root (percent-encoded, ``index.html`` named)."""
        return with_index(
            post.href[len(self.base_path) :]
            if post.href.startswith(self.base_path)
            else post.href.lstrip("/")
        )

    def post_link(self, here: str | None, post: object) -> str:
        p = cast(SitePost, post)
        return p.href if here is None else up(here) + self.post_path(p)

    def local_assets(self, html: str, here: str) -> str:
        """The article's links to the vault's archived images (``<base_path>assets/``, as the
        content stage wrote them) made relative to the page."""
        prefix = self.base_path + "assets/"
        if prefix not in html:
            return html
        return re.sub(
            r'(\s(?:src|href|poster)=["\']?)' + re.escape(prefix),
            lambda m: m.group(1) + up(here) + "assets/",
            html,
        )

    def absolute(self, path: str) -> str:
        return self.base_url + self.url(path)

    # rendering helpers ------------------------------------------------------------
    def _page(self, out: str, parts: tuple, render, feed: bool = False) -> Page:
        return Page(out, digest(self.base_key, self.names_key, out, *parts), render, feed=feed)

    def _post_key(self, post: SitePost, newer: SitePost | None, older: SitePost | None) -> str:
        """A post page's key: the settings and names (hashed once per build), and the
        versions and URLs of the post and its neighbours. Most of a site's pages are post
        pages, and an hourly build makes every key, so this one is cheap."""
        h = self._context.copy()
        h.update(
            f"{newer.ident if newer else '-'}{post.ident}{older.ident if older else '-'}".encode()
        )
        archived = self.archived.get(post.name)
        if archived is not None:
            h.update(archived.isoformat().encode())
        h.update(self.evidence.token(post).encode())
        return h.hexdigest()

    def _template(self, here: str | None, name: str, **ctx) -> bytes:
        """Render ``name`` for the page at ``here`` (None: links root-absolute)."""
        return self.env.get_template(name).render(here=here, **ctx).encode("utf-8")

    def article(self, post: SitePost) -> str:
        """The post's article HTML, read from its file (kept for this build when a feed
        shows the post too)."""
        html = self._articles.get(post.name)
        if html is None:
            body = read_body(os.path.join(self.vault.root, post.name))
            html = article_html(body, post.layout, post.link, self.base_path + "assets/")
            if post.name in self._in_feeds:
                self._articles[post.name] = html
        return html

    def item(self, post: SitePost, here: str) -> str:
        """A post's ``<li>`` in the list at ``here`` (made once per build and depth: a post is
        in ~5 lists)."""
        prefix = up(here)
        key = (post.name, prefix)
        html = self._items.get(key)
        if html is None:
            local = post.date.astimezone(self.tz)
            html = ITEM.format(
                url=escape(prefix + self.post_path(post)),
                title=escape(post.title or self.t.untitled),
                iso=local.isoformat(),
                day=f"{local.year:04d}-{local.month:02d}-{local.day:02d}",
                site_url=escape(relative(here, f"sources/{self.sources[post.site]}/")),
                site=escape(post.site),
                marks=self.evidence.marks(post),
            )
            self._items[key] = html
        return html

    def _entry_key(self, post: SitePost) -> str:
        return f"{self.base_key} {post.digest} {post.url}"

    def entry(self, post: SitePost) -> bytes:
        """The post's Atom ``<entry>`` (from :attr:`store` when an earlier build made it)."""
        key = self._entry_key(post)
        xml = self._entries.get(key)
        if xml is None:
            xml = syn.entry_xml(
                syn.FeedEntry(
                    title=post.title,
                    url=self.base_url + post.href,
                    id=self.base_url + post.href if self.base_url else "urn:newsvault:" + post.href,
                    date=post.date,
                    author=post.author or post.site,
                    categories=post.categories,
                    html=self.article(post),
                )
            )
            self._entries[key] = xml
        return xml

    def entries(self, posts: list[SitePost]) -> list[bytes]:
        missing = [key for key in map(self._entry_key, posts) if key not in self._entries]
        self._entries.update(self.store.get_many(missing))
        return [self.entry(p) for p in posts]

    def in_feeds(self, post: SitePost) -> bool:
        return post.name in self._in_feeds

    def add_entry(self, post: SitePost, xml: bytes) -> None:
        """An entry a worker process made (from :meth:`entry`)."""
        self._entries[self._entry_key(post)] = xml

    def save_entries(self, posts: list[SitePost]) -> None:
        """Keep the entries of the posts now in feeds, and only those."""
        by_key = {self._entry_key(p): p for p in posts if p.name in self._in_feeds}
        self.store.keep_only(
            {k: self._entries.get(k) for k in by_key}, lambda k: self.entry(by_key[k])
        )

    def _feed(self, out: str, title: str, home: str, posts: list[SitePost]) -> Page:
        latest = posts[: self.config.feed_entries]
        shown = list_key(latest)  # an entry shows its post's file at its URL

        def render() -> list[bytes]:
            updated = max((p.date for p in latest), default=None)
            return self.atom(out, home, title, self.entries(latest), updated)

        return self._page(out, (title, home, shown), render, feed=True)

    def atom(
        self, out: str, home: str, title: str, entries: list[bytes], updated: datetime | None
    ) -> list[bytes]:
        """The Atom document at ``out`` for the page ``home``: what every feed of the site
        shares (its addresses, its id, the site's language) around ready ``entries``."""
        return syn.atom_feed(
            title=title,
            feed_url=self.absolute(out),
            home_url=self.absolute(home),
            feed_id=self.absolute(out) if self.base_url else "urn:newsvault:" + self.url(out),
            language=language_tag(self.config.language),
            entries=entries,
            updated_at=updated,
        )

    # the plan ---------------------------------------------------------------------
    def pages(self, posts: list[SitePost]) -> list[Page]:
        self.notes = []
        self.sources = Names([p.site for p in posts] + list(self.inputs.subscribed))
        self.tags = Names([t for p in posts for t in p.tags])
        self.cats = Names([c for p in posts for c in p.categories])
        # slugs of sources/tags show on most pages; a new name can move another's slug
        self.names_key = digest(self.sources.slugs, self.tags.slugs, self.cats.slugs)
        self._context = hashlib.sha1(f"{self.base_key}{self.names_key}".encode())
        per_site = group(posts, lambda p: (p.site,))
        n = self.config.feed_entries
        self._in_feeds = {p.name for p in posts[:n]}
        self._in_feeds |= {p.name for items in per_site.values() for p in items[:n]}
        out = list(post_pages(self, posts))
        out += list_pages(self, posts, "", self.t.home_heading, "", "feed.xml")
        out += source_pages(self, per_site)
        out += term_pages(self, posts, "tags", self.tags, lambda p: p.tags)
        out += term_pages(self, posts, "categories", self.cats, lambda p: p.categories)
        out += month_pages(self, posts)
        out += self.evidence.pages(self, posts, per_site)
        out += feed_pages(self, posts, per_site)
        out += fixed_pages(self, posts)
        taken = {page.out for page in out}  # an old URL newsvault serves itself keeps its page
        out += [page for page in legacy_pages(self, posts, self.legacy) if page.out not in taken]
        out += static_pages(self)
        return out
