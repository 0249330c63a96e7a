"""Writing the site: only changed bytes reach the disk, stale files are removed.

The manifest (``.newsvault/site/manifest.pickle``) maps each output path to the digest of
its inputs at the last build; it is a cache like the rest of ``.newsvault/``. A page
whose inputs changed is rendered and compared with the file on disk, which is rewritten
only when its bytes differ (unchanged files keep their mtime, so rsync-style publishing
skips them).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from newsvault.errors import BuildError
from newsvault.fsutil import write_atomic

MANIFEST_VERSION = 5  # 5: pages link to each other relatively
Manifest = dict[str, str]  # output path → digest of the page's inputs


def load_manifest(file: Path) -> Manifest:
    try:
        data = pickle.loads(file.read_bytes())
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, TypeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def save_manifest(file: Path, files: Manifest) -> None:
    write_atomic(
        file,
        pickle.dumps(
            {"version": MANIFEST_VERSION, "files": files}, protocol=pickle.HIGHEST_PROTOCOL
        ),
    )


def target(root: Path, rel: str) -> Path:
    """``root/rel``, refusing anything that would land outside ``root``."""
    return Path(_target(str(root), rel))


def _target(root: str, rel: str) -> str:
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise BuildError(f"refusing to write {rel!r} outside the site folder {root}")
    return os.path.join(root, *parts)


class OutputSpace:
    """The output paths taken so far, and the folders they make: a new path is free when
    it is neither taken nor a folder of one, and no folder of it is a taken file (a post
    at ``/d/`` writes ``d/index.html``; one at ``/d/index.html/`` would need
    ``d/index.html`` to be a folder)."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.dirs: set[str] = set()

    def free(self, out: str) -> bool:
        if out in self.files or out in self.dirs:
            return False
        cut = out.rfind("/")
        while cut > 0:
            if out[:cut] in self.files:
                return False
            cut = out.rfind("/", 0, cut)
        return True

    def take(self, out: str) -> None:
        self.files.add(out)
        cut = out.rfind("/")
        while cut > 0 and out[:cut] not in self.dirs:
            self.dirs.add(out[:cut])
            cut = out.rfind("/", 0, cut)


def check_outputs(outs: list[str]) -> None:
    """Refuse a site where two pages need one output path (or one would be inside the
    other): one would silently replace the other, or the build would fail half-way."""
    space = OutputSpace()
    for out in outs:
        if not space.free(out):
            other = (
                out
                if out in space.files
                else next(
                    (f for f in space.files if f.startswith(out + "/") or out.startswith(f + "/")),
                    out,
                )
            )
            raise BuildError(
                f"two pages of the site need the output path {out!r} "
                f"(clashes with {other!r}); rename one of them"
            )
        space.take(out)


def write_if_changed(root: Path, rel: str, data: bytes | list[bytes]) -> bool:
    """Write ``data`` (bytes, or a list of parts written one after the other) unless the
    file already holds exactly these bytes; True if written.

    Parts spare joining them: a feed is 100 stored entries, 2 MB, and comparing and
    writing them part by part costs a quarter of joining them first. An existing file is
    rewritten in place (write, then cut to length) rather than truncated first: on a file
    system that discards freed blocks, as this VM's ext4 does, that costs a tenth for a
    2 MB feed. (A crash mid-write leaves a mixed file, as truncating leaves a short one;
    either way the manifest still holds the old digest, so the next build rewrites it.)
    Plain string paths: this runs once per page, and pathlib costs a tenth of it."""
    path = _target(str(root), rel)
    parts = [data] if isinstance(data, bytes) else data
    try:
        fh = open(path, "r+b")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as new:
            new.writelines(parts)
        return True
    except NotADirectoryError as exc:
        raise BuildError(f"cannot write {rel!r}: a parent is a file ({exc})") from None
    except OSError as exc:  # a folder in the way, no permission, a full disk
        raise BuildError(f"cannot write {rel!r} in {root}: {exc.strerror or exc}") from None
    with fh:
        if os.fstat(fh.fileno()).st_size == sum(map(len, parts)) and all(
            fh.read(len(p)) == p for p in parts
        ):
            return False
        fh.seek(0)
        fh.writelines(parts)
        fh.truncate()
    return True


def remove_stale(root: Path, stale: list[str]) -> int:
    """Delete files the site no longer has, and folders left empty by that."""
    removed = 0
    for rel in stale:
        path = target(root, rel)
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        parent = path.parent
        while parent != root:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
    return removed
