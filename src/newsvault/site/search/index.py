"""Writing the index into ``_site/search/data/``: segments, kept when unchanged.

The posts, oldest first, are cut into segments by a rule that depends only on their
number (:func:`layout`): full segments of :data:`TOP` posts, then at most one of each
half size down to :data:`UNIT`, then the rest. New posts sort last, so an hourly build
changes the last segment only (and, each time :data:`UNIT` posts have come in, merges
the small ones into one bigger). A segment's folder is named by its position and a
digest of everything its files are made of (the posts' versions and URLs, the fold
table, this code, the timezone), so an unchanged segment is simply kept, and a full
build and an incremental one write the same folders with the same bytes.

    search/data/index.json          the manifest: segments, fold table version
    search/data/s/<segment>/seg.json     its first post, count, buckets, big keys
    search/data/s/<segment>/b/<n>.bin    buckets (see :mod:`.encode`)
    search/data/s/<segment>/k<key>.bin   keys too long for a bucket
    search/data/s/<segment>/d/<n>.json   each post: URL, title, date, source, text's start
    search/data/s/<segment>/d/<n>.txt    the rest of its text (only for a longer one)

A new segment is written into ``<segment>.tmp/`` and renamed when complete; the
manifest is replaced last and the folders it no longer names are removed after it: a
reader (or a crash) sees the old index or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from newsvault.fsutil import write_atomic
from newsvault.site import parallel
from newsvault.site.content import body_html, drop_dangerous
from newsvault.site.posts import SitePost, read_body
from newsvault.site.search import encode
from newsvault.site.search.encode import Postings, encode_groups, postings
from newsvault.site.search.files import DATA
from newsvault.site.search.fold import loaded
from newsvault.site.search.text import html_text

FORMAT = 2  # of the files: a build of another format is rebuilt (it names the segments)
TOP = 2048  # posts in a big segment (bounds the memory of encoding one: ~100 KB a post)
UNIT = 512  # posts in a small one (bounds what an hourly build re-indexes)
CHUNK = 64  # posts read at once (numpy's cost per call is paid per chunk)
MAX_TEXT = 100_000  # characters of an article kept for excerpts
HEAD = 2_000  # of which in the record; the rest is fetched only when an excerpt needs it
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SearchResult:
    seconds: float
    posts: int  # posts in the index
    indexed: int  # posts (re-)indexed this time
    segments: int
    reused: int  # segments kept from the last build
    engine: str = f"newsvault-search {FORMAT}"


def layout(n: int) -> list[tuple[int, int]]:
    """(first post, count) of each segment for ``n`` posts: full segments of :data:`TOP`,
    then at most one of each half size down to :data:`UNIT`, then the rest. A query
    fetches a bucket per term and segment: 5,685 posts are 5 segments (2,048, 2,048,
    1,024, 512, 53), where three of :data:`UNIT` instead of the 1,024 made 6."""
    out: list[tuple[int, int]] = []
    start = 0
    while n - start >= TOP:
        out.append((start, TOP))
        start += TOP
    size = TOP // 2
    while size >= UNIT:
        if n - start >= size:
            out.append((start, size))
            start += size
        size //= 2
    if start < n:
        out.append((start, n - start))
    return out


def _code_digest() -> str:
    h = hashlib.sha1()
    for path in sorted(HERE.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def _segment_names(posts: list[SitePost], setting: str) -> list[tuple[int, int, str]]:
    base = hashlib.sha1(setting.encode())
    out = []
    for start, count in layout(len(posts)):
        h = base.copy()
        h.update(f"{start}:{count}".encode())
        for post in posts[start : start + count]:
            h.update(post.ident.encode("utf-8", "surrogatepass") + b"\0")
        out.append((start, count, f"{start:07d}-{count:04d}-{h.hexdigest()[:12]}"))
    return out


def _records(post: SitePost, text: str, tz: tzinfo, base_path: str) -> tuple[bytes, bytes]:
    """A post's record (URL, title, date, source, the text's first :data:`HEAD`
    characters and whether there is more) and the rest of its text (empty if none)."""
    href = post.href[len(base_path) :] if post.href.startswith(base_path) else post.href.lstrip("/")
    text = text[:MAX_TEXT]
    doc = {
        "u": href,
        "t": post.title,
        "d": post.date.astimezone(tz).isoformat(),
        "s": post.site,
        "x": text[:HEAD],
        "m": int(len(text) > HEAD),
    }
    record = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )
    return record, text[HEAD:].encode("utf-8", "surrogatepass")


def _read_chunk(
    root: str, tz: tzinfo, base_path: str, folder: str, chunk: Sequence[tuple[int, SitePost]]
) -> Postings:
    """Read, extract and tokenize some consecutive posts of a segment; write their
    records (``d/<n>.json``, ``d/<n>.txt``)."""
    articles = []
    for local, post in chunk:
        body = read_body(os.path.join(root, post.name))  # names are relative to the vault
        text = html_text(drop_dangerous(body_html(body, post.layout)))  # the page's text
        record, rest = _records(post, text, tz, base_path)
        with open(os.path.join(folder, "d", f"{local}.json"), "wb") as fh:
            fh.write(record)
        if rest:
            with open(os.path.join(folder, "d", f"{local}.txt"), "wb") as fh:
                fh.write(rest)
        articles.append((local, post.title, text))
    return postings(articles)


def _build_segment(
    folder: Path,
    posts: list[SitePost],
    state: tuple[str, tzinfo, str],
    start: int,
    tick: Callable[[int], None],
) -> None:
    """Write a segment of ``posts`` into ``folder`` (which must not exist). Its posts are
    read :data:`CHUNK` at a time (numpy's cost per call would otherwise dominate), then
    its buckets encoded a group of keys at a time (bounding the memory)."""
    (folder / "d").mkdir(parents=True)
    (folder / "b").mkdir()
    numbered = list(enumerate(posts))
    parts = []
    for i in range(0, len(numbered), CHUNK):
        chunk = numbered[i : i + CHUNK]
        parts.append(_read_chunk(*state, str(folder), chunk))
        tick(len(chunk))
    bits = encode.bucket_bits(parts)
    big = []
    for g0, g1, b0, b1 in encode.jobs(bits):
        files, keys = encode_groups(parts, g0, g1, b0, b1, bits)
        for i, data in enumerate(files):
            with open(folder / "b" / f"{b0 + i}.bin", "wb") as fh:
                fh.write(data)
        for k1, k2, data in keys:
            with open(folder / f"k{k1:08x}{k2:08x}.bin", "wb") as fh:
                fh.write(data)
            big.append([k1, k2])
    meta = {"start": start, "count": len(posts), "bits": bits, "big": sorted(big)}
    (folder / "seg.json").write_text(json.dumps(meta, separators=(",", ":")), encoding="utf-8")


_JOB: Any = None  # what the forked workers index from (set just before forking)


def _index_segment(job: tuple[int, int, str]) -> None:
    """Index one segment into ``<name>.tmp/`` and rename it when complete."""
    ordered, segs_dir, state, tick = _JOB
    start, count, name = job
    tmp = segs_dir / (name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _build_segment(tmp, ordered[start : start + count], state, start, tick)
    shutil.rmtree(segs_dir / name, ignore_errors=True)  # a damaged one (see build_index)
    os.replace(tmp, segs_dir / name)


def _index_segments(
    todo: list[tuple[int, int, str]],
    ordered: list[SitePost],
    segs_dir: Path,
    state: tuple[str, tzinfo, str],
    workers: int,
    tick: Callable[[int], None],
) -> None:
    """Index the segments of ``todo``, each whole in one process: a worker forked from
    the small parent reads, encodes and writes its segment, so no postings cross a
    process boundary (handing them to the parent cost a quarter of the CPU time). The
    workers count the posts they have read in shared memory, for the progress bar."""
    global _JOB
    jobs = sorted(todo, key=lambda job: -job[1])  # the biggest first: the workers end together
    ctx = None
    if workers > 1 and len(jobs) > 1 and sum(count for _s, count, _n in jobs) >= parallel.MIN_JOBS:
        import multiprocessing

        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:  # no fork on this platform: one process
            ctx = None
    if ctx is None:
        _JOB = (ordered, segs_dir, state, tick)
        try:
            for job in jobs:
                _index_segment(job)
        finally:
            _JOB = None
        return
    import multiprocessing

    done = ctx.Value("q", 0)

    def count(n: int) -> None:
        with done.get_lock():
            done.value += n

    _JOB = (ordered, segs_dir, state, count)
    seen = 0
    try:
        # a new worker per segment: what one segment allocated is returned to the system;
        # the workers leave signals to this process
        with parallel.pool(ctx, min(workers, len(jobs)), maxtasksperchild=1) as pool:
            results = pool.imap_unordered(_index_segment, jobs)
            while True:
                try:
                    results.next(timeout=0.2)
                except multiprocessing.TimeoutError:
                    pass
                except StopIteration:
                    break
                now = done.value
                if now > seen:
                    tick(now - seen)
                    seen = now
            pool.close()
            pool.join()  # reap the workers now: their CPU time belongs to this build
    finally:
        _JOB = None
    if done.value > seen:
        tick(done.value - seen)


def _tally(folder: Path) -> list[int]:
    """How many files a segment folder holds and their bytes: a lost or truncated file
    changes it (one ``scandir`` per folder: cheap next to re-indexing)."""
    files = size = 0
    stack = [str(folder)]
    try:
        while stack:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        files += 1
                        size += entry.stat(follow_symlinks=False).st_size
    except OSError:
        return [-1, -1]
    return [files, size]


def _load_tallies(path: Path | None) -> dict[str, list[int]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build_index(
    site_dir: Path,
    vault_root: Path,
    posts: list[SitePost],
    tz: tzinfo,
    setting: str,
    base_path: str = "/",
    full: bool = False,
    workers: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
    tallies: Path | None = None,
) -> SearchResult:
    """Index ``posts`` (newest first, as the site lists them) into ``site_dir/search/data``.

    ``setting`` is whatever else decides the index's files (the timezone dates are shown
    in); ``full`` rebuilds every segment. ``tallies`` (a file outside the site) keeps the
    file count and bytes of each segment: a kept segment that no longer matches (a file
    lost or cut short) is built again."""
    start_time = time.perf_counter()
    fold_version = loaded().version  # loaded here: forked workers share it
    ordered = posts[::-1]
    root = site_dir / DATA
    segs_dir = root / "s"
    if full and segs_dir.exists():
        shutil.rmtree(segs_dir)
    segs_dir.mkdir(parents=True, exist_ok=True)
    names = _segment_names(
        ordered,
        "\n".join(
            [
                str(FORMAT),
                fold_version,
                _code_digest(),
                setting,
                str(encode.BODY),
                str(encode.BIG),
                str(encode.BUCKET_BYTES),
            ]
        ),
    )
    known = {} if full else _load_tallies(tallies)
    todo = [
        (start, count, name)
        for start, count, name in names
        if not (segs_dir / name / "seg.json").is_file()
        or (tallies is not None and known.get(name) != _tally(segs_dir / name))
    ]
    tick = _ticker(progress, sum(count for _s, count, _n in todo))
    _index_segments(todo, ordered, segs_dir, (str(vault_root), tz, base_path), workers, tick)
    for _start, _count, name in todo:
        known[name] = _tally(segs_dir / name)
    segments = []
    for _start, _count, name in names:
        meta = json.loads((segs_dir / name / "seg.json").read_text(encoding="utf-8"))
        segments.append({"path": f"s/{name}/", **meta})
    manifest = {
        "format": FORMAT,
        "fold": fold_version,
        "body": encode.BODY,
        "docs": len(ordered),
        "segments": segments,
    }
    write_atomic(root / "index.json", json.dumps(manifest, separators=(",", ":")).encode())
    if tallies is not None:
        write_atomic(
            tallies,
            json.dumps({name: known[name] for _s, _c, name in names if name in known}).encode(),
        )
    keep = {name for _s, _c, name in names}
    for entry in segs_dir.iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
    for entry in root.iterdir():
        if entry.name not in ("index.json", "s"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return SearchResult(
        time.perf_counter() - start_time,
        len(ordered),
        sum(c for _s, c, _n in todo),
        len(names),
        len(names) - len(todo),
    )


def _ticker(progress: Callable[[str, int, int], None] | None, total: int) -> Callable[[int], None]:
    if progress is None or not total:
        return lambda n: None
    done = 0
    progress("search", 0, total)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress("search", done, total)

    return tick
