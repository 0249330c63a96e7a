"""The ``newsvault`` command line: a thin shell over the library API.

Commands live in one module per stage (``archive_cmds``, ``fetch_cmds``, ``site_cmds``,
``run_cmds``); each registers itself on :data:`cli`. Library errors become one-line
messages and exit codes here, never tracebacks.
"""

from __future__ import annotations

import sys

import click

from newsvault import __version__
from newsvault.errors import NewsvaultError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsvault")
def cli() -> None:
    """Keep a permanent, readable mirror of news feeds.

    A vault is a folder with newsvault.toml, subs.json and _posts/ (Jekyll posts).
    Start with `newsvault init`, then `newsvault run`.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m newsvault``."""
    try:
        cli.main(args=argv, prog_name="newsvault", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except NewsvaultError as exc:
        click.echo(f"newsvault: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    # click returns the command's return value in non-standalone mode; commands exit
    # with their own status through ctx.exit / sys.exit.


# Register the commands of each stage (import for the side effect of @cli.command).
from newsvault.cli import archive_cmds, fetch_cmds, run_cmds, site_cmds  # noqa: E402,F401
