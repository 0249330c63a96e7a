"""Commands of the site stage (registered on newsvault.cli.cli): ``build`` and ``serve``."""

from __future__ import annotations

import click

from newsvault.cli import cli
from newsvault.cli.common import Options, progress_bars, vault_options
from newsvault.config import load_config


@cli.command()
@vault_options
@click.option(
    "--full", is_flag=True, help="Ignore the caches: re-read every post, re-render every page."
)
@click.option("--no-search", "no_search", is_flag=True, help="Skip the search index.")
def build(opts: Options, full: bool, no_search: bool) -> None:
    """Build the website into _site/ (only what changed, unless --full)."""
    from newsvault.site.build import build_site  # takes the vault lock: one writer of _site/
    from newsvault.stop import StopFlag, stop_on_signals

    vault = opts.existing_vault()
    config = load_config(vault.root)
    stop = StopFlag()  # a first Ctrl-C lets the build finish: a half-built site mixes two versions
    with (
        stop_on_signals(stop, notify=opts.warn),
        stop.finishing("the site build"),
        progress_bars(opts) as progress,
    ):
        report = build_site(
            vault, config, full=full, progress=progress, search=False if no_search else None
        )
    if opts.json:
        opts.emit_json(report.to_json())
        return
    opts.say(
        f"Built {report.posts} posts into {report.site_dir}: {report.rendered} pages rendered, "
        f"{report.written} files written, {report.removed} removed in {report.seconds:.2f}s"
    )
    if report.search_seconds is not None:
        opts.say(
            f"Search index: {report.search_indexed} of {report.posts} posts indexed in "
            f"{report.search_seconds:.2f}s"
        )
    for note in report.notes:
        opts.warn(f"newsvault: {note}")


@cli.command()
@vault_options
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--idle-timeout",
    "idle_timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
    help="Seconds before a connection without a request is closed.",
)
def serve(opts: Options, port: int, host: str, idle_timeout: float) -> None:
    """Serve _site/ on localhost for offline reading (search included)."""
    from newsvault.serve import check_built, make_server, normal_base_path

    vault = opts.existing_vault()
    check_built(vault.site_dir)  # first: "run newsvault build" says more than a setting's error
    # the site's links are relative, but its 404 page and its feeds name base_path: serve there
    base_path = normal_base_path(load_config(vault.root).site.base_path)
    server = make_server(
        vault.site_dir,
        host,
        port,
        verbose=opts.verbosity > 0,
        idle_timeout=idle_timeout,
        base_path=base_path,
    )
    actual = server.server_address[1]
    opts.say(f"Serving {vault.site_dir} at http://{host}:{actual}{base_path} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        opts.say("Stopped.")
    finally:
        server.server_close()
