"""Publish a folder (the built site, or the local image store) to S3-compatible object
storage: AWS S3, Cloudflare R2, Backblaze B2, MinIO… through boto3.

A sync compares by content, never by time: the bucket's listing gives each object's
ETag, which for an object stored in one PUT (as this module always stores them) is the
MD5 of its bytes; a local file is uploaded when no object has its MD5 under its key.
What the bucket holds after a sync is kept in ``.newsvault/s3/<target>.json``; the next
syncs compare with that record instead of listing the bucket again (a site of 200,000
posts is 220 listing requests), and the bucket is listed anew when the record is older
than ``verify_hours``, belongs to another bucket, or the last sync failed. The record
also spares hashing 1 GB of unchanged files every hour: a file with the size and mtime it
had at the last sync has the MD5 it had then (a listing run hashes every file again).
The order keeps readers on working pages while a sync runs, and a sync that stops
half-way (a lost connection) leaves nothing broken behind:

1. new objects, first: no page already online links to them yet;
2. changed objects, assets before pages and the front page last: by the time a page
   that links to a new post is replaced, that post is online;
3. stale objects (in the bucket, no longer in the folder) are deleted last.

Each object gets its ``Content-Type`` (``text/html; charset=utf-8``…) and a
``Cache-Control``: short for pages and feeds (they change every hour), long for
Pagefind's content-addressed fragments. Transient errors (timeouts, throttling, 5xx)
are retried by botocore's ``standard`` retry mode with backoff; what still fails raises
:class:`~newsvault.errors.PublishError`, and the next run finishes the job (it compares
with the bucket again).

Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``…SECRET…`` in the
environment, ``~/.aws`` and a ``profile``, an instance role); newsvault never reads or
stores them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsvault.config import TargetConfig
from newsvault.errors import PublishError
from newsvault.fsutil import write_atomic

__all__ = [
    "S3Result",
    "sync_folder",
    "content_type",
    "cache_control",
    "upload_order",
    "local_files",
]

UPLOAD_THREADS = 8
ATTEMPTS = 6  # botocore's standard mode: up to 6 tries with exponential backoff, ~20 s at most
SKIP = frozenset({".newsvault-site"})  # the folder deployer's marker
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
}
_FEEDS = ("feed.xml",)
SHORT, LONG = "public, max-age=300", "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class S3Result:
    bucket: str
    prefix: str
    uploaded_new: int
    uploaded_changed: int
    deleted: int
    unchanged: int
    bytes_uploaded: int
    listed: bool = True  # the bucket was listed (False: compared with the record of the last sync)

    @property
    def uploaded(self) -> int:
        return self.uploaded_new + self.uploaded_changed


def content_type(rel: str) -> str:
    name = rel.rpartition("/")[2]
    if name in _FEEDS:
        return "application/atom+xml; charset=utf-8"
    ext = os.path.splitext(name)[1].lower()
    if ext in _TYPES:
        return _TYPES[ext]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def cache_control(rel: str, content: str = "site") -> str:
    """The search index's segments (``search/data/s/<position>-<digest>/…``) and the local
    images (``assets/img/<sha256>.<ext>``; ``img/…`` in the image store itself) are named
    by their content: cached for good. Everything else can change on the next build
    (pages, feeds, the theme, and the search manifest ``search/data/index.json``, which
    keep their names)."""
    if content == "assets":
        return LONG if rel.startswith("img/") else SHORT
    if rel.startswith(("assets/img/", "search/data/s/")):
        return LONG
    return SHORT


def _rank(rel: str) -> tuple[int, str]:
    """Assets, then pages, then lists, the feeds and the sitemap, the front page last."""
    if rel == "index.html":
        return 4, rel
    if rel.endswith((".xml", "robots.txt")):
        return 3, rel
    if rel.endswith(".html"):
        list_page = rel.startswith(("page/", "sources/", "tags/", "categories/", "archive/"))
        return (2 if list_page else 1), rel
    return 0, rel


def upload_order(new: Iterable[str], changed: Iterable[str]) -> list[list[str]]:
    """The upload phases: each phase finishes before the next one starts."""
    phases = [sorted(new, key=_rank)]
    by_rank: dict[int, list[str]] = {}
    for rel in changed:
        by_rank.setdefault(_rank(rel)[0], []).append(rel)
    phases += [sorted(by_rank[r]) for r in sorted(by_rank)]
    return [p for p in phases if p]


def local_files(folder: Path) -> dict[str, str]:
    """key (``/``-separated path) → file path, for every file of ``folder``."""
    out: dict[str, str] = {}
    base = len(str(folder)) + 1
    for path, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            full = os.path.join(path, name)
            rel = full[base:].replace(os.sep, "/")
            if name in SKIP or name.startswith("."):
                continue
            out[rel] = full
    return out


def md5_of(path: str) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make_client(target: TargetConfig) -> Any:
    """A boto3 S3 client for the target (retrying transient errors itself)."""
    try:
        import boto3
        from botocore.config import Config as BotoConfig
    except ImportError:  # pragma: no cover - boto3 is a dependency
        raise PublishError("object storage needs boto3 (pip install boto3)") from None
    session = boto3.session.Session(profile_name=target.profile or None)
    config = BotoConfig(
        retries={"mode": "standard", "max_attempts": ATTEMPTS},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=UPLOAD_THREADS * 2,
        s3={"addressing_style": "path"} if target.endpoint_url else None,
    )
    return session.client(
        "s3",
        endpoint_url=target.endpoint_url or None,
        region_name=target.region or None,
        config=config,
    )


def _remote(client: Any, bucket: str, prefix: str) -> dict[str, str]:
    """key → ETag (unquoted) of every object under ``prefix``."""
    out: dict[str, str] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", ()):
            out[obj["Key"]] = obj.get("ETag", "").strip('"')
    return out


def _identity(target: TargetConfig, prefix: str) -> list[str]:
    return [target.endpoint_url, target.region, target.bucket, prefix]


Record = dict[str, list[Any]]  # file (key without the prefix) → [MD5, size, mtime_ns]


def _load_record(
    record: Path | None, target: TargetConfig, prefix: str, now: float
) -> tuple[Record, float] | None:
    """(what the last sync left in the bucket, when the bucket was last listed), when the
    record can stand in for a listing."""
    if record is None or target.verify_hours <= 0:
        return None
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("identity") != _identity(target, prefix):
        return None
    listed = float(data.get("listed_at", 0))
    if not 0 <= now - listed < target.verify_hours * 3600 or not isinstance(
        data.get("files"), dict
    ):
        return None
    return data["files"], listed


def _save_record(
    record: Path | None, target: TargetConfig, prefix: str, files: Record, listed: float
) -> None:
    if record is None:
        return
    write_atomic(
        record,
        json.dumps(
            {"identity": _identity(target, prefix), "listed_at": listed, "files": files},
            ensure_ascii=False,
        ).encode("utf-8"),
    )


def _digest(path: str, known: list[Any] | None) -> list[Any]:
    """[MD5, size, mtime_ns] of a file; the MD5 of the last sync when the file has the
    size and mtime it had then (the site writer rewrites only files whose bytes change,
    so an untouched file is the same file; a listing run hashes every file anew)."""
    st = os.stat(path)
    if known is not None and known[1] == st.st_size and known[2] == st.st_mtime_ns:
        return known
    return [md5_of(path), st.st_size, st.st_mtime_ns]


def _digest_many(jobs: list[tuple[str, list[Any] | None]]) -> list[list[Any]]:
    return [_digest(path, known) for path, known in jobs]


def _digests(pool: ThreadPoolExecutor, files: dict[str, str], last: Record) -> Record:
    """:func:`_digest` of every file, in chunks across the threads (a future per file
    would cost more memory than the files' records: 220,000 of them)."""
    names = list(files)
    chunks = [
        [(files[rel], last.get(rel)) for rel in names[i : i + 1000]]
        for i in range(0, len(names), 1000)
    ]
    out: Record = {}
    for start, done in zip(range(0, len(names), 1000), pool.map(_digest_many, chunks), strict=True):
        out.update(zip(names[start : start + 1000], done, strict=True))
    return out


def sync_folder(
    folder: Path,
    target: TargetConfig,
    *,
    client: Any = None,
    record: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> S3Result:
    """Make ``bucket/prefix`` hold exactly the files of ``folder`` (see the module);
    ``record`` is the file that remembers what the bucket holds between syncs."""
    try:
        return _sync(folder, target, client, record, progress)
    except BaseException:
        if record is not None:
            record.unlink(missing_ok=True)  # unsure what went out: list the bucket next time
        raise


def _sync(
    folder: Path,
    target: TargetConfig,
    client: Any,
    record: Path | None,
    progress: Callable[[str, int, int], None] | None,
) -> S3Result:
    from botocore.exceptions import BotoCoreError, ClientError

    if not folder.is_dir():
        raise PublishError(f"{folder}: nothing to upload (no such folder)")
    client = client or make_client(target)
    prefix = target.prefix.strip("/") + "/" if target.prefix.strip("/") else ""
    now = time.time()
    try:
        known = _load_record(record, target, prefix, now)
        if known is not None:
            last, listed_at = known
            remote = {prefix + rel: entry[0] for rel, entry in last.items()}
        else:
            last, listed_at, remote = {}, now, _remote(client, target.bucket, prefix)
        files = local_files(folder)
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            entries = _digests(pool, files, last)
            digests = {rel: entry[0] for rel, entry in entries.items()}
            new = [rel for rel in files if prefix + rel not in remote]
            changed = [
                rel
                for rel in files
                if prefix + rel in remote and remote[prefix + rel] != digests[rel]
            ]
            stale = sorted(key for key in remote if key[len(prefix) :] not in files)
            sent = 0
            done = 0
            total = len(new) + len(changed)
            for phase in upload_order(new, changed):

                def put(rel: str) -> int:
                    return _put(client, target, prefix, rel, files[rel], digests[rel])

                for size in pool.map(put, phase):
                    sent += size
                    done += 1
                    if progress:
                        progress("upload", done, total)
        for start in range(0, len(stale), 1000):  # the API's batch size
            chunk = stale[start : start + 1000]
            answer = client.delete_objects(
                Bucket=target.bucket,
                Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True},
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise PublishError(
                    f"s3://{target.bucket}: deleting {first.get('Key')} failed: "
                    f"{first.get('Message') or first.get('Code')}"
                )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise PublishError(
            f"s3://{target.bucket}/{prefix}: {error.get('Code', '')} "
            f"{error.get('Message', '') or exc}".strip()
        ) from None
    except BotoCoreError as exc:
        raise PublishError(f"s3://{target.bucket}/{prefix}: {exc}") from None
    _save_record(record, target, prefix, entries, listed_at)
    return S3Result(
        target.bucket,
        prefix,
        len(new),
        len(changed),
        len(stale),
        len(files) - len(new) - len(changed),
        sent,
        listed=known is None,
    )


def _put(client: Any, target: TargetConfig, prefix: str, rel: str, path: str, md5_hex: str) -> int:
    with open(path, "rb") as fh:
        data = fh.read()
    # Content-MD5: the server checks that the bytes arrived whole (and rejects them if not)
    client.put_object(
        Bucket=target.bucket,
        Key=prefix + rel,
        Body=data,
        ContentType=content_type(rel),
        CacheControl=cache_control(rel, target.content),
        ContentMD5=base64.b64encode(bytes.fromhex(md5_hex)).decode(),
    )
    return len(data)
