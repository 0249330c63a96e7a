"""``build_site``: the archive in ``_posts/`` → the website in ``_site/``.

    scan posts (cached) → permalinks → page plan (digests) → render what changed
    → write changed bytes → drop stale files → search index (changed segments)

See :mod:`newsvault.site.pages` for why digests make incremental builds identical to
full ones.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from newsvault.archive.files import post_files
from newsvault.config import Config
from newsvault.lock import locked
from newsvault.site import output, parallel
from newsvault.site.entrystore import EntryStore
from newsvault.site.inputs import read_inputs
from newsvault.site.pages import Page
from newsvault.site.plan import Plan
from newsvault.site.posts import PostCache, SitePost, scan, site_posts
from newsvault.site.search import DATA
from newsvault.vault import Vault

log = logging.getLogger(__name__)  # `-v` shows INFO, `-vv` DEBUG (cli/common.py)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class BuildReport:
    """What a build did; ``seconds`` covers the pages, ``search_seconds`` the index."""

    posts: int
    files: int  # files the site consists of (not counting the search index)
    parsed: int  # post files read and parsed this time
    rendered: int  # pages rendered this time
    written: int  # files whose bytes changed on disk
    removed: int
    seconds: float
    search_seconds: float | None = None
    search_engine: str = ""
    search_indexed: int = 0  # posts (re-)indexed for search this time
    site_dir: str = ""
    notes: tuple[str, ...] = ()  # what was left out (symbolic links in assets/…, broken posts)
    skipped: tuple[str, ...] = ()  # post files that are not readable posts (not on the site)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _ticker(progress: Progress | None, stage: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    done = 0
    step = max(1, total // 200)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if done % step == 0 or done == total:
            progress(stage, done, total)

    return tick


def build_site(
    vault: Vault,
    config: Config,
    *,
    full: bool = False,
    progress: Progress | None = None,
    search: bool | None = None,
) -> BuildReport:
    """Build (or update) ``vault/_site``; ``full`` ignores every cache and re-renders all.

    The cyclic garbage collector is paused meanwhile: a build makes millions of
    short-lived objects and no cycles worth collecting, and full collections over a big
    process (50,000 post records) cost more than they free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with locked(vault, "newsvault build"):  # one writer of _site/ at a time (a run builds too)
            return _build(vault, config, full, progress, search)
    finally:
        if enabled:
            gc.enable()


def _build(
    vault: Vault, config: Config, full: bool, progress: Progress | None, search: bool | None
) -> BuildReport:
    start = time.perf_counter()
    n = parallel.workers(config.site.workers)
    state = vault.state_dir / "site"
    cache = PostCache(state / "posts.pickle")
    if full:
        cache.entries = {}
        (state / "entries.sqlite").unlink(missing_ok=True)
    names = post_files(vault.root)
    metas, parsed = scan(vault.root, names, cache, _ticker(progress, "read", len(names)), n)
    # The plan reads nothing: what it needs besides the posts is read here, once.
    plan = Plan(vault, config.site, read_inputs(vault, config), config.mirrors, config.legacy)
    posts = site_posts(metas, config.site.permalink, plan.permalink_tz, cache, plan.base_path)
    pages = plan.pages(posts)
    fixed = [page.out for page in pages if page.post is None]
    output.check_outputs(fixed)  # posts never clash with each other: site_posts saw to it
    if _clash(fixed, [page.out for page in pages if page.post is not None]):
        # A post wants the path of one of the site's own pages (a permalink /search/):
        # the post moves to -2, the page keeps its path. (The paths of the site's pages
        # do not depend on the posts' URLs, so a second plan has the same ones.)
        wanted = {post.name: post.url for post in posts}
        posts = site_posts(
            metas, config.site.permalink, plan.permalink_tz, cache, plan.base_path, reserved=fixed
        )
        pages = plan.pages(posts)
        plan.notes += [
            f"{post.name}: its permalink {wanted[post.name]} is taken by a page of the site; "
            f"the post is at {post.url}"
            for post in posts
            if wanted.get(post.name) != post.url
        ]
    manifest_file = state / "manifest.pickle"
    old = {} if full else output.load_manifest(manifest_file)
    site_dir = vault.site_dir
    empty = not site_dir.is_dir() or not any(site_dir.iterdir())  # then nothing can be stale
    site_dir.mkdir(parents=True, exist_ok=True)
    new: output.Manifest = {page.out: page.key for page in pages}
    # Stale files go first: a page may now need a path where an old page's folder was.
    stale = sorted(set(old) - set(new)) if old else [] if empty else _unlisted(site_dir, set(new))
    removed = output.remove_stale(site_dir, stale)
    new, rendered, written = _write_pages(
        plan, pages, posts, old, site_dir, n, _ticker(progress, "write", len(pages))
    )
    output.save_manifest(manifest_file, new)
    plan.store.close()
    cache.save()
    skipped = tuple(sorted(m.name for m in metas if not m.usable))
    notes = [
        *plan.notes,
        *(f"skipped {name}: not a readable post (`newsvault check` says why)" for name in skipped),
    ]
    report = BuildReport(
        posts=len(posts),
        files=len(new),
        parsed=parsed,
        rendered=rendered,
        written=written,
        removed=removed,
        seconds=time.perf_counter() - start,
        site_dir=str(site_dir),
        notes=tuple(dict.fromkeys(notes)),
        skipped=skipped,
    )
    log.info(
        "site: %d post files listed, %d parsed (the rest from the cache), %d pages rendered, "
        "%d files written, %d removed, %.2f s, %d workers",
        len(names),
        parsed,
        rendered,
        written,
        removed,
        report.seconds,
        n,
    )
    if search if search is not None else config.site.search:
        from newsvault.site.search import (
            build_index,  # numpy and the fold table: not for --no-search
        )

        result = build_index(
            site_dir,
            vault.root,
            posts,
            plan.tz,
            config.site.timezone,
            plan.base_path,
            full=full,
            workers=n,
            progress=progress,
            tallies=state / "search-tallies.json",
        )
        return replace(
            report,
            search_seconds=result.seconds,
            search_engine=result.engine,
            search_indexed=result.indexed,
        )
    return report


def _clash(fixed: list[str], post_outs: list[str]) -> bool:
    space = output.OutputSpace()
    for out in fixed:
        space.take(out)
    return not all(space.free(out) for out in post_outs)


def _outdated(pages: list[Page], old: output.Manifest, site_dir: Path) -> list[int]:
    """The pages to render: all but those the last build made with the same key whose
    file is still there. (Every build checks every page: ``os.access`` relative to the
    open site folder costs half of ``os.path.isfile`` on the whole path.)"""
    if not old:
        return list(range(len(pages)))
    fd = os.open(site_dir, os.O_RDONLY)
    try:
        return [
            i
            for i, page in enumerate(pages)
            if old.get(page.out) != page.key or not os.access(page.out, os.F_OK, dir_fd=fd)
        ]
    finally:
        os.close(fd)


def _render_chunk(state: tuple, chunk: Sequence[int]) -> list[tuple[int, bool, bytes | None]]:
    """Worker: render and write pages; return what was written, and the feed entries of
    the posts (the parent keeps them for the feeds)."""
    plan, pages, site_dir = state
    out = []
    for i in chunk:
        page = pages[i]
        wrote = output.write_if_changed(site_dir, page.out, page.render())
        entry = plan.entry(page.post) if _in_feeds(plan, page) else None
        out.append((i, wrote, entry))
    return out


def _in_feeds(plan: Plan, page: Page) -> bool:
    return page.post is not None and plan.in_feeds(page.post)


def _write_pages(
    plan: Plan,
    pages: list[Page],
    posts: list[SitePost],
    old: output.Manifest,
    site_dir: Path,
    n: int,
    tick: Callable[[int], None] | None,
) -> tuple[output.Manifest, int, int]:
    """Render what changed: every page but the feeds, in parallel when many, the posts the
    feeds show first; as soon as their entries are in, this process writes the feeds (and
    keeps the entries for the next build) while the workers render the rest."""
    new: output.Manifest = {page.out: page.key for page in pages}
    outdated = _outdated(pages, old, site_dir)
    feed_pages = [pages[i] for i in outdated if pages[i].feed]
    todo = sorted(
        (i for i in outdated if not pages[i].feed), key=lambda i: not _in_feeds(plan, pages[i])
    )
    waiting = sum(_in_feeds(plan, pages[i]) for i in todo)
    feeds: tuple[int, int] | None = None  # (rendered, written) once the feeds are done
    written = 0
    for i, wrote, entry in parallel.run(_render_chunk, (plan, pages, site_dir), todo, n, tick):
        written += wrote
        if entry is not None:
            plan.add_entry(pages[i].post, entry)
            waiting -= 1
        if waiting == 0 and feeds is None:
            feeds = _write_feeds(plan, feed_pages, posts, site_dir)
    if feeds is None:
        feeds = _write_feeds(plan, feed_pages, posts, site_dir)
    if tick:
        tick(len(pages) - len(todo))
    return new, len(todo) + feeds[0], written + feeds[1]


def _write_feeds(
    plan: Plan, feeds: list[Page], posts: list[SitePost], site_dir: Path
) -> tuple[int, int]:
    """The feeds that changed, from the entries of this build and of the last (in
    ``entries.sqlite``, opened here: never in a process that forks workers afterwards).
    When no feed changed, no feed shows another post or version, so the stored entries
    are still the right ones."""
    if not feeds:
        return 0, 0
    plan.store = EntryStore(plan.vault.state_dir / "site" / "entries.sqlite")
    written = sum(output.write_if_changed(site_dir, page.out, page.render()) for page in feeds)
    plan.save_entries(posts)
    return len(feeds), written


def _walk(root: Path) -> Iterator[str]:
    prefix = len(str(root)) + 1
    for folder, _dirs, files in os.walk(root):
        for name in files:
            yield os.path.join(folder, name)[prefix:].replace(os.sep, "/")


def _unlisted(site_dir: Path, keep: set[str]) -> list[str]:
    """On a full build (or with no manifest): every file not produced now, except the
    search index (which keeps its own files)."""
    return sorted(
        rel for rel in _walk(site_dir) if rel not in keep and not rel.startswith(DATA + "/")
    )
