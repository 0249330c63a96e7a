"""Commands of the archive stage (registered on newsvault.cli.cli)."""

from newsvault.cli import cli  # noqa: F401
