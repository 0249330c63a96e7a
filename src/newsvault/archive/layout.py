"""Which folder of ``_posts/`` a post goes to: ``[archive] layout``.

``flat`` keeps every post in ``_posts/`` (the older system's layout); ``year`` puts
``2021-01-27-x.md`` in ``_posts/2021/`` and ``year/month`` in ``_posts/2021/01/``. Jekyll
reads posts from subfolders of ``_posts/`` and builds the same URL for them (the
folders inside ``_posts/`` are not categories), so the layout changes no permalink; it
keeps each folder under the hosts' limits (GitHub recommends at most 3,000 entries per
directory: a flat archive of ~290 posts a day passes that in ten days).

The folder follows from the date in the file name (the UTC date of the post, see
:mod:`~newsvault.archive.naming`), so writing a post, importing one and moving an
archive (:mod:`~newsvault.archive.migrate`) all agree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from newsvault.config import LAYOUTS  # the [archive] layout setting declares them

__all__ = ["LAYOUTS", "DEFAULT_NEW_VAULT", "folder_for", "post_folder", "other_folders"]

DEFAULT_NEW_VAULT = "year"  # what `newsvault init` writes for a new vault
_DATE = re.compile(r"(\d{2,4})-(\d{1,2})-\d{1,2}-")


def folder_for(name: str, layout: str) -> str:
    """The folder below ``_posts/`` for a post file named ``name``: ``""``, ``"2021"`` or
    ``"2021/01"``. A name without a date (not a post for Jekyll) stays at the top."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
    match = _DATE.match(name)
    if layout == "flat" or match is None:
        return ""
    year = match.group(1).zfill(4)
    return year if layout == "year" else f"{year}/{match.group(2).zfill(2)}"


def post_folder(posts_dir: Path, name: str, layout: str) -> Path:
    """The folder a post file named ``name`` is written to."""
    sub = folder_for(name, layout)
    return posts_dir / sub if sub else posts_dir


def other_folders(posts_dir: Path, name: str, layout: str) -> tuple[Path, ...]:
    """The folders other layouts would give a post named ``name``. A name taken in any of
    them is taken: Jekyll gives ``_posts/x.md`` and ``_posts/2021/x.md`` one URL, so in an
    archive of mixed layouts (a layout changed without ``migrate-layout``) a new post
    must not reuse a name from another folder."""
    mine = folder_for(name, layout)
    return _other_folders(posts_dir, mine, tuple(folder_for(name, other) for other in LAYOUTS))


@lru_cache(maxsize=256)  # asked once per post written: 30,000 times in a big first run
def _other_folders(posts_dir: Path, mine: str, subs: tuple[str, ...]) -> tuple[Path, ...]:
    return tuple(
        posts_dir / sub if sub else posts_dir for sub in dict.fromkeys(subs) if sub != mine
    )
