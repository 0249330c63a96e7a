"""Commands of the site stage (registered on newsvault.cli.cli)."""

from newsvault.cli import cli  # noqa: F401
