"""Writing posts safely: atomic, never outside ``_posts/``, never twice.

A post is written to a hidden temporary file in the same folder, flushed to disk, then
hard-linked to its final name, which fails instead of overwriting when another writer
got there first (``os.replace`` is the fallback on file systems without hard links).
A crash at any point leaves either the whole post or nothing (and at worst a hidden
``.*.tmp`` file, which Jekyll ignores and the next write cleans up).
"""

from __future__ import annotations

import errno
import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsvault.archive.identity import normalize_link
from newsvault.archive.layout import other_folders, post_folder
from newsvault.archive.naming import post_filename, with_suffix
from newsvault.archive.posts import render_post
from newsvault.errors import ArchiveError
from newsvault.fsutil import temp_prefix
from newsvault.models import Article

__all__ = ["write_post", "save_post", "save_bytes", "Saved", "Names", "link_of_file", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".tmp"
_FROM = re.compile(rb"^from:[ \t]*(.*?)[ \t]*$", re.M)


@dataclass(frozen=True)
class Saved:
    path: Path
    written: bool  # False: the very same article was already there
    data: bytes | None = None  # what was written (when ``written``): no need to read it back
    suffix: int = 1  # the -N of the name (1: the plain name)


def link_of_file(path: Path) -> str | None:
    """The normalized ``from:`` link of an existing post (cheap: front matter only)."""
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError:
        return None
    end = head.find(b"\n---", 4)
    m = _FROM.search(head, 0, end if end > 0 else len(head))
    if not m:
        return None
    raw = m.group(1).decode("utf-8", "replace").strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        from newsvault.archive.yaml_scalars import load_yaml

        try:
            raw = str(load_yaml("v: " + raw)["v"])  # type: ignore[index]
        except Exception:  # noqa: BLE001 - a broken neighbour is just "not the same"
            raw = raw[1:-1]
    return normalize_link(raw)


def _write_temp(folder: Path, name: str, data: bytes, fsync: bool) -> Path:
    temp = folder / f"{temp_prefix(name)}{os.getpid()}{TEMP_SUFFIX}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    return temp


def _publish(temp: Path, final: Path) -> bool:
    """Give ``temp`` the name ``final`` unless taken; True on success."""
    try:
        os.link(temp, final)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        if final.exists():
            return False
        os.replace(temp, final)
        return True
    temp.unlink()
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_post(
    posts_dir: Path,
    article: Article,
    *,
    fsync: bool = True,
    after_temp: Callable[[Path], None] | None = None,
    layout: str = "flat",
    names: Names | None = None,
) -> Saved:
    """Write ``article`` into ``posts_dir`` (the folder ``layout`` gives: ``_posts/2021/``
    for ``year``) under its name (``-2``, ``-3``… when taken).

    ``after_temp`` is called with the temporary file once it is written (tests inject
    failures there). If the very same article (same normalized link) already has the
    name, nothing is written. ``names`` (one per run) remembers how far each name's
    suffixes are taken, so that many posts of one name cost one look each.
    """
    data = render_post(article).encode("utf-8")
    name = post_filename(article)
    return save_bytes(
        post_folder(posts_dir, name, layout),
        name,
        data,
        normalize_link(article.link),
        fsync=fsync,
        after_temp=after_temp,
        elsewhere=other_folders(posts_dir, name, layout),
        names=names,
    )


class Names:
    """The first ``-N`` not yet known to be taken, per name, for one writer's run.

    Without it, the n-th post of one name looks at the n-1 names before it (and reads
    each one's link): 2,000 posts of one name took 51 s. With it, each name's taken
    suffixes are walked once per run. Only this writer adds posts (the vault lock), and
    a name once taken stays taken, so a remembered suffix never skips a free name."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def start(self, base: str) -> int:
        return self._next.get(base, 1)

    def taken(self, base: str, n: int) -> None:
        self._next[base] = max(self._next.get(base, 1), n + 1)


def save_bytes(
    posts_dir: Path,
    base: str,
    data: bytes,
    key: str,
    *,
    fsync: bool = True,
    after_temp: Callable[[Path], None] | None = None,
    elsewhere: tuple[Path, ...] = (),
    names: Names | None = None,
) -> Saved:
    """Atomically store ``data`` as ``base`` (or ``base-2``…) unless that article is there.

    ``key`` is the normalized link; a file under one of the names with the same key, or
    with exactly the same bytes, counts as "already there". A name is also taken when a
    file has it in one of the ``elsewhere`` folders (see ``layout.other_folders``). There
    is no limit on the suffix: a name used a million times is a hostile feed's problem,
    not a failed run.
    """
    if not os.path.isdir(posts_dir):  # one stat per post, not a failed mkdir
        posts_dir.mkdir(parents=True, exist_ok=True)
    temp: Path | None = None
    start = names.start(base) if names is not None else 1
    try:
        for n in itertools.count(start):
            final = posts_dir / with_suffix(base, n)
            if final.parent != posts_dir or final.name in ("", ".", ".."):
                raise ArchiveError(f"refusing to write {final}: outside {posts_dir}", path=final)
            taken = [p for p in (final, *(f / final.name for f in elsewhere)) if _exists(p)]
            if taken:
                same = [
                    p for p in taken if (key and link_of_file(p) == key) or _same_bytes(p, data)
                ]
                if same:
                    return Saved(same[0], False, suffix=n)
                if names is not None:
                    names.taken(base, n)
                continue
            if temp is None:
                temp = _write_temp(posts_dir, base, data, fsync)
                if after_temp is not None:
                    after_temp(temp)
            if _publish(temp, final):
                temp = None
                if fsync:
                    _fsync_dir(posts_dir)
                if names is not None:
                    names.taken(base, n)
                return Saved(final, True, data, n)
        raise AssertionError("unreachable")  # itertools.count never ends
    except OSError as exc:
        raise ArchiveError(
            f"cannot write {base} in {posts_dir}: {exc.strerror or exc}", path=posts_dir / base
        ) from exc
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _exists(path: Path) -> bool:
    """``path.exists()``, the same errors meaning "absent", at a third of its cost when
    the file is absent (the usual case: three looks per post written)."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno in _ABSENT:
            return False
        raise
    except ValueError:
        return False
    return True


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def write_post(
    posts_dir: Path,
    article: Article,
    *,
    fsync: bool = True,
    after_temp: Callable[[Path], None] | None = None,
) -> Path:
    """Write ``article`` atomically; returns its path (the existing one if already there)."""
    return save_post(posts_dir, article, fsync=fsync, after_temp=after_temp).path
