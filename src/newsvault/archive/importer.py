"""``newsvault import SRC``: copy the posts of another archive into this vault.

Posts are copied byte for byte (never rewritten). An article the vault already has (same
normalized link) is skipped; a name taken by a different article gets ``-2``…; posts that
cannot be read as posts (broken) are listed and left out, so the site keeps building.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsvault.archive.checker import list_posts
from newsvault.archive.identity import normalize_link
from newsvault.archive.index import Index
from newsvault.archive.layout import other_folders, post_folder
from newsvault.archive.posts import read_post
from newsvault.archive.store import save_bytes
from newsvault.errors import UsageError
from newsvault.lock import locked
from newsvault.vault import Vault

__all__ = ["ImportReport", "import_archive"]


@dataclass
class ImportReport:
    source: Path
    copied: list[str] = field(default_factory=list)  # paths as written in this vault
    skipped: list[str] = field(default_factory=list)  # source paths already archived
    broken: list[tuple[str, str]] = field(default_factory=list)  # (source path, why)

    def to_json(self) -> dict[str, object]:
        return {
            "source": str(self.source),
            "copied": len(self.copied),
            "skipped": len(self.skipped),
            "broken": len(self.broken),
            "copied_files": self.copied,
            "skipped_files": self.skipped,
            "broken_files": [{"file": f, "why": w} for f, w in self.broken],
        }


def import_archive(vault: Vault, source: Path, *, layout: str = "flat") -> ImportReport:
    """Copy every post of ``source`` (a vault or a bare posts folder) not yet in ``vault``,
    each into the folder ``layout`` gives it (the source's own folders do not matter).
    Holds the vault lock."""
    base, names = list_posts(source)
    own = vault.posts_dir.resolve()
    if (
        base.resolve() == vault.root.resolve()
        or base.resolve() == own
        or own in base.resolve().parents
    ):
        raise UsageError(f"{source} is this vault's own archive")
    report = ImportReport(source=source)
    with locked(vault, "newsvault import"), Index.open(vault) as index:
        for rel in names:
            path = base / rel
            post = read_post(path)
            if post.broken:
                why = "; ".join(p.message for p in post.problems if p.broken)
                report.broken.append((rel, why))
                continue
            key = normalize_link(post.article.link)
            if key and index.knows(key):
                report.skipped.append(rel)
                continue
            saved = save_bytes(
                post_folder(vault.posts_dir, path.name, layout),
                path.name,
                path.read_bytes(),
                key,
                elsewhere=other_folders(vault.posts_dir, path.name, layout),
            )
            if saved.written:
                index.add_file(saved.path)
                report.copied.append(index.name(saved.path))
            else:
                report.skipped.append(rel)
    return report
