"""Writing the index into ``_site/search/data/``: segments, kept when unchanged.

The posts, oldest first, are cut into segments by a rule that depends only on their
number: full segments of :data:`TOP` posts, then full ones of :data:`UNIT`, then the
rest. New posts sort last, so an hourly build changes the last segment only (and, each
time :data:`UNIT` or :data:`TOP` posts have come in, merges the small ones into one
bigger). A segment's folder is named by its position and a digest of everything its
files are made of (the posts' versions and URLs, the fold table, this code, the
timezone), so an unchanged segment is simply kept, and a full build and an incremental
one write the same folders with the same bytes.

    search/data/index.json          the manifest: segments, fold table version
    search/data/s/<segment>/seg.json     its first post, count, buckets, big keys
    search/data/s/<segment>/b/<n>.bin    buckets (see :mod:`.encode`)
    search/data/s/<segment>/k<key>.bin   keys too long for a bucket
    search/data/s/<segment>/d/<n>.json   each post: URL, title, date, source, text

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

from newsvault.fsutil import write_atomic
from newsvault.site import parallel
from newsvault.site.content import body_html, drop_dangerous
from newsvault.site.posts import SitePost, read_body
from newsvault.site.search import encode
from newsvault.site.search.encode import Postings, encode_groups, postings
from newsvault.site.search.files import DATA
from newsvault.site.search.fold import table
from newsvault.site.search.text import html_text

FORMAT = 1
TOP = 2048  # posts in a big segment (bounds the memory of encoding one: ~100 KB a post)
UNIT = 512  # posts in a small one (bounds what an hourly build re-indexes)
MAX_TEXT = 100_000  # characters of an article kept for excerpts
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
    """(first post, count) of each segment for ``n`` posts."""
    out: list[tuple[int, int]] = []
    start = 0
    for size in (TOP, UNIT):
        while n - start >= size:
            out.append((start, size))
            start += size
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
        for post in posts[start:start + count]:
            h.update(post.ident.encode("utf-8", "surrogatepass") + b"\0")
        out.append((start, count, f"{start:07d}-{count:04d}-{h.hexdigest()[:12]}"))
    return out


def _doc_json(post: SitePost, text: str, tz: tzinfo, base_path: str) -> bytes:
    href = post.href[len(base_path):] if post.href.startswith(base_path) else post.href.lstrip("/")
    doc = {"u": href, "t": post.title, "d": post.date.astimezone(tz).isoformat(), "s": post.site,
           "x": text[:MAX_TEXT]}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def _read_chunk(state: tuple, chunk: Sequence[tuple[int, SitePost]]) -> list[tuple[int, int, Postings]]:
    """Worker: read, extract and tokenize some consecutive posts of a segment; write
    their ``d/<n>.json``."""
    root, tz, base_path, folder = state
    articles = []
    for local, post in chunk:
        body = read_body(os.path.join(root, post.name))  # names are relative to the vault
        text = html_text(drop_dangerous(body_html(body, post.layout)))  # the page's text
        with open(os.path.join(folder, "d", f"{local}.json"), "wb") as fh:
            fh.write(_doc_json(post, text, tz, base_path))
        articles.append((local, post.title, text))
    return [(chunk[0][0], len(chunk), postings(articles))]


def _encode_chunk(state: tuple, chunk: Sequence[tuple[int, int, int, int]]) -> list[list[int]]:
    """Worker: encode and write some buckets of a segment; their big keys."""
    parts, bits, folder = state
    big = []
    for g0, g1, b0, b1 in chunk:
        files, keys = encode_groups(parts, g0, g1, b0, b1, bits)
        for i, data in enumerate(files):
            with open(os.path.join(folder, "b", f"{b0 + i}.bin"), "wb") as fh:
                fh.write(data)
        for k1, k2, data in keys:
            with open(os.path.join(folder, f"k{k1:08x}{k2:08x}.bin"), "wb") as fh:
                fh.write(data)
            big.append([k1, k2])
    return big


def _build_segment(folder: Path, start: int, posts: list[SitePost], state: tuple, workers: int,
                   tick: Callable[[int], None] | None) -> None:
    """Write a segment of ``posts`` into ``folder`` (which must not exist)."""
    (folder / "d").mkdir(parents=True)
    (folder / "b").mkdir()
    read = []
    for first, count, part in parallel.run(_read_chunk, (*state, str(folder)), list(enumerate(posts)), workers):
        read.append((first, part))
        if tick:
            tick(count)
    parts = [part for _first, part in sorted(read, key=lambda r: r[0])]
    del read
    bits = encode.bucket_bits(parts)
    pieces = encode.jobs(bits)
    spread = len(pieces) if len(posts) >= parallel.MIN_JOBS else len(pieces) + 1
    big = [key for keys in parallel.run(_encode_chunk, (parts, bits, str(folder)), pieces, workers,
                                        min_jobs=spread, chunk=1) for key in keys]
    meta = {"start": start, "count": len(posts), "bits": bits, "big": sorted(big)}
    (folder / "seg.json").write_text(json.dumps(meta, separators=(",", ":")), encoding="utf-8")


def build_index(site_dir: Path, vault_root: Path, posts: list[SitePost], tz: tzinfo, setting: str,
                base_path: str = "/", full: bool = False, workers: int = 1,
                progress: Callable[[str, int, int], None] | None = None) -> SearchResult:
    """Index ``posts`` (newest first, as the site lists them) into ``site_dir/search/data``.

    ``setting`` is whatever else decides the index's files (the timezone dates are shown
    in); ``full`` rebuilds every segment."""
    start_time = time.perf_counter()
    fold_version = table().version  # loaded here: forked workers inherit it
    ordered = posts[::-1]
    root = site_dir / DATA
    segs_dir = root / "s"
    if full and segs_dir.exists():
        shutil.rmtree(segs_dir)
    segs_dir.mkdir(parents=True, exist_ok=True)
    names = _segment_names(ordered, "\n".join([str(FORMAT), fold_version, _code_digest(), setting,
                                               str(encode.BODY), str(encode.BIG), str(encode.BUCKET_BYTES)]))
    todo = [(start, count, name) for start, count, name in names if not (segs_dir / name / "seg.json").is_file()]
    tick = _ticker(progress, sum(count for _s, count, _n in todo))
    for start, count, name in todo:
        tmp = segs_dir / (name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        _build_segment(tmp, start, ordered[start:start + count], (str(vault_root), tz, base_path), workers, tick)
        os.replace(tmp, segs_dir / name)
    segments = []
    for _start, _count, name in names:
        meta = json.loads((segs_dir / name / "seg.json").read_text(encoding="utf-8"))
        segments.append({"path": f"s/{name}/", **meta})
    manifest = {"format": FORMAT, "fold": fold_version, "body": encode.BODY, "docs": len(ordered),
                "segments": segments}
    write_atomic(root / "index.json", json.dumps(manifest, separators=(",", ":")).encode())
    keep = {name for _s, _c, name in names}
    for entry in segs_dir.iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
    for entry in root.iterdir():
        if entry.name not in ("index.json", "s"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return SearchResult(time.perf_counter() - start_time, len(ordered), sum(c for _s, c, _n in todo),
                        len(names), len(names) - len(todo))


def _ticker(progress: Callable[[str, int, int], None] | None, total: int) -> Callable[[int], None] | None:
    if progress is None or not total:
        return None
    done = 0
    progress("search", 0, total)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress("search", done, total)

    return tick
