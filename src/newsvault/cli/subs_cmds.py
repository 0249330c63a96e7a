"""Commands that manage subs.json: add (many URLs, autodiscovery), import-opml, export-opml."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click

from newsvault.cli import cli
from newsvault.cli.common import Options, vault_options
from newsvault.config import load_config
from newsvault.models import IMAGE_MODES
from newsvault.subscribe import AddReport, add_feeds, import_opml
from newsvault.subscriptions import read_subs_file


@cli.command("add")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option(
    "--site",
    default=None,
    help="The source's name (tag and category of its posts); default: the feed's own title.",
)
@click.option(
    "--author", default=None, help="Author for every post of this feed (overrides the feed's)."
)
@click.option("--tag", "tags", multiple=True, help="Extra tag after the site name (repeatable).")
@click.option("--category", "categories", multiple=True, help="Extra category (repeatable).")
@click.option(
    "--images", type=click.Choice(IMAGE_MODES), default=None, help="Image mode for this feed."
)
@click.option(
    "--fulltext", default=None, metavar="auto|SELECTOR", help="Fetch each article's page."
)
@click.option(
    "--folder", default=None, metavar="PATH", help="Folder in OPML exports (e.g. News/Tech)."
)
@vault_options
def add_cmd(
    opts: Options,
    urls: tuple[str, ...],
    site: str | None,
    author: str | None,
    tags: tuple[str, ...],
    categories: tuple[str, ...],
    images: str | None,
    fulltext: str | None,
    folder: str | None,
) -> None:
    """Subscribe to the feeds at URL... (http(s), file:// or a file in the vault).

    A URL may be a site's page: the feed it links to is found and subscribed. Each feed
    is read once, and named by its own title unless --site names it (--site also
    subscribes to a feed that cannot be read now). Exit status 1 when a URL was left out.
    """
    vault = opts.existing_vault()
    optional = {
        "author": author,
        "tags": list(tags),
        "categories": list(categories),
        "images": images,
        "fulltext": fulltext,
        "folder": folder,
    }
    report = add_feeds(
        vault,
        load_config(vault.root),
        list(urls),
        site=site,
        extra={k: v for k, v in optional.items() if v},
    )
    if opts.json:
        opts.emit_json(report.to_json())
    else:
        for entry in report.added:
            opts.say(f"Subscribed to {entry['url']} as {entry['site']!r}.")
        _report(opts, report, "could not add")
        opts.say(f"{len(report.added)} added, {report.total} feeds in all.")
    sys.exit(1 if report.failed else 0)


@cli.command("import-opml")
@click.argument("file", type=click.File("rb"))
@vault_options
def import_opml_cmd(opts: Options, file: BinaryIO) -> None:
    """Subscribe to every feed of an OPML FILE (a feed reader's export; - reads stdin).

    Feeds already subscribed are left as they are; folders are kept as each feed's
    "folder" (used by export-opml). Nothing is fetched.
    """
    vault = opts.existing_vault()
    name = getattr(file, "name", "-")
    report = import_opml(vault, file.read(), str(name))
    if opts.json:
        opts.emit_json(report.to_json())
        return
    if opts.verbosity > 0:
        for entry in report.added:
            opts.say(f"added   {entry['site']}: {entry['url']}")
    _report(opts, report, "left out")
    opts.say(
        f"Imported {len(report.added)} feeds from {name} ({len(report.failed)} left out), "
        f"{report.total} in all."
    )


@cli.command("export-opml")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
@vault_options
def export_opml_cmd(opts: Options, output: Path | None) -> None:
    """Write the subscriptions as OPML, for a feed reader or another vault."""
    from newsvault.fsutil import write_atomic
    from newsvault.opml import write_opml

    vault = opts.existing_vault()
    subs = read_subs_file(vault.subs_file)
    data = write_opml(subs.raw, f"{load_config(vault.root).site.title} subscriptions", opts.now)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomic(output, data)
    opts.say(f"Exported {len(subs.raw)} feeds to {output}.")


def _report(opts: Options, report: AddReport, what: str) -> None:
    for note in report.notes:
        opts.warn(f"note: {note}")
    for url, why in report.failed:
        opts.warn(f"newsvault: {what} {url}: {why}")
