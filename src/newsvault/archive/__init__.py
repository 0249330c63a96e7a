"""The archive stage: posts on disk (``_posts/``) and the index that caches their keys.

    Article ──render_post──► post text ──write_post──► _posts/YYYY-MM-DD-NAME.md
    _posts/…md ──read_post──► Post (Article + problems)      Index: knows(link, guid)

Public API (other stages import from here). The names load on first use: importing one
submodule (the site build reads posts with ``archive.posts``) must not import the
checker, the importer and the index with it.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "CheckReport": "checker",
    "check_archive": "checker",
    "normalize_link": "identity",
    "ImportReport": "importer",
    "import_archive": "importer",
    "Index": "index",
    "SyncReport": "index",
    "post_filename": "naming",
    "with_suffix": "naming",
    "normalize_title": "fields",
    "parse_post": "posts",
    "read_post": "posts",
    "render_post": "posts",
    "Saved": "store",
    "save_post": "store",
    "write_post": "store",
}

__all__ = sorted(_HOMES)  # noqa: PLE0605 - the lazy table above is the one list of names


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
