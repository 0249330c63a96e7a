"""The provenance record: where each archived article came from, committed with the posts.

``_provenance/YYYY-MM.jsonl`` in the vault, one JSON object per line, one line per
archived article, in the file of the month (UTC) it was first seen. See
``docs/provenance.md`` for the format; in short::

    {
        "v": 2,
        "seen": "2024-05-01T08:00:00Z",
        "post": "_posts/2024-05-01-Title.md",
        "link": "https://example.com/a",
        "feed": "https://example.com/feed.xml",
        "guid": "123",
        "sha256": "…",
        "body_sha256": "…",
        "source": "feed",
        "newsvault": "0.1.0",
    }

It is what dedup needs that the post files do not hold (the guid, and the feed that
scopes it), so a fresh checkout — a CI runner without ``.newsvault/`` — rebuilds an
index that still knows every guid and never archives an article twice. It lives in
git, not in ``.newsvault/`` (a cache), and keeps post files byte-identical to the
reference format.

Rules that keep it trustworthy and merge-friendly:

- append-only: a line once written is never changed; newer facts are new lines;
- one line is one complete object; a torn last line (a crash while appending) is
  ignored when read and never continued (the next append starts a new line);
- lines of different runs are independent, so two runs appending to the same month
  merge with git's ``union`` driver (``.gitattributes``) or by keeping both sides'
  lines, which the publish step does itself on a rebase;
- readers ignore keys they do not know and keep them; ``v`` is the version of the
  line's own format (a later one may add keys, never change a key's meaning);
- posts archived before the record existed (or added by hand, imported, adopted) get
  a line with ``"reconstructed": true``, made from the post file: ``seen`` is then the
  post's own date, and ``feed``/``guid`` are null (the file does not say).
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from newsvault.fsutil import append_lines, write_atomic

__all__ = ["FOLDER", "VERSION", "Record", "append", "read_file", "month_files", "read_months"]

T = TypeVar("T")

FOLDER = "_provenance"
VERSION = 2  # 2: final_url, status, sha256, body_sha256, source, newsvault (issue 14)
SUFFIX = ".jsonl"
SOURCES = ("feed", "fulltext", "selector")  # where an archived body came from
_KNOWN = (
    "v",
    "seen",
    "post",
    "link",
    "feed",
    "guid",
    "reconstructed",
    "final_url",
    "status",
    "sha256",
    "body_sha256",
    "source",
    "newsvault",
)
# What json.dumps(data, ensure_ascii=..., separators=(",", ":")) makes, without building
# an encoder for every line (one per post written).
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_COMPACT_ASCII = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True)
class Record:
    """One line: an article archived as ``post`` (vault-relative), first seen at ``seen``."""

    post: str
    link: str
    seen: datetime
    feed: str | None = None
    guid: str | None = None  # as the feed gave it (not the dedup key: see identity.guid_key)
    reconstructed: bool = False
    # version 2 (null when unknown: reconstructed lines, and every version-1 line)
    final_url: str | None = None  # the link's URL after redirects, when the page was fetched
    status: int | None = None  # that page's HTTP status
    sha256: str | None = None  # of the post file as first written
    body_sha256: str | None = None  # of the archived body (the post's content HTML, UTF-8)
    source: str | None = None  # "feed" | "fulltext" | "selector" (SOURCES)
    newsvault: str | None = None  # the version of newsvault that archived it
    version: int = VERSION  # the line's "v" (1 for lines read from version-1 files)
    extra: dict[str, Any] = field(default_factory=dict)  # keys of later versions, kept

    def to_line(self) -> str:
        data: dict[str, Any] = {
            "v": VERSION,
            "seen": stamp(self.seen),
            "post": self.post,
            "link": self.link,
            "feed": self.feed,
            "guid": self.guid,
        }
        if self.reconstructed:
            data["reconstructed"] = True
        for key in ("final_url", "status", "sha256", "body_sha256", "source", "newsvault"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        data.update({k: v for k, v in self.extra.items() if k not in data})
        line = _COMPACT.encode(data) + "\n"
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JSON's \u escape keeps it exactly
            line = _COMPACT_ASCII.encode(data) + "\n"
        return line

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record | None:
        post, link, seen = data.get("post"), data.get("link"), data.get("seen")
        if not isinstance(post, str) or not isinstance(link, str) or not isinstance(seen, str):
            return None
        try:
            when = datetime.fromisoformat(seen.replace("Z", "+00:00"))
        except ValueError:
            return None
        version = data.get("v")
        return cls(
            post=post,
            link=link,
            seen=when,
            feed=_text(data, "feed"),
            guid=_text(data, "guid"),
            reconstructed=data.get("reconstructed") is True,
            final_url=_text(data, "final_url"),
            status=_int(data, "status"),
            sha256=_text(data, "sha256"),
            body_sha256=_text(data, "body_sha256"),
            source=_text(data, "source"),
            newsvault=_text(data, "newsvault"),
            version=version if isinstance(version, int) and not isinstance(version, bool) else 1,
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@lru_cache(maxsize=64)  # a run stamps its records with one time
def stamp(when: datetime) -> str:
    """UTC, to the second, with a ``Z``: the same instant is always the same text."""
    utc = when.astimezone(timezone.utc) if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def month_file(folder: Path, seen: datetime) -> Path:
    utc = seen.astimezone(timezone.utc) if seen.tzinfo else seen
    return folder / f"{utc.year:04d}-{utc.month:02d}{SUFFIX}"


def month_files(folder: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [folder / n for n in names if n.endswith(SUFFIX) and not n.startswith(".")]


def read_months(
    folder: Path, read: Callable[[Path], T], cache: Path | None = None, version: int = 1
) -> list[T]:
    """``read(file)`` of each month file of ``folder`` (this record's or ``_evidence/``'s),
    oldest first. With ``cache`` (a file in ``.newsvault/``) the results are kept there by
    each file's size and mtime: an hourly build reads again only the month that grew.
    ``version`` names what ``read`` makes; a cache of another version is not used."""
    old: dict[str, tuple[int, int, T]] = {}
    if cache is not None:
        try:
            kept_version, kept = pickle.loads(cache.read_bytes())
            if kept_version == version and isinstance(kept, dict):
                old = kept
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            pass
    fresh: dict[str, tuple[int, int, T]] = {}
    for path in month_files(folder):
        st = path.stat()
        hit = old.get(path.name)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            fresh[path.name] = hit
        else:
            fresh[path.name] = (st.st_size, st.st_mtime_ns, read(path))
    if cache is not None and fresh != old:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cache, pickle.dumps((version, fresh), pickle.HIGHEST_PROTOCOL))
    return [value for _, _, value in fresh.values()]


def append(folder: Path, records: Iterable[Record], *, fsync: bool = True) -> list[Path]:
    """Append ``records`` to their month files; returns the files written."""
    by_file: dict[Path, list[str]] = {}
    for record in records:
        by_file.setdefault(month_file(folder, record.seen), []).append(record.to_line())
    if by_file:
        folder.mkdir(parents=True, exist_ok=True)
    for path, lines in by_file.items():
        append_lines(path, "".join(lines).encode("utf-8"), fsync=fsync)
    return list(by_file)


def read_file(path: Path) -> Iterator[Record]:
    """The records of one file; lines that are not a complete record are skipped (a torn
    last line, a merge marker someone left): the record is evidence, never guessed."""
    try:
        data = path.read_bytes()
    except OSError:
        return
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        record = Record.from_json(value) if isinstance(value, dict) else None
        if record is not None:
            yield record
