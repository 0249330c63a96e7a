"""``build_site``: the archive in ``_posts/`` → the website in ``_site/``.

    scan posts (cached) → permalinks → page plan (digests) → render what changed
    → write changed bytes → drop stale files → Pagefind index

See :mod:`newsvault.site.pages` for why digests make incremental builds identical to
full ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsvault.config import Config
from newsvault.site import output
from newsvault.site.entrystore import EntryStore
from newsvault.site.plan import Plan
from newsvault.site.posts import PostCache, Reader, default_reader, post_files, scan, site_posts
from newsvault.site.search import build_index
from newsvault.vault import Vault

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
    site_dir: str = ""


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


def build_site(vault: Vault, config: Config, *, full: bool = False, progress: Progress | None = None,
               search: bool | None = None, reader: Reader | None = None) -> BuildReport:
    """Build (or update) ``vault/_site``; ``full`` ignores every cache and re-renders all."""
    start = time.perf_counter()
    reader = reader or default_reader()
    state = vault.state_dir / "site"
    cache = PostCache(state / "posts.pickle")
    if full:
        cache.entries = {}
    known = len(cache.entries)
    paths = post_files(vault.posts_dir)
    fresh: dict = {}
    metas, parsed = scan(vault.posts_dir, paths, cache, reader, _ticker(progress, "read", len(paths)), fresh)
    plan = Plan(vault, config.site, reader)
    plan.fresh = fresh
    if full:
        (state / "entries.sqlite").unlink(missing_ok=True)
    plan.store = EntryStore(state / "entries.sqlite")
    posts = site_posts(metas, config.site.permalink, plan.permalink_tz, cache)
    pages = plan.pages(posts)
    manifest_file = state / "manifest.json"
    old = {} if full else output.load_manifest(manifest_file)
    new: output.Manifest = {}
    rendered = written = 0
    site_dir = vault.site_dir
    site_dir.mkdir(parents=True, exist_ok=True)
    tick = _ticker(progress, "write", len(pages))
    for page in pages:
        before = old.get(page.out)
        if before and before[0] == page.key and (site_dir / page.out).is_file():
            new[page.out] = before
        else:
            data = page.render()
            rendered += 1
            written += output.write_if_changed(site_dir, page.out, data, before[1] if before else None)
            new[page.out] = [page.key, output.bytes_digest(data)]
        if tick:
            tick(1)
    stale = sorted(set(old) - set(new)) if old else _unlisted(site_dir, set(new))
    removed = output.remove_stale(site_dir, stale)
    output.save_manifest(manifest_file, new)
    plan.save_entries(posts)
    plan.store.close()
    cache.save(changed=full or parsed > 0 or len(cache.entries) != known)
    seconds = time.perf_counter() - start
    report = BuildReport(posts=len(posts), files=len(new), parsed=parsed, rendered=rendered,
                         written=written, removed=removed, seconds=seconds, site_dir=str(site_dir))
    if search if search is not None else config.site.search:
        if written or removed or not (site_dir / "pagefind" / "pagefind.js").is_file():
            if progress:
                progress("search", 0, 1)
            result = build_index(site_dir, vault.root)
            return _with_search(report, result.seconds, f"pagefind {result.version}")
        return _with_search(report, 0.0, "pagefind (unchanged)")
    return report


def _with_search(report: BuildReport, seconds: float, engine: str) -> BuildReport:
    from dataclasses import replace

    return replace(report, search_seconds=seconds, search_engine=engine)


def _walk(root: Path) -> Iterator[str]:
    for path in root.rglob("*"):
        if path.is_file():
            yield path.relative_to(root).as_posix()


def _unlisted(site_dir: Path, keep: set[str]) -> list[str]:
    """On a full build (or with no manifest): every file not produced now, except the index."""
    return sorted(rel for rel in _walk(site_dir) if rel not in keep and not rel.startswith("pagefind/"))
