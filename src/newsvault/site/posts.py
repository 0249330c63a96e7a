"""The archive as the site sees it: one small record per post, cached between builds.

Reading and parsing thousands of posts is most of a build's cost, so the record of each
post file is kept in ``.newsvault/site/posts.pickle`` keyed by its size and mtime; a
rebuild parses only new or changed files. The scan reads only the head of each file (the
front matter and the first body line: a few hundred bytes of files that average 28 KB),
and the records hold no body text (50,000 bodies would not fit comfortably in memory);
pages that need a body read it then.
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable, Iterable
from datetime import date, datetime, timezone, tzinfo
from datetime import date as Date  # _Meta's field `date` hides the type inside the class
from pathlib import Path
from typing import NamedTuple

from newsvault.archive.frontmatter import split_front_matter
from newsvault.archive.posts import parse_bytes
from newsvault.fsutil import write_atomic
from newsvault.models import Post
from newsvault.site.content import xml_legal
from newsvault.site.permalink import filename_slug, href, local_date, output_path, permalink
from newsvault.urls import is_absolute_http

CACHE_VERSION = 10  # 8: names are paths from the vault root; 9: only web links are kept; 10: links relative to each page
HEAD = 8192  # bytes read first; the whole file only when its front matter is longer
SCAN_MIN_JOBS = 2000  # a head takes ~30 µs: worker processes pay off from a few thousand files


class SitePost(NamedTuple):
    """What list pages, feeds and neighbours need to know about a post. (The records of
    this module are named tuples: a build makes one per post, and pickles or unpickles
    one per post, where a tuple costs about half of a frozen dataclass.)"""

    name: str  # path from the vault root (``_posts/[2021/]NAME``)
    url: str  # unescaped permalink path, e.g. "/2021-01-27/Title/"
    title: str
    date: datetime  # aware UTC
    site: str
    author: str
    link: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    digest: str  # the file's size and mtime: a changed post file is a new version
    ident: str  # this version of the post at its URL: see :func:`ident`
    href: str  # the URL percent-encoded under the site's base path, as links show it
    layout: str = "link"  # the archive reader's body layout: "link", "html" (or "none")

    @property
    def out(self) -> str:
        return output_path(self.url)


def ident(digest: str, url: str) -> str:
    """One token for everything a page can show of a post: its file version (whose title,
    date, source… the page shows) and its URL. Self-delimiting (the digest has no colon,
    the URL's length is given), so tokens joined end to end are unambiguous: page keys
    are made of them without separators or hashing each one."""
    return f"{digest}:{len(url)}:{url}"


class _Meta(NamedTuple):
    """A parsed post without its URL (the URL depends on settings, the record does not)."""

    name: str
    title: str
    date: datetime
    url_date: datetime | Date  # the front-matter date as Jekyll reads it (dates stay dates)
    site: str
    author: str
    link: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    slug: str
    digest: str
    usable: bool = True  # False for files Jekyll would not take as posts (no front matter)
    layout: str = "link"


def read_body(path: str | Path) -> str:
    """The body of a post already scanned (its values are in the record), XML-legal: the
    archive stage's front-matter split, without parsing and checking the front matter."""
    with open(path, "rb") as fh:
        data = fh.read()
    text = data.decode("utf-8", errors="replace")
    split = split_front_matter(text)
    return xml_legal(split[1] if split else text, data)


def read_head(path: str | Path) -> tuple[Post, int, int]:
    """The post parsed from the head of its file, with the file's size and mtime: front
    matter plus at least one whole body line (the body's first line decides its layout);
    the whole file when the head does not hold that much. The archive stage's parser,
    without the report-only checks (``newsvault check`` shows those)."""
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read(HEAD)
        if len(data) < st.st_size:
            head = data[: data.rfind(b"\n") + 1]  # whole lines: no UTF-8 sequence cut
            post = parse_bytes(head, Path(path), diagnose=False)
            if post.layout != "none" and "\n" in post.body:
                return post, st.st_size, st.st_mtime_ns
            data += fh.read()
    return parse_bytes(data, Path(path), diagnose=False), st.st_size, st.st_mtime_ns


def web_link(link: str) -> str:
    """The post's link when it is a web address (http/https), else "": a ``from:`` of
    ``javascript:``, ``data:`` or ``file:`` (an old or hand-made post) is never shown as
    the link to the original."""
    return link if link and is_absolute_http(link.strip()) else ""


def _meta(name: str, size: int, mtime_ns: int, post: Post) -> _Meta:
    art = post.article
    raw_date = post.front_matter.get("date")
    url_date: datetime | date = art.date
    if isinstance(raw_date, date) and not isinstance(raw_date, datetime):
        url_date = raw_date
    slug = post.front_matter.get("slug")
    date_utc = art.date if art.date.tzinfo else art.date.replace(tzinfo=timezone.utc)
    return _Meta(
        name=name,
        title=art.title,
        date=date_utc.astimezone(timezone.utc),
        url_date=url_date,
        site=art.site or (art.tags[0] if art.tags else ""),
        author=art.author,
        link=web_link(art.link),
        tags=tuple(str(t) for t in art.tags),
        categories=tuple(str(c) for c in art.categories),
        slug=str(slug)
        if isinstance(slug, str) and slug
        else filename_slug(name.rpartition("/")[2]),
        digest=f"{size}.{mtime_ns}",
        usable=post.layout != "none",
        layout=post.layout,
    )


def _scan_chunk(_state: None, chunk: Iterable[tuple[str, str]]) -> list[tuple[int, int, _Meta]]:
    """Parse the heads of some files (in a worker process when there are many)."""
    out = []
    for name, path in chunk:
        post, size, mtime = read_head(path)
        out.append((size, mtime, _meta(name, size, mtime, post)))
    return out


# what unpickling a damaged or foreign file can raise
_UNREADABLE = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    KeyError,
    ImportError,
)


class PostCache:
    """``name → (size, mtime_ns, _Meta)``, and the permalinks last made from them (a cache:
    safe to delete).

    The file is a pickled snapshot followed by what later builds changed, one pickle per
    build appended: an hourly build adds a few posts, and rewriting 50,000 records to say
    so took 0.2 s. The snapshot is rewritten once the changes add up to an eighth of it. A
    torn last record (a crash while appending) is ignored, and the next save rewrites the
    file: the posts it described no longer match their cached size and mtime, so they are
    read again. Records are stored as plain tuples, which pickle at twice the speed of
    named ones."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, tuple[int, int, _Meta]] = {}
        self.url_setting = ""  # the permalink pattern, zone and base path the URLs were made with
        # name → (digest of the file, its permalink, the URL it got (-2… on a collision), href)
        self.urls: dict[str, tuple[str, str, str, str]] = {}
        self._appended = 0  # records changed since the snapshot
        self._whole = False  # the file ends with a whole record: appending to it is safe
        try:
            self._read(file.read_bytes())
        except OSError:
            pass
        # What the file holds: builds replace these dicts (never change them), so a save
        # finds what changed by comparing with them.
        self._stored = (self.entries, self.url_setting, self.urls)

    def _read(self, data: bytes) -> None:
        stream = io.BytesIO(data)
        try:
            version, entries, setting, urls = pickle.load(stream)
            if version != CACHE_VERSION:
                return
            try:
                while stream.tell() < len(data):
                    changed, removed, changed_urls, removed_urls = pickle.load(stream)
                    entries.update(changed)
                    urls.update(changed_urls)
                    for name in removed:
                        entries.pop(name, None)
                    for name in removed_urls:
                        urls.pop(name, None)
                    self._appended += len(changed) + len(removed)
                self._whole = True
            except _UNREADABLE:
                pass  # a torn last record: what came before it stands
            make = _Meta._make
            self.entries = {
                name: (size, mtime, make(meta)) for name, (size, mtime, meta) in entries.items()
            }
            self.url_setting, self.urls = setting, urls
        except _UNREADABLE:
            self.entries, self.url_setting, self.urls = {}, "", {}

    def save(self) -> None:
        """Append what changed since the file was read, or rewrite it (see the class)."""
        old_entries, old_setting, old_urls = self._stored
        changed = {name: e for name, e in self.entries.items() if old_entries.get(name) is not e}
        removed = [name for name in old_entries if name not in self.entries]
        changed_urls = {name: u for name, u in self.urls.items() if old_urls.get(name) != u}
        removed_urls = [name for name in old_urls if name not in self.urls]
        appended = self._appended + len(changed) + len(removed)
        if not self._whole or self.url_setting != old_setting or appended * 8 > len(self.entries):
            self._write((CACHE_VERSION, _plain(self.entries), self.url_setting, self.urls))
            self._appended, self._whole = 0, True
        elif changed or removed or changed_urls or removed_urls:
            with open(self.file, "ab") as fh:
                fh.write(
                    pickle.dumps(
                        (_plain(changed), removed, changed_urls, removed_urls),
                        protocol=pickle.HIGHEST_PROTOCOL,
                    )
                )
            self._appended = appended
        self._stored = (self.entries, self.url_setting, self.urls)

    def _write(self, snapshot: tuple) -> None:
        write_atomic(self.file, pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))


def _plain(entries: dict[str, tuple[int, int, _Meta]]) -> dict[str, tuple[int, int, tuple]]:
    return {name: (size, mtime, tuple(meta)) for name, (size, mtime, meta) in entries.items()}


def scan(
    root: Path,
    names: Iterable[str],
    cache: PostCache,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> tuple[list[_Meta], int]:
    """Records for the post files ``names`` (paths from ``root``, the vault: see
    :func:`newsvault.archive.files.post_files`), parsing only those the cache does not
    know (in ``workers`` processes when there are many); returns the records and how many
    files were parsed."""
    from newsvault.site import parallel

    base = str(root)
    keep_meta: dict[str, tuple[int, int, _Meta]] = {}
    todo: list[tuple[str, str]] = []
    for name in names:
        path = os.path.join(base, name)
        hit = cache.entries.get(name)
        if hit:  # files the cache does not know are stat'ed by whoever reads them
            st = os.stat(path)
            if hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
                keep_meta[hit[2].name] = hit  # the record's own string: pickled once, not twice
                if progress:
                    progress(1)
                continue
        todo.append((name, path))
    for size, mtime, meta in parallel.run(
        _scan_chunk, None, todo, workers, progress, SCAN_MIN_JOBS
    ):
        keep_meta[meta.name] = (size, mtime, meta)
    cache.entries = keep_meta
    return [v[2] for v in keep_meta.values()], len(todo)


def site_posts(
    metas: list[_Meta],
    pattern: str,
    tz: tzinfo,
    cache: PostCache | None = None,
    base_path: str = "/",
    reserved: Iterable[str] = (),
) -> list[SitePost]:
    """Newest first, each with its permalink; a URL whose output path is taken by an
    earlier post — or by a page of the site (``reserved``), or that would nest into
    one (``/d/`` and ``/d/index.html/``) — gets ``-2``… (Jekyll silently overwrites one
    with the other; an archive must show both)."""
    from newsvault.site.output import OutputSpace

    ordered = sorted((m for m in metas if m.usable), key=lambda m: (m.date, m.name))
    space = OutputSpace()
    for path in reserved:
        space.take(path)
    out: list[SitePost] = []
    # a URL follows from the settings and the file (its name and, by its digest, content)
    setting = f"{pattern}\n{datetime(2000, 1, 1, tzinfo=tz).utcoffset()}\n{base_path}"
    known = cache.urls if cache is not None and cache.url_setting == setting else {}
    urls: dict[str, tuple[str, str, str, str]] = {}
    for m in ordered:
        hit = known.get(m.name)
        if hit and hit[0] == m.digest:
            url = hit[1]
        else:
            url = permalink(pattern, local_date(m.url_date, tz), m.slug, m.categories)
        base, n = url, 2
        target = output_path(url)
        while not space.free(target):
            url = base.rstrip("/") + f"-{n}" + ("/" if base.endswith("/") else "")
            target = output_path(url)
            n += 1
        space.take(target)
        link = hit[3] if hit and hit[2] == url else href(base_path, url)
        urls[m.name] = (m.digest, base, url, link)
        out.append(
            SitePost(
                m.name,
                url,
                m.title,
                m.date,
                m.site,
                m.author,
                m.link,
                m.tags,
                m.categories,
                m.digest,
                ident(m.digest, url),
                link,
                m.layout,
            )
        )
    if cache is not None:
        cache.url_setting, cache.urls = setting, urls
    out.reverse()
    return out
