"""The archive stage: posts on disk (``_posts/``) and the index that caches their keys.

    Article ──render_post──► post text ──write_post──► _posts/YYYY-MM-DD-NAME.md
    _posts/…md ──read_post──► Post (Article + problems)      Index: knows(link, guid)

Public API (other stages import from here):
"""

from newsvault.archive.checker import CheckReport, check_archive
from newsvault.archive.identity import normalize_link
from newsvault.archive.importer import ImportReport, import_archive
from newsvault.archive.index import Index, SyncReport
from newsvault.archive.naming import post_filename, with_suffix
from newsvault.archive.posts import normalize_title, parse_post, read_post, render_post
from newsvault.archive.store import Saved, save_post, write_post
from newsvault.archive.vaultinit import InitReport, init_vault

__all__ = [
    "CheckReport", "ImportReport", "Index", "InitReport", "Saved", "SyncReport",
    "check_archive", "import_archive", "init_vault", "normalize_link", "normalize_title",
    "parse_post", "post_filename", "read_post", "render_post", "save_post", "with_suffix",
    "write_post",
]
