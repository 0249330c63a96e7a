"""Options shared by every command that works on a vault."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from newsvault.clock import parse_now
from newsvault.errors import UsageError
from newsvault.vault import Vault


@dataclass(frozen=True)
class Options:
    """What every vault command knows about how it was called."""

    vault: Path
    json: bool
    now: datetime
    verbosity: int  # -1 quiet, 0 normal, 1+ verbose

    def say(self, message: str) -> None:
        """Human output: suppressed by ``-q`` and by ``--json`` (stdout is then JSON only)."""
        if self.verbosity >= 0 and not self.json:
            click.echo(message)

    def warn(self, message: str) -> None:
        click.echo(message, err=True)

    def emit_json(self, data: Any) -> None:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def existing_vault(self) -> Vault:
        """The ``--vault`` folder, refused (exit 2) unless it already is a vault.

        Commands that read or write a vault would otherwise create ``.newsvault/``,
        ``_site/`` or ``subs.json`` in whatever folder they were pointed at by mistake.
        """
        vault = Vault(self.vault)
        if not (vault.config_file.exists() or vault.subs_file.exists() or vault.posts_dir.is_dir()):
            raise UsageError(
                f"{vault.root.resolve()} is not a vault (no newsvault.toml, subs.json "
                "or _posts/); create one with `newsvault init`, or pass --vault DIR"
            )
        return vault

    @property
    def interactive(self) -> bool:
        """True when progress bars make sense (a terminal, not JSON, not quiet)."""
        return sys.stderr.isatty() and not self.json and self.verbosity >= 0


@contextmanager
def progress_bars(
    opts: Options,
    labels: Mapping[str, str] | None = None,
) -> Iterator[Callable[[str, int, int], None] | None]:
    """Progress bars on a terminal (stderr), one per stage (fetch, write, read, …), else None.

    Yields the ``progress(stage, done, total)`` callback the library functions take;
    ``labels`` renames stages for display.
    """
    if not opts.interactive:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task((labels or {}).get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def show_logs(level: int) -> None:
    """``-v``: the library's log (per feed, the index, the site build) on stderr; ``-vv``
    adds the debug lines. One handler, replaced on each call (tests invoke many times)."""
    logger = logging.getLogger("newsvault")
    for old in [h for h in logger.handlers if getattr(h, "newsvault_cli", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    handler.newsvault_cli = True  # type: ignore[attr-defined]  # marks ours for the next call
    logger.addHandler(handler)
    logger.setLevel(level)


def vault_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--vault/--json/--now/-q/-v`` to a command and pass them as ``opts``."""

    @click.option(
        "--vault",
        "vault",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The vault folder.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    @click.option(
        "--now",
        "now",
        metavar="ISO8601",
        default=None,
        help="Fix the clock (e.g. 2021-01-28T00:00:00Z), for reproducible runs.",
    )
    @click.option("-q", "--quiet", "quiet", is_flag=True, help="Print only errors.")
    @click.option(
        "-v",
        "--verbose",
        "verbose",
        count=True,
        help="Show the log on stderr: -v per feed, index and build; -vv debug.",
    )
    @functools.wraps(func)
    def wrapper(
        vault: Path, as_json: bool, now: str | None, quiet: bool, verbose: int, **kwargs: Any
    ) -> Any:
        opts = Options(
            vault=vault, json=as_json, now=parse_now(now), verbosity=-1 if quiet else verbose
        )
        if verbose and not quiet:
            show_logs(logging.DEBUG if verbose > 1 else logging.INFO)
        return func(opts, **kwargs)

    return wrapper
