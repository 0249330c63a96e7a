"""Commands of the archive stage: check, init, import (registered on newsvault.cli.cli)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newsvault.archive.checker import check_archive
from newsvault.archive.importer import import_archive
from newsvault.cli import cli
from newsvault.cli.common import Options, vault_options
from newsvault.errors import UsageError
from newsvault.init import init_vault
from newsvault.vault import Vault


def _shown(name: str) -> str:
    """A file name safe to print on a terminal (control characters as \\xNN)."""
    return "".join(
        f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in name
    )


@cli.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@vault_options
def check_cmd(opts: Options, path: Path | None) -> None:
    """Validate an archive: every post parses; say what is wrong with each.

    PATH is a vault, a _posts folder or one post (default: the vault's _posts/).
    Exit status 1 when any post is broken.
    """
    if path is None:
        path = Vault(opts.vault).root
        if not Vault(path).posts_dir.is_dir():
            raise UsageError(
                f"{opts.vault.resolve()} has no _posts/ folder: not a vault "
                "(give a PATH, or run `newsvault init`)"
            )
    report = check_archive(path)
    if opts.json:
        opts.emit_json(report.to_json())
    else:
        for item in report.reports:
            kind = "BROKEN " if item.broken else "warning"
            text = "; ".join(p.message for p in item.problems)
            opts.say(f"{kind} {_shown(item.name or item.path.name)}: {text}")
        opts.say(
            f"{report.posts} posts: {report.ok} ok, {report.warnings} with warnings, "
            f"{report.broken} broken ({report.folder})"
        )
    sys.exit(1 if report.broken else 0)


@cli.command("init")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@vault_options
def init_cmd(opts: Options, directory: Path | None) -> None:
    """Create a vault in DIRECTORY (default: --vault), or adopt an existing _posts/ archive.

    Existing files are never overwritten.
    """
    report = init_vault(directory if directory is not None else opts.vault)
    if opts.json:
        opts.emit_json(report.to_json())
        return
    for name in report.created:
        opts.say(f"created {name}")
    for name in report.kept:
        opts.say(f"kept    {name} (already there)")
    if report.git_initialized:
        opts.say("initialized a git repository (the archive's history)")
    for note in report.notes:
        opts.warn(f"note: {note}")
    what = "adopted the existing archive" if report.adopted else "new vault"
    opts.say(f"{what} {report.root}: {report.posts} posts indexed")


@cli.command("import")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@vault_options
def import_cmd(opts: Options, source: Path) -> None:
    """Copy the posts of another archive (a vault or a _posts folder) into this vault.

    Articles already archived (same link) are skipped; nothing is overwritten; posts that
    cannot be read are listed and left out.
    """
    from newsvault.config import load_config

    vault = opts.existing_vault()
    report = import_archive(vault, source, layout=load_config(vault.root).archive.layout)
    if opts.json:
        opts.emit_json(report.to_json())
        return
    if opts.verbosity > 0:
        for name in report.copied:
            opts.say(f"copied  {name}")
        for name in report.skipped:
            opts.say(f"skipped {name} (already archived)")
    for name, why in report.broken:
        opts.warn(f"not imported {name}: {why}")
    opts.say(
        f"{len(report.copied)} copied, {len(report.skipped)} skipped (already archived), "
        f"{len(report.broken)} broken (not imported)"
    )


@cli.command("migrate-layout")
@click.argument(
    "layout", required=False, default="year", type=click.Choice(["flat", "year", "year/month"])
)
@click.option("--dry-run", is_flag=True, help="Only say what would move.")
@vault_options
def migrate_layout_cmd(opts: Options, layout: str, dry_run: bool) -> None:
    """Move the posts of _posts/ into LAYOUT's folders (default: year), in one commit.

    Permalinks stay the same (Jekyll makes no category of a folder inside _posts/);
    [archive] layout in newsvault.toml is set, so new posts follow. In a git repository
    _posts/ must have no uncommitted changes first.
    """
    from newsvault.archive.migrate import migrate_layout, plan_moves

    vault = opts.existing_vault()
    if dry_run:
        total, moves = plan_moves(vault, layout)
        if opts.json:
            opts.emit_json(
                {
                    "layout": layout,
                    "posts": total,
                    "moved": len(moves),
                    "moves": [{"from": a, "to": b} for a, b in moves],
                }
            )
            return
        for old, new in moves if opts.verbosity > 0 else ():
            opts.say(f"{_shown(old)} -> {_shown(new)}")
        opts.say(f"would move {len(moves)} of {total} posts into the {layout} layout")
        return
    report = migrate_layout(vault, layout, now=opts.now)  # takes the vault lock
    if opts.json:
        opts.emit_json(report.to_json())
        return
    opts.say(
        f"moved {len(report.moved)} of {report.posts} posts into the {layout} layout"
        + (f"; committed {report.commit[:10]}" if report.commit else "")
        + ("; [archive] layout set in newsvault.toml" if report.config_changed else "")
    )
