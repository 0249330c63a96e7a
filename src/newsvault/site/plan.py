"""The page plan: every file of the site as a :class:`~newsvault.site.pages.Page`."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from newsvault.config import SiteConfig
from newsvault.errors import NewsvaultError
from newsvault.site import syndication as syn
from newsvault.site.content import article_html
from newsvault.site.pages import Names, Page, by_month, digest, group, list_key, paginate
from newsvault.site.permalink import href, output_path, parse_tz
from newsvault.site.posts import Reader, SitePost, post_key
from newsvault.site.theme import STATIC, make_env, theme_digest
from newsvault.vault import Vault


def last_updates(vault: Vault) -> dict[str, datetime]:
    """Last successful fetch per site from the fetch stage; unknown ({}) without fetch state."""
    try:
        from newsvault.pipeline import last_success_by_site
    except ImportError:
        return {}
    try:
        return dict(last_success_by_site(vault))
    except NewsvaultError:
        return {}


def subscribed_sites(vault: Vault) -> list[str]:
    try:
        subs = json.loads(vault.subs_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [s["site"] for s in subs if isinstance(s, dict) and isinstance(s.get("site"), str)]


class Plan:
    """Knows the settings, the theme and the URL scheme; turns posts into pages."""

    def __init__(self, vault: Vault, config: SiteConfig, reader: Reader) -> None:
        self.vault, self.config, self.reader = vault, config, reader
        self.tz = parse_tz(config.timezone)
        self.permalink_tz = parse_tz(config.permalink_timezone)
        self.base_path = "/" + config.base_path.strip("/") + "/" if config.base_path.strip("/") else "/"
        self.base_url = config.base_url.rstrip("/")
        self.sources = Names([])
        self.tags = Names([])
        self.cats = Names([])
        self.env = make_env(vault.templates_dir, config, self.tz, self.url,
                            lambda s: self.url(f"sources/{self.sources[s]}/"),
                            lambda t: self.url(f"tags/{self.tags[t]}/"))
        self.base_key = digest(theme_digest(vault.templates_dir), asdict(config))
        self._html: dict[str, str] = {}
        self._in_feeds: set[str] = set()
        self._loaded: set[str] = set()

    # URLs -------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return href(self.base_path, path)

    def absolute(self, path: str) -> str:
        return self.base_url + self.url(path)

    # rendering helpers ------------------------------------------------------------
    def _page(self, out: str, parts: tuple, render) -> Page:
        return Page(out, digest(self.base_key, out, parts), render)

    def _template(self, name: str, **ctx) -> bytes:
        return self.env.get_template(name).render(**ctx).encode("utf-8")

    def article(self, post: SitePost) -> str:
        """The post's article HTML; that of posts shown in feeds is kept (and saved between
        builds, see :meth:`load_articles`) because every feed change needs 100 of them."""
        key = post.digest
        html = self._html.get(key)
        if html is None:
            parsed = self.reader(self.vault.posts_dir / post.name)
            html = article_html(parsed.body, parsed.layout, post.link, self.base_path + "assets/")
            if post.name in self._in_feeds:
                self._html[key] = html
        return html

    def load_articles(self, file: Path) -> None:
        try:
            base_key, html = pickle.loads(file.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return
        if base_key == self.base_key and isinstance(html, dict):
            self._html = html
            self._loaded = set(html)

    def save_articles(self, file: Path, posts: list[SitePost]) -> None:
        keep = {p.digest for p in posts if p.name in self._in_feeds}
        html = {k: v for k, v in self._html.items() if k in keep}
        if html.keys() == self._loaded and file.exists():
            return
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps((self.base_key, html), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, file)

    # the plan ---------------------------------------------------------------------
    def pages(self, posts: list[SitePost]) -> list[Page]:
        self.sources = Names([p.site for p in posts] + subscribed_sites(self.vault))
        self.tags = Names([t for p in posts for t in p.tags])
        self.cats = Names([c for p in posts for c in p.categories])
        n = self.config.feed_entries
        self._in_feeds = {p.name for p in posts[:n]}
        self._in_feeds |= {p.name for items in group(posts, lambda p: (p.site,)).values() for p in items[:n]}
        out = list(self.post_pages(posts))
        out += self.list_pages(posts, "", self.env.globals["t"]["home_heading"], "", "feed.xml")
        out += self.source_pages(posts)
        out += self.term_pages(posts, "tags", self.tags, lambda p: p.tags)
        out += self.term_pages(posts, "categories", self.cats, lambda p: p.categories)
        out += self.month_pages(posts)
        out += self.feed_pages(posts)
        out += self.fixed_pages(posts)
        out += self.static_pages()
        return out

    def post_pages(self, posts: list[SitePost]):
        for i, post in enumerate(posts):
            newer = posts[i - 1] if i > 0 else None
            older = posts[i + 1] if i + 1 < len(posts) else None
            parts = (post_key(post), newer and (newer.url, newer.title), older and (older.url, older.title))

            def render(post=post, newer=newer, older=older) -> bytes:
                content = Markup(self.article(post))
                return self._template("post.html", post=post, content=content, newer=newer,
                                      older=older, page_title=post.title)

            yield self._page(post.out, parts, render)

    def list_pages(self, posts: list[SitePost], first: str, heading: str, intro: str,
                   feed: str | None) -> list[Page]:
        pages = []
        for url, chunk, pager in paginate(posts, self.config.per_page, first):
            title = heading if pager.number == 1 else f"{heading} ({pager.number})"

            def render(chunk=chunk, pager=pager, title=title) -> bytes:
                return self._template("list.html", heading=title, intro=intro, posts=chunk,
                                      pager_info=pager, feed_url=feed, page_title=title if first else "")

            pages.append(self._page(output_path(url), (heading, intro, feed, list_key(chunk),
                                                       asdict(pager)), render))
        return pages

    def source_pages(self, posts: list[SitePost]) -> list[Page]:
        per_site = group(posts, lambda p: (p.site,))
        updates = last_updates(self.vault)
        rows = []
        pages: list[Page] = []
        for name in sorted(self.sources.slugs, key=lambda n: (-len(per_site.get(n, [])), n)):
            items = per_site.get(name, [])
            base = f"sources/{self.sources[name]}/"
            rows.append(dict(name=name, url=base, feed=base + "feed.xml", count=len(items),
                             latest=items[0].date if items else None, updated=updates.get(name)))
            pages += self.list_pages(items, base, name, f"{len(items)}", base + "feed.xml")
        t = self.env.globals["t"]
        pages.append(self._page("sources/index.html", (repr(rows),), lambda: self._template(
            "sources.html", heading=t["sources"], sources=rows, page_title=t["sources"])))
        return pages

    def term_pages(self, posts: list[SitePost], kind: str, names: Names, keys) -> list[Page]:
        groups = group(posts, keys)
        terms = [dict(name=n, url=f"{kind}/{names[n]}/", count=len(groups[n])) for n in sorted(groups)]
        pages: list[Page] = []
        for term in terms:
            pages += self.list_pages(groups[term["name"]], term["url"], term["name"], "", None)
        heading = self.env.globals["t"][kind]
        pages.append(self._page(f"{kind}/index.html", (repr(terms),), lambda: self._template(
            "terms.html", heading=heading, terms=terms, page_title=heading)))
        return pages

    def month_pages(self, posts: list[SitePost]) -> list[Page]:
        months = by_month(posts, lambda d: d.astimezone(self.tz).strftime("%Y-%m"))
        terms = [dict(name=m, url=f"archive/{m.replace('-', '/')}/", count=len(months[m]))
                 for m in sorted(months, reverse=True)]
        pages: list[Page] = []
        for term in terms:
            pages += self.list_pages(months[term["name"]], term["url"], term["name"], "", None)
        heading = self.env.globals["t"]["archive"]
        pages.append(self._page("archive/index.html", (repr(terms),), lambda: self._template(
            "terms.html", heading=heading, terms=terms, page_title=heading)))
        return pages

    def _entries(self, posts: list[SitePost]) -> list[syn.FeedEntry]:
        return [syn.FeedEntry(title=p.title, url=self.absolute(p.url), id=self.absolute(p.url)
                              if self.base_url else "urn:newsvault:" + self.url(p.url),
                              date=p.date, author=p.author, categories=p.categories,
                              html=self.article(p)) for p in posts]

    def _feed(self, out: str, title: str, home: str, posts: list[SitePost]) -> Page:
        latest = posts[: self.config.feed_entries]
        parts = tuple(post_key(p) for p in latest)

        def render() -> bytes:
            feed_id = self.absolute(out) if self.base_url else "urn:newsvault:" + self.url(out)
            return syn.atom_feed(title=title, feed_url=self.absolute(out), home_url=self.absolute(home),
                                 feed_id=feed_id, language=self.config.language,
                                 entries=self._entries(latest))

        return self._page(out, (title, home, parts), render)

    def feed_pages(self, posts: list[SitePost]) -> list[Page]:
        pages = [self._feed("feed.xml", self.config.title, "", posts)]
        per_site = group(posts, lambda p: (p.site,))
        for name in sorted(self.sources.slugs):
            base = f"sources/{self.sources[name]}/"
            pages.append(self._feed(base + "feed.xml", f"{name} · {self.config.title}", base,
                                    per_site.get(name, [])))
        return pages

    def fixed_pages(self, posts: list[SitePost]) -> list[Page]:
        t = self.env.globals["t"]
        urls = [(self.absolute(""), posts[0].date if posts else None)]
        urls += [(self.absolute(p.url), p.date) for p in posts]
        maps = syn.sitemaps(urls, self.absolute(""))
        pages = [self._page(name, (hashlib.sha1(data).hexdigest(),), lambda data=data: data)
                 for name, data in maps.items()]
        pages.append(self._page("robots.txt", (), lambda: syn.robots_txt(self.absolute("sitemap.xml"))))
        pages.append(self._page("404.html", (), lambda: self._template("404.html", page_title=t["not_found"])))
        pages.append(self._page("search/index.html", (), lambda: self._template(
            "search.html", page_title=t["search"])))
        return pages

    def static_pages(self) -> list[Page]:
        pages = []
        for path in sorted(STATIC.rglob("*")):
            if path.is_file():
                rel = "theme/" + path.relative_to(STATIC).as_posix()
                pages.append(self._file_page(rel, path))
        assets = self.vault.assets_dir
        if assets.is_dir():
            for path in sorted(assets.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    pages.append(self._file_page("assets/" + path.relative_to(assets).as_posix(), path))
        return pages

    def _file_page(self, rel: str, path: Path) -> Page:
        st = path.stat()
        return Page(rel, digest("file", str(path), st.st_size, st.st_mtime_ns), path.read_bytes)
