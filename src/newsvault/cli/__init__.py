"""The ``newsvault`` command line: a thin shell over the library API.

Commands live in one module per stage (``archive_cmds``, ``fetch_cmds``, ``subs_cmds``,
``site_cmds``, ``run_cmds``); each registers itself on :data:`cli` when imported, and a module is
imported only when one of its commands runs (or the help lists them). Library errors
become one-line messages and exit codes here, never tracebacks.
"""

from __future__ import annotations

import gc
import importlib
import json
import sys

import click

from newsvault import __version__
from newsvault.errors import NewsvaultError

# command → the module that defines it (a test checks this against the modules)
COMMANDS = {
    "check": "archive_cmds",
    "init": "archive_cmds",
    "import": "archive_cmds",
    "migrate-layout": "archive_cmds",
    "add": "subs_cmds",
    "import-opml": "subs_cmds",
    "export-opml": "subs_cmds",
    "remove": "fetch_cmds",
    "list": "fetch_cmds",
    "fetch": "fetch_cmds",
    "status": "fetch_cmds",
    "run": "run_cmds",
    "revisit": "evidence_cmds",
    "build": "site_cmds",
    "serve": "site_cmds",
}


class _LazyGroup(click.Group):
    """Loads a command's module when the command is asked for: importing every stage
    (HTTP client, HTML cleaner, git) before an hourly ``build`` would double its
    start-up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            importlib.import_module(f"newsvault.cli.{COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsvault")
def cli() -> None:
    """Keep a permanent, readable mirror of news feeds.

    A vault is a folder with newsvault.toml, subs.json and _posts/ (Jekyll posts).
    Start with `newsvault init`, then `newsvault run`.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m newsvault``: the process ends
    after it (embedders call :data:`cli` instead)."""
    try:
        _run(argv)
    finally:
        # Python's shutdown would first collect garbage over all that is still alive
        # (Jinja, YAML, caches): 12 ms of an hourly build's 0.1 s. Frozen objects are
        # skipped; they are freed as modules are torn down, and the rest with the process.
        gc.freeze()


def _run(argv: list[str] | None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        cli.main(args=args, prog_name="newsvault", standalone_mode=False)
    except click.exceptions.Abort as exc:  # click turns a KeyboardInterrupt into Abort
        interrupted = isinstance(exc.__cause__, KeyboardInterrupt)
        _fail(
            args,
            "Interrupted" if interrupted else "Aborted",
            "Interrupted." if interrupted else "Aborted.",
            130,
            prefix="",
        )
    except click.ClickException as exc:
        if not _wants_json(args):
            exc.show()
            sys.exit(exc.exit_code)
        kind = "UsageError" if isinstance(exc, click.UsageError) else type(exc).__name__
        _fail(args, kind, exc.format_message(), exc.exit_code)
    except NewsvaultError as exc:
        _fail(args, type(exc).__name__, str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail(args, "Interrupted", "Interrupted.", 130, prefix="")
    except BrokenPipeError:
        sys.exit(1)
    # click returns the command's return value in non-standalone mode; commands exit
    # with their own status through ctx.exit / sys.exit.


def _wants_json(args: list[str]) -> bool:
    """``--json`` among the options (not after ``--``, where it would be an argument)."""
    return "--json" in (args[: args.index("--")] if "--" in args else args)


def _fail(args: list[str], kind: str, message: str, code: int, prefix: str = "newsvault: ") -> None:
    """End with ``code``: the one-line message on stderr and, under ``--json``, the error
    as JSON on stdout too, so a script that parses stdout always gets JSON."""
    click.echo(f"{prefix}{message}", err=True)
    if _wants_json(args):
        click.echo(json.dumps(error_json(kind, message, code), ensure_ascii=False))
    sys.exit(code)


def error_json(kind: str, message: str, code: int) -> dict[str, object]:
    """An error as ``--json`` prints it (docs/command-line.md)."""
    return {"error": {"type": kind, "message": message}, "exit_code": code}
