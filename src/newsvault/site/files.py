"""The files the site publishes as they are: the theme's static files, the vault's
``assets/`` and an adopted site's kept files (``[legacy] keep``).

Listing them (and their sizes and times, which key their pages) is reading the vault, done
by the builder (:mod:`newsvault.site.inputs`); the plan turns the listed files into pages
(:func:`file_page`), whose bytes are read only when they are written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from newsvault.site.pages import Page, digest
from newsvault.site.theme import STATIC


class SiteFile(NamedTuple):
    """A file as it was listed: its path and what its page's key is made of."""

    path: Path
    size: int
    mtime_ns: int


def site_file(path: Path) -> SiteFile:
    st = path.stat()
    return SiteFile(path, st.st_size, st.st_mtime_ns)


def read_file(path: Path) -> bytes:
    """A file's bytes, refusing a symbolic link put there since it was listed."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def file_page(rel: str, file: SiteFile) -> Page:
    """The page at ``rel`` that publishes ``file`` unchanged."""
    return Page(
        rel,
        digest("file", str(file.path), file.size, file.mtime_ns),
        lambda: read_file(file.path),
    )


def static_files() -> list[tuple[str, SiteFile]]:
    """The theme's static files, at ``theme/`` in the site."""
    return [
        ("theme/" + path.relative_to(STATIC).as_posix(), site_file(path))
        for path in sorted(STATIC.rglob("*"))
        if path.is_file()
    ]


def asset_files(root: Path, assets: Path, notes: list[str]) -> list[tuple[str, Path]]:
    """The vault's ``assets/`` files, hidden ones and symbolic links left out: a link
    committed into the archive (``evil.png -> /etc/passwd``) must not publish what it
    points at. Skipped links are listed in ``notes``."""
    found: list[tuple[str, Path]] = []
    if assets.is_symlink():
        notes.append("assets/ is a symbolic link: not published")
        return found
    for folder, dirs, files in os.walk(assets):  # never follows links to folders
        base = Path(folder)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                notes.append(f"skipped the symbolic link {(base / name).relative_to(root)}")
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (base / d).is_symlink())
        for name in sorted(files):
            path = base / name
            if name.startswith("."):
                continue
            if path.is_symlink():
                notes.append(f"skipped the symbolic link {path.relative_to(root)}")
            elif path.is_file():
                found.append((path.relative_to(assets).as_posix(), path))
    return sorted(found)


def kept_files(root: Path, rel: str) -> list[tuple[str, Path]]:
    """The files under ``rel`` (a file or a folder of the vault), symbolic links and
    hidden names left out: a link committed into the archive must not publish its target."""
    start = root / rel.strip("/")
    if start.is_symlink() or not start.exists():
        return []
    if start.is_file():
        return [(start.relative_to(root).as_posix(), start)]
    found = []
    for folder, dirs, files in os.walk(start):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (Path(folder) / d).is_symlink()
        )
        for name in sorted(files):
            path = Path(folder) / name
            if not name.startswith(".") and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found
