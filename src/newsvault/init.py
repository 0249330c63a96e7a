"""``newsvault init``: create a vault, or adopt a folder the older system left behind.

Never overwrites a file. The files a new vault gets are the :data:`VAULT_FILES` table:
(path relative to the vault, function of the vault giving the text). Other stages add
theirs (``.gitignore``, a README, a CI workflow) with :func:`register_vault_file`;
parent folders are created as needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsvault.archive.files import post_files
from newsvault.archive.index import Index, SyncReport
from newsvault.archive.jekyllsite import Adopted, adopt_jekyll_config
from newsvault.archive.layout import DEFAULT_NEW_VAULT
from newsvault.config import config_template
from newsvault.errors import ArchiveError
from newsvault.publish.gitcli import is_repository_root
from newsvault.scaffold import scaffold_vault, template_text
from newsvault.vault import Vault

__all__ = ["InitReport", "init_vault", "default_config_text", "VAULT_FILES", "register_vault_file"]

FLAT_NOTE_FROM = 2_400  # 80% of GitHub's recommended 3,000 entries per folder


@dataclass
class InitReport:
    root: Path
    created: list[str] = field(default_factory=list)  # relative paths written
    kept: list[str] = field(default_factory=list)  # existing files left alone
    adopted: bool = False  # the folder already had _posts/ (and maybe subs.json)
    posts: int = 0
    index: SyncReport | None = None
    notes: list[str] = field(default_factory=list)  # e.g. an old workflow that also commits
    git_initialized: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "vault": str(self.root),
            "created": self.created,
            "kept": self.kept,
            "adopted": self.adopted,
            "posts": self.posts,
            "notes": self.notes,
            "git_initialized": self.git_initialized,
        }


def default_config_text() -> str:
    """A ``newsvault.toml`` with every setting of ``config.py`` commented out at its
    default, each with its help (:func:`newsvault.config.config_template`)."""
    return config_template()


def config_text(
    *, commit: bool, layout: str = DEFAULT_NEW_VAULT, adopted: Adopted | None = None
) -> str:
    """The commented defaults with ``[archive] layout`` set; in a git repository,
    committing new posts is switched on (the hourly workflow relies on it). An adopted
    Jekyll site's settings and old URLs (archive/jekyllsite.py) are set in ``[site]`` and
    ``[legacy]``."""
    values: dict[str, dict[str, object]] = {"archive": {"layout": layout}}
    notes = {}
    if adopted is not None:
        values.update(
            {
                name: dict(given)
                for name, given in (("site", adopted.site), ("legacy", adopted.legacy))
                if given
            }
        )
        notes = {key: "from _config.yml" for key in adopted.site}
        notes.update({key: "the old site's URLs (docs/adopting.md)" for key in adopted.legacy})
    if commit:
        values["publish"] = {"git": True}
    return config_template(
        values,
        notes={
            **notes,
            "layout": "`newsvault migrate-layout` moves the posts to another layout",
            "git": "the hourly workflow relies on it",
        },
    )


def subs_text(vault: Vault) -> str:
    """A new vault gets the example subscriptions; an adopted archive (it has posts)
    starts with none: it must not mirror sources its owner never chose."""
    if post_files(vault.root):
        return "[]\n"
    return template_text("subs.json")


VAULT_FILES: list[tuple[str, Callable[[Vault], str]]] = [
    # After scaffold_vault's `git init`: committing is on when the vault is a repository
    # of its own (never when it is a folder inside some other project's repository).
    (
        "newsvault.toml",
        lambda vault: config_text(
            commit=is_repository_root(vault.root),
            layout=_layout_for(vault),
            adopted=adopt_jekyll_config(vault.root),
        ),
    ),
    ("subs.json", subs_text),
]


def _layout_for(vault: Vault) -> str:
    """A new vault gets year folders. An adopted archive keeps the layout it has: init
    never moves posts, and new posts in year folders beside thousands of old ones at the
    top would leave the big folder as big and the archive in two layouts; ``init`` says
    when the top folder is near the hosts' limit, and ``migrate-layout`` moves it in one
    commit when its keeper decides."""
    from newsvault.archive.migrate import detect_layout

    return detect_layout(vault) if post_files(vault.root) else DEFAULT_NEW_VAULT


def register_vault_file(relpath: str, text: Callable[[Vault], str]) -> None:
    """Have ``init`` create ``relpath`` (when missing) with ``text(vault)``."""
    VAULT_FILES[:] = [(p, t) for p, t in VAULT_FILES if p != relpath] + [(relpath, text)]


def _create(path: Path, text: str, report: InitReport) -> None:
    rel = path.relative_to(report.root).as_posix()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except FileExistsError:
        report.kept.append(rel)
        return
    except OSError as exc:
        raise ArchiveError(f"cannot create {path}: {exc.strerror}", path=path) from exc
    report.created.append(rel)


def init_vault(root: Path) -> InitReport:
    """Create ``root`` as a vault (missing files only), then index its ``_posts/``."""
    vault = Vault(root)
    report = InitReport(root=root)
    report.adopted = vault.posts_dir.is_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not report.adopted:
            vault.posts_dir.mkdir()
            report.created.append("_posts/")
    except OSError as exc:
        raise ArchiveError(f"cannot create the vault {root}: {exc.strerror}", path=root) from exc
    # The automation files (.gitignore, README, workflow) and `git init`: see
    # newsvault.scaffold. Existing files are kept; a .gitignore gains missing lines.
    scaffold = scaffold_vault(root, examples=False)
    report.created += [p for p in scaffold.written if p not in report.created]
    report.kept += list(scaffold.kept)
    report.notes += list(scaffold.notes)
    report.git_initialized = scaffold.git_initialized
    for relpath, text in VAULT_FILES:
        _create(root / relpath, text(vault), report)
    adopted = adopt_jekyll_config(root) if "newsvault.toml" in report.created else None
    report.notes += adopted.notes if adopted else []
    with Index.open(vault) as index:
        report.index = index.last_sync
        report.posts = index.count()
    top = sum(1 for _ in os.scandir(vault.posts_dir)) if vault.posts_dir.is_dir() else 0
    if top >= FLAT_NOTE_FROM:
        report.notes.append(
            f"_posts/ holds {top:,} entries in one folder (GitHub recommends at most "
            "3,000 per folder); `newsvault migrate-layout year` moves the posts into "
            "year folders in one commit, with every permalink unchanged"
        )
    return report
