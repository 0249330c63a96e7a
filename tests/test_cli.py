"""The command line's lazy loading: each command's module is imported when it runs."""

from __future__ import annotations

import importlib
import subprocess
import sys

from newsvault.cli import COMMANDS, cli


def test_command_table_names_every_command_of_every_module() -> None:
    for module in set(COMMANDS.values()):
        importlib.import_module(f"newsvault.cli.{module}")
    assert set(cli.commands) == set(COMMANDS)
    for name, module in COMMANDS.items():
        assert cli.commands[name].callback.__module__ == f"newsvault.cli.{module}", name


def test_build_does_not_load_the_fetch_stage() -> None:
    """An hourly `newsvault build` must not pay for the HTTP client and HTML parser."""
    code = (
        "import sys, click; from newsvault.cli import cli; "
        "assert cli.get_command(click.Context(cli), 'build') is not None; "
        "print(sorted(m for m in ('httpx', 'lxml', 'nh3', 'rich') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
