"""Commands of the fetch stage (registered on newsvault.cli.cli)."""

from newsvault.cli import cli  # noqa: F401
