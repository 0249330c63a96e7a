"""The one exception hierarchy of newsvault.

    NewsvaultError                 base: the CLI prints its message, no traceback
    ├── ConfigError                bad newsvault.toml / subs.json (exit 2)
    ├── UsageError                 a command used wrongly (exit 2)
    ├── LockedError                another run holds the vault lock (exit 3)
    ├── ArchiveError               a post or the archive folder cannot be read or written
    ├── FetchError                 one feed could not be fetched or parsed (per-feed, reported)
    │   └── LimitExceeded          size / time / redirect limit hit
    ├── BuildError                 the site could not be built
    └── PublishError               git or deploy failed

Errors carry context (which file, which feed) in their message.
"""


class NewsvaultError(Exception):
    exit_code = 1


class ConfigError(NewsvaultError):
    exit_code = 2


class UsageError(NewsvaultError):
    exit_code = 2


class LockedError(NewsvaultError):
    exit_code = 3


class ArchiveError(NewsvaultError):
    pass


class FetchError(NewsvaultError):
    pass


class LimitExceeded(FetchError):
    pass


class BuildError(NewsvaultError):
    pass


class PublishError(NewsvaultError):
    pass
