"""The page plan: every file of the site as a :class:`~newsvault.site.pages.Page`."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import sqlite3
from dataclasses import asdict
from datetime import datetime
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from markupsafe import Markup, escape

from newsvault.archive import provenance
from newsvault.archive.index import read_only
from newsvault.config import LegacyConfig, SiteConfig
from newsvault.errors import NewsvaultError
from newsvault.fetch import state
from newsvault.fetch.health import span_words
from newsvault.fsutil import write_atomic
from newsvault.site import syndication as syn
from newsvault.site.content import article_html
from newsvault.site.entrystore import EntryStore
from newsvault.site.evidence_pages import Evidence, read_evidence
from newsvault.site.legacy import legacy_pages
from newsvault.site.links import relative, up, with_index
from newsvault.site.pages import Names, Page, by_month, digest, group, list_key, paginate
from newsvault.site.permalink import href, output_path, parse_tz
from newsvault.site.posts import SitePost, read_body
from newsvault.site.theme import STATIC, language_tag, make_env, theme_digest
from newsvault.subscriptions import read_subs_file
from newsvault.vault import Vault


def last_updates(vault: Vault) -> dict[str, datetime]:
    """Last successful fetch per site from the fetch stage; unknown ({}) without fetch state."""
    try:
        with read_only(vault) as db:
            return state.last_success_by_site(db) if db is not None and state.has_state(db) else {}
    except (NewsvaultError, sqlite3.Error):
        return {}


def archived_times(vault: Vault) -> dict[str, datetime]:
    """When each post was archived (its first line in ``_provenance/``). Reconstructed lines
    say only the post's own date, not when anyone saw it: left out. Each month file's
    times are kept in ``.newsvault/site/archived.pickle`` by its size and mtime: an hourly
    build reads only the month that grew."""
    cache_file = vault.state_dir / "site" / "archived.pickle"
    try:
        cached = pickle.loads(cache_file.read_bytes())
        if not isinstance(cached, dict):
            cached = {}
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        cached = {}
    fresh: dict[str, tuple[int, int, dict[str, datetime]]] = {}
    seen: dict[str, datetime] = {}
    for path in provenance.month_files(vault.root / provenance.FOLDER):
        st = path.stat()
        hit = cached.get(path.name)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            times = hit[2]
        else:
            times = {}
            for record in provenance.read_file(path):
                if not record.reconstructed and (
                    record.post not in times or record.seen < times[record.post]
                ):
                    times[record.post] = record.seen
        fresh[path.name] = (st.st_size, st.st_mtime_ns, times)
        for post, when in times.items():
            if post not in seen or when < seen[post]:
                seen[post] = when
    if fresh != cached:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_file, pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL))
    return seen


_TAGS = re.compile(r"<[^>]*>")
_FIRST_IMAGE = re.compile(r"""<img\b[^>]*?\ssrc=["']?([^"'\s>]+)""", re.I)


def share_text(html: str, limit: int = 160) -> str:
    """The article's first words, for link previews (``og:description``)."""
    text = " ".join(unescape(_TAGS.sub(" ", html[: limit * 20])).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def subscribed_sites(vault: Vault) -> list[str]:
    """The sites of the enabled subscriptions (``subscriptions.py`` reads and checks
    subs.json: a broken one is the user's to fix, and ``build`` says so)."""
    return [site for site, _ in subscribed_feeds(vault)]


def subscribed_feeds(vault: Vault) -> list[tuple[str, str]]:
    """(site, url) of the enabled subscriptions."""
    return [(s.site, s.url) for s in read_subs_file(vault.subs_file).subscriptions if s.enabled]


def source_health(vault: Vault) -> dict[str, state.FeedHealth]:
    """Each subscribed site's feed health (fetch/health.py); {} without fetch state."""
    try:
        feeds = subscribed_feeds(vault)
        with read_only(vault) as db:
            return state.health_by_site(db, feeds) if db is not None and state.has_state(db) else {}
    except (NewsvaultError, sqlite3.Error):
        return {}


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


def _read_file(path: Path) -> bytes:
    """A file's bytes, refusing a symbolic link put there since it was listed."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


SITEMAP_PART = 5_000  # URLs per sitemap file past that many (the protocol allows 50,000)

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
        mirrors: tuple[tuple[str, str], ...] = (),
        legacy: LegacyConfig | None = None,
    ) -> None:
        self.vault, self.config = vault, config
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
            vault.state_dir / "site" / "jinja",
        )
        self.env.globals["mirrors"] = [{"name": n, "url": u} for n, u in mirrors]
        self.base_key = digest(theme_digest(vault.templates_dir), asdict(config), mirrors)
        self._entries: dict[str, bytes] = {}
        self._articles: dict[str, str] = {}
        self._items: dict[tuple[str, str], str] = {}
        self.t = cast(SimpleNamespace, self.env.globals["t"])  # the theme's words (theme.strings)
        self.names_key = ""
        self._context = hashlib.sha1()
        self.store = EntryStore(None)  # the builder sets the real one
        self._in_feeds: set[str] = set()
        self.notes: list[str] = []  # what the build left out, for its report
        self.archived: dict[str, datetime] = {}  # post name → when it was archived
        self.evidence = Evidence(vault, self.t, self.tz, {})  # the record's, set by pages()

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

    def share(self, post: SitePost, article: str) -> dict[str, str]:
        """What a link preview shows of a post (Open Graph and Twitter cards): its title,
        first words and first picture, and its address when ``base_url`` says it."""
        found = _FIRST_IMAGE.search(article)
        image = unescape(found.group(1)) if found else ""
        if image.startswith(self.base_path + "assets/"):
            image = self.base_url + image if self.base_url else ""
        elif not image.startswith(("https://", "http://")):
            image = ""
        return dict(
            title=post.title or self.t.untitled,
            description=share_text(article),
            image=image,
            url=self.base_url + post.href if self.base_url else "",
            date=post.date.isoformat(),
        )

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

    # the plan ---------------------------------------------------------------------
    def pages(self, posts: list[SitePost]) -> list[Page]:
        self.notes = []
        self.archived = archived_times(self.vault)
        self.evidence = Evidence(self.vault, self.t, self.tz, read_evidence(self.vault))
        self.sources = Names([p.site for p in posts] + subscribed_sites(self.vault))
        self.tags = Names([t for p in posts for t in p.tags])
        self.cats = Names([c for p in posts for c in p.categories])
        # slugs of sources/tags show on most pages; a new name can move another's slug
        self.names_key = digest(self.sources.slugs, self.tags.slugs, self.cats.slugs)
        self._context = hashlib.sha1(f"{self.base_key}{self.names_key}".encode())
        per_site = group(posts, lambda p: (p.site,))
        n = self.config.feed_entries
        self._in_feeds = {p.name for p in posts[:n]}
        self._in_feeds |= {p.name for items in per_site.values() for p in items[:n]}
        out = list(self.post_pages(posts))
        out += self.list_pages(posts, "", self.t.home_heading, "", "feed.xml")
        out += self.source_pages(per_site)
        out += self.term_pages(posts, "tags", self.tags, lambda p: p.tags)
        out += self.term_pages(posts, "categories", self.cats, lambda p: p.categories)
        out += self.month_pages(posts)
        out += self.evidence.pages(self, posts, per_site)
        out += self.feed_pages(posts, per_site)
        out += self.fixed_pages(posts)
        taken = {page.out for page in out}  # an old URL newsvault serves itself keeps its page
        out += [page for page in legacy_pages(self, posts, self.legacy) if page.out not in taken]
        out += self.static_pages()
        return out

    def post_pages(self, posts: list[SitePost]):
        for i, post in enumerate(posts):
            newer = posts[i - 1] if i > 0 else None
            older = posts[i + 1] if i + 1 < len(posts) else None

            def render(post=post, newer=newer, older=older) -> bytes:
                article = self.article(post)
                content = Markup(self.local_assets(article, post.out))
                return self._template(
                    post.out,
                    "post.html",
                    post=post,
                    content=content,
                    newer=newer,
                    older=older,
                    page_title=post.title,
                    archived=self.archived.get(post.name),
                    share=self.share(post, article),
                    evidence=self.evidence.view(post, article),
                )

            yield Page(post.out, self._post_key(post, newer, older), render, post)

    def list_pages(
        self, posts: list[SitePost], first: str, heading: str, intro: str, feed: str | None
    ) -> list[Page]:
        """The pages of a list; ``intro`` (a source's article count) shows on its front
        page only: numbered pages keep their posts (see :func:`paginate`), and a count on
        each would re-render all of them whenever a post arrives."""
        pages = []
        for url, chunk, pager in paginate(posts, self.config.per_page, first):
            title = heading if pager.number is None else f"{heading} ({pager.number})"
            shown = intro if pager.number is None else ""
            out = output_path(url)

            def render(chunk=chunk, pager=pager, title=title, shown=shown, out=out) -> bytes:
                items = Markup("".join(self.item(p, out) for p in chunk))
                return self._template(
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
                self._page(
                    out,
                    (
                        heading,
                        shown,
                        feed,
                        list_key(chunk),
                        self.evidence.marks_key(chunk),
                        pager.number,
                        pager.newer_url,
                        pager.older_url,
                    ),
                    render,
                )
            )
        return pages

    def source_pages(self, per_site: dict[str, list[SitePost]]) -> list[Page]:
        updates = last_updates(self.vault)
        health = source_health(self.vault)
        language = language_tag(self.config.language)
        rows = []
        pages: list[Page] = []
        for name in sorted(self.sources.slugs, key=lambda n: (-len(per_site.get(n, [])), n)):
            items = per_site.get(name, [])
            base = f"sources/{self.sources[name]}/"
            rows.append(
                dict(
                    name=name,
                    url=base,
                    feed=base + "feed.xml",
                    count=len(items),
                    latest=items[0].date if items else None,
                    updated=updates.get(name),
                    **_health_row(health.get(name), self.t, language),
                    **self.evidence.counts(items, base),
                )
            )
            pages += self.list_pages(items, base, name, f"{len(items)}", base + "feed.xml")
        heading = self.t.sources
        pages.append(
            self._page(
                "sources/index.html",
                (repr(rows),),
                lambda: self._template(
                    "sources/index.html",
                    "sources.html",
                    heading=heading,
                    sources=rows,
                    page_title=heading,
                ),
            )
        )
        return pages

    def term_pages(self, posts: list[SitePost], kind: str, names: Names, keys) -> list[Page]:
        groups = group(posts, keys)
        terms: list[dict[str, Any]] = [
            dict(name=n, url=f"{kind}/{names[n]}/", count=len(groups[n])) for n in sorted(groups)
        ]
        pages: list[Page] = []
        for term in terms:
            pages += self.list_pages(groups[term["name"]], term["url"], term["name"], "", None)
        heading = getattr(self.t, kind)
        pages.append(
            self._page(
                f"{kind}/index.html",
                (repr(terms),),
                lambda: self._template(
                    f"{kind}/index.html",
                    "terms.html",
                    heading=heading,
                    terms=terms,
                    page_title=heading,
                ),
            )
        )
        return pages

    def _month(self, when: datetime) -> str:
        local = when.astimezone(self.tz)
        return f"{local.year:04d}-{local.month:02d}"

    def month_pages(self, posts: list[SitePost]) -> list[Page]:
        months = by_month(posts, self._month)
        terms: list[dict[str, Any]] = [
            dict(name=m, url=f"archive/{m.replace('-', '/')}/", count=len(months[m]))
            for m in sorted(months, reverse=True)
        ]
        pages: list[Page] = []
        for term in terms:
            pages += self.list_pages(months[term["name"]], term["url"], term["name"], "", None)
        heading = self.t.archive
        pages.append(
            self._page(
                "archive/index.html",
                (repr(terms),),
                lambda: self._template(
                    "archive/index.html",
                    "terms.html",
                    heading=heading,
                    terms=terms,
                    page_title=heading,
                ),
            )
        )
        return pages

    def _feed(self, out: str, title: str, home: str, posts: list[SitePost]) -> Page:
        latest = posts[: self.config.feed_entries]
        shown = list_key(latest)  # an entry shows its post's file at its URL

        def render() -> list[bytes]:
            feed_id = self.absolute(out) if self.base_url else "urn:newsvault:" + self.url(out)
            return syn.atom_feed(
                title=title,
                feed_url=self.absolute(out),
                home_url=self.absolute(home),
                feed_id=feed_id,
                language=language_tag(self.config.language),
                entries=self.entries(latest),
                updated_at=max((p.date for p in latest), default=None),
            )

        return self._page(out, (title, home, shown), render, feed=True)

    def feed_pages(self, posts: list[SitePost], per_site: dict[str, list[SitePost]]) -> list[Page]:
        pages = [self._feed("feed.xml", self.config.title, "", posts)]
        for name in sorted(self.sources.slugs):
            base = f"sources/{self.sources[name]}/"
            pages.append(
                self._feed(
                    base + "feed.xml", f"{name} · {self.config.title}", base, per_site.get(name, [])
                )
            )
        return pages

    def fixed_pages(self, posts: list[SitePost]) -> list[Page]:
        t = self.t
        pages = self.sitemap_pages(posts)
        pages.append(
            self._page("robots.txt", (), lambda: syn.robots_txt(self.absolute("sitemap.xml")))
        )
        pages.append(
            self._page(
                "404.html", (), lambda: self._template(None, "404.html", page_title=t.not_found)
            )
        )
        pages.append(
            self._page(
                "search/index.html",
                (),
                lambda: self._template("search/index.html", "search.html", page_title=t.search),
            )
        )
        if self.mirrors:  # for a reader whose mirror is blocked: where else to read
            pages.append(
                self._page(
                    "mirrors.json",
                    (),
                    lambda: (
                        json.dumps(
                            {
                                "title": self.config.title,
                                "mirrors": [{"name": n, "url": u} for n, u in self.mirrors],
                            },
                            ensure_ascii=False,
                            indent=1,
                        ).encode("utf-8")
                        + b"\n"
                    ),
                )
            )
        return pages

    def sitemap_pages(self, posts: list[SitePost]) -> list[Page]:
        """``sitemap.xml``: the URLs of the site, or past :data:`SITEMAP_PART` of them an
        index of parts that hold the oldest posts first, so that new posts change only
        the last part (with the front page, dated by the newest post) and the index.
        None without ``base_url``: a sitemap lists absolute URLs, and guessed ones would
        point search engines somewhere wrong."""
        if not self.base_url:
            self.notes.append(
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
                    (self.base_url + p.href, p.date) for p in chunk
                ]
                if last:
                    urls.append((self.absolute(""), posts[0].date if posts else None))
                return syn.urlset(urls)

            return self._page(name, (list_key(chunk), last), render)  # URLs, and dates by versions

        pages = [
            part(name, chunk, name == names[-1]) for name, chunk in zip(names, parts, strict=True)
        ]
        if len(parts) > 1:
            pages.append(
                self._page(
                    "sitemap.xml",
                    tuple(names),
                    lambda: syn.sitemap_index([self.absolute(name) for name in names]),
                )
            )
        return pages

    def static_pages(self) -> list[Page]:
        pages = []
        for path in sorted(STATIC.rglob("*")):
            if path.is_file():
                rel = "theme/" + path.relative_to(STATIC).as_posix()
                pages.append(self._file_page(rel, path))
        for rel, path in self.asset_files():
            pages.append(self._file_page("assets/" + rel, path))
        return pages

    def asset_files(self) -> list[tuple[str, Path]]:
        """The vault's ``assets/`` files, hidden ones and symbolic links left out: a link
        committed into the archive (``evil.png -> /etc/passwd``) must not publish what it
        points at. Skipped links are listed in :attr:`notes`."""
        assets = self.vault.assets_dir
        found: list[tuple[str, Path]] = []
        if assets.is_symlink():
            self.notes.append("assets/ is a symbolic link: not published")
            return found
        for folder, dirs, files in os.walk(assets):  # never follows links to folders
            base = Path(folder)
            for name in sorted(dirs):
                if (base / name).is_symlink():
                    self.notes.append(
                        f"skipped the symbolic link {(base / name).relative_to(self.vault.root)}"
                    )
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and not (base / d).is_symlink()
            )
            for name in sorted(files):
                path = base / name
                if name.startswith("."):
                    continue
                if path.is_symlink():
                    self.notes.append(
                        f"skipped the symbolic link {path.relative_to(self.vault.root)}"
                    )
                elif path.is_file():
                    found.append((path.relative_to(assets).as_posix(), path))
        return sorted(found)

    def _file_page(self, rel: str, path: Path) -> Page:
        st = path.stat()
        return Page(
            rel, digest("file", str(path), st.st_size, st.st_mtime_ns), lambda: _read_file(path)
        )
