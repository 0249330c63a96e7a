"""Typed settings from ``newsvault.toml``.

Each ``[section]`` of the file is one frozen dataclass below; every key has a default,
so an empty file (or none) is a valid configuration. Unknown sections and keys are
errors with a "did you mean" hint, because a misspelt key silently ignored is a
setting the user thinks they have but do not.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from newsvault import __version__
from newsvault.errors import ConfigError

CONFIG_NAME = "newsvault.toml"


@dataclass(frozen=True)
class ArchiveConfig:
    layout: str = "flat"  # flat | year | year/month: the folder of _posts/ new posts go to

    def __post_init__(self) -> None:
        from newsvault.archive.layout import LAYOUTS

        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(map(repr, LAYOUTS))}, not {self.layout!r}")


@dataclass(frozen=True)
class SiteConfig:
    title: str = "newsvault"
    description: str = "A permanent mirror of news."
    base_url: str = ""  # e.g. "https://user.github.io" (absolute links in feeds/sitemap)
    base_path: str = "/"  # e.g. "/repo/" for GitHub project pages
    permalink: str = "/:year-:month-:day/:title/"
    timezone: str = "+08:00"  # how dates are shown on pages
    per_page: int = 50
    language: str = "zh"
    permalink_timezone: str = "UTC"  # the zone Jekyll's permalink dates were computed in
    search: bool = True  # build the search index after the pages
    feed_entries: int = 100  # entries in each Atom feed
    workers: int = 0  # processes for big builds (>= 200 pages to render); 0 = one per CPU core
    search_shard_pages: int = 0  # ignored: Pagefind's shard size, before the own index (old configs still load)
    mirrors: tuple[str, ...] = ()  # other public copies of this archive, listed in every page footer


@dataclass(frozen=True)
class LegacyConfig:
    """The public URLs of the site an adopted archive had before (a Jekyll site), kept
    answering. ``newsvault init`` fills this in from ``_config.yml`` (docs/adopting.md)."""

    feeds: tuple[str, ...] = ()  # more paths that serve the site's Atom feed, e.g. ["atom.xml"]
    paginate: int = 0  # posts per page of jekyll-paginate's /pageN/ (newest first); 0 = none
    paginate_path: str = "/page:num/"  # where those pages were (Jekyll's paginate_path)
    tag_feeds: str = ""  # folder of jekyll-feed's per-tag feeds, e.g. "feed/by_tag/"; "" = none
    pages: tuple[str, ...] = ()  # the old site's own pages (files in the vault) rendered at their URLs
    redirects: dict[str, str] = field(default_factory=dict)  # old path → newsvault path
    keep: tuple[str, ...] = ()  # the old site's files and folders (images, CNAME) published as they are


@dataclass(frozen=True)
class FetchConfig:
    concurrency: int = 64  # requests in flight at once, all hosts together
    per_host: int = 6  # requests in flight to one host over HTTP/1.1 (what browsers allow)
    per_host_http2: int = 32  # to a host that answered over HTTP/2 (streams of one connection)
    hosts: dict[str, int] = field(default_factory=dict)  # per-host limits: {"rsshub.lan" = 16}
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    feed_deadline: float = 120.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    max_retry_after: float = 60.0
    user_agent: str = f"newsvault/{__version__} (+https://github.com/newsvault)"
    proxy: str = ""  # http://… or socks5://…; empty = from the environment (HTTP(S)_PROXY, ALL_PROXY)
    backoff: float = 1.0  # seconds before the first retry; doubled for each further retry
    http2: bool = True  # speak HTTP/2 with servers that offer it (one connection, many feeds)
    run_deadline: float = 2700.0  # seconds for a whole fetch; what is done by then is archived (0 = none)
    feed_budget: float = 300.0  # seconds for one feed's full-text pages and images, after the feed
    article_deadline: float = 60.0  # seconds for one article's full text and images
    max_new_per_feed: int = 1000  # new posts per feed per run; the rest waits for the next run
    # Full-text pages and images never come from loopback, link-local or private
    # addresses (a feed must not make newsvault reach the keeper's own network) unless
    # listed here: addresses or networks, e.g. ["127.0.0.1", "10.1.0.0/16"].
    allow_addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentConfig:
    images: str = "keep"  # keep | proxy | local
    image_proxy: str = "https://images.weserv.nl/?url={url}"
    max_image_bytes: int = 10 * 1024 * 1024
    max_images_per_article: int = 100  # images archived per article; the rest keep their remote URL
    max_image_bytes_per_article: int = 50 * 1024 * 1024
    max_image_bytes_per_run: int = 500 * 1024 * 1024


@dataclass(frozen=True)
class PublishConfig:
    git: bool = False  # commit (and push, when the repo has a remote) new posts
    push: bool = True
    remote: str = "origin"
    branch: str = ""  # empty = the current branch
    site_branch: str = ""  # e.g. "gh-pages"; empty = no branch deploy
    site_history: bool = False  # False: the site branch is one orphan commit
    site_folder: str = ""  # copy the built site into this folder
    push_attempts: int = 5  # push races lost (remote moved) before giving up until the next run


TARGET_TYPES = ("git", "site-branch", "folder", "s3")
HOSTS = ("auto", "none", "github", "codeberg", "gitlab", "cloudflare-pages")
LIMITS = ("max_dir_entries", "max_file_bytes", "max_repo_bytes", "max_site_bytes", "max_files")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6,
          "mib": 2**20, "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12,
          "tib": 2**40}


def parse_size(value: int | str) -> int:
    """``1073741824``, ``"1 GB"``, ``"750 MiB"`` → bytes."""
    if isinstance(value, int):
        return value
    match = _SIZE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a size (examples: 100 MB, 750 MiB, 5 GB)")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


@dataclass(frozen=True)
class TargetConfig:
    """One ``[targets.NAME]`` table: a place the archive or the site is published to.

    Budgets: -1 (the default) takes the host's limit (:mod:`newsvault.publish.budget`),
    0 means no limit, any other number is the limit (sizes may be written "750 MiB")."""

    name: str = ""
    type: str = ""  # git (the archive branch) | site-branch | folder | s3
    url: str = ""  # the public address of this mirror: listed in page footers and mirrors.json
    host: str = "auto"  # whose limits apply: auto (from the remote's URL) | none | github | ...
    enabled: bool = True
    remote: str = ""  # git, site-branch: a remote's name or URL
    branch: str = ""  # git: the archive branch (empty: the current one); site-branch: required
    history: bool = False  # site-branch: keep the site's history instead of one orphan commit
    folder: str = ""  # folder: where the site is copied
    bucket: str = ""  # s3
    prefix: str = ""  # s3: key prefix, e.g. "news/"
    endpoint_url: str = ""  # s3: empty for AWS; R2, B2, MinIO… give theirs
    region: str = ""  # s3
    profile: str = ""  # s3: a profile of ~/.aws (credentials are never in newsvault.toml)
    content: str = "site"  # s3: "site" (the built site) or "assets" (the local image store)
    verify_hours: int = 24  # s3: list the bucket again at least this often (0: on every sync)
    max_dir_entries: int = -1
    max_file_bytes: int | str = -1
    max_repo_bytes: int | str = -1
    max_site_bytes: int | str = -1
    max_files: int = -1

    def __post_init__(self) -> None:
        for key in ("max_file_bytes", "max_repo_bytes", "max_site_bytes"):
            object.__setattr__(self, key, parse_size(getattr(self, key)))
        if self.type not in TARGET_TYPES:
            raise ValueError(f"type must be one of {', '.join(map(repr, TARGET_TYPES))}, not {self.type!r}")
        if self.host not in HOSTS:
            raise ValueError(f"host must be one of {', '.join(map(repr, HOSTS))}, not {self.host!r}")
        if self.content not in ("site", "assets"):
            raise ValueError(f"content must be 'site' or 'assets', not {self.content!r}")
        needed = {"git": ("remote",), "site-branch": ("remote", "branch"), "folder": ("folder",),
                  "s3": ("bucket",)}[self.type]
        for key in needed:
            if not getattr(self, key):
                raise ValueError(f"a {self.type} target needs {key} = ...")

    def limit(self, key: str) -> int:
        value = getattr(self, key)
        assert isinstance(value, int)
        return value


@dataclass(frozen=True)
class Config:
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    legacy: LegacyConfig = field(default_factory=LegacyConfig)
    targets: tuple[TargetConfig, ...] = ()  # [targets.NAME] tables, in file order

    @property
    def mirrors(self) -> tuple[tuple[str, str], ...]:
        """(name, public URL) of every public copy: each target's ``url``, then ``[site]
        mirrors`` (copies kept by others), each URL once."""
        found = {t.url: t.name for t in self.targets if t.url and t.enabled}
        for url in self.site.mirrors:
            found.setdefault(url, url.split("://", 1)[-1].split("/", 1)[0])
        return tuple((name, url) for url, name in found.items())


def load_config(vault: Path) -> Config:
    """Read ``vault/newsvault.toml``; a missing file means all defaults."""
    path = vault / CONFIG_NAME
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:  # a folder, no permission…: the user's to fix, not a traceback
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    return config_from_dict(data, str(path))


def config_from_dict(data: dict[str, Any], where: str = CONFIG_NAME) -> Config:
    sections: dict[str, Any] = {}
    known = {f.name: f for f in fields(Config)}
    hints = get_type_hints(Config)
    for name, value in data.items():
        if name not in known:
            raise ConfigError(f"{where}: unknown section [{name}]{_did_you_mean(name, known)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{name}] must be a table of settings")
        if name == "targets":
            sections[name] = _targets(value, where)
            continue
        sections[name] = _section(hints[name], value, f"{where}: [{name}]")
    return Config(**sections)


_TARGET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _targets(data: dict[str, Any], where: str) -> tuple[TargetConfig, ...]:
    out = []
    for name, table in data.items():
        here = f"{where}: [targets.{name}]"
        if not _TARGET_NAME.match(name) or name.endswith(".lock"):
            raise ConfigError(f"{here}: a target's name is letters, digits, '.', '_' and '-'")
        if not isinstance(table, dict):
            raise ConfigError(f"{here} must be a table of settings")
        if "name" in table:
            raise ConfigError(f"{here}: the name is the table's ([targets.NAME]), not a setting")
        out.append(_section(TargetConfig, {**table, "name": name}, here))
    return tuple(out)


def _section(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    values = {}
    for key, value in data.items():
        if key not in hints:
            raise ConfigError(f"{where}: unknown setting {key!r}{_did_you_mean(key, hints)}")
        values[key] = _value(hints[key], value, f"{where}: {key}")
    try:
        return cls(**values)
    except ValueError as exc:  # a value outside the allowed ones (checked by the section)
        raise ConfigError(f"{where}: {exc}") from None


def _value(expected: Any, value: Any, where: str) -> Any:
    """``value`` checked against the setting's type (floats accept integers; a list
    setting is a TOML array, a table setting a TOML table of such values)."""
    origin = get_origin(expected)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list, not {type(value).__name__} ({value!r})")
        return tuple(_value(get_args(expected)[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table, not {type(value).__name__} ({value!r})")
        return {k: _value(get_args(expected)[1], v, f"{where}.{k}") for k, v in value.items()}
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    kinds = get_args(expected) or (expected,)  # a union such as ``int | str``, or one type
    if not isinstance(value, kinds) or (int in kinds and isinstance(value, bool)):
        kind = " or ".join(t.__name__ for t in kinds)
        raise ConfigError(f"{where} must be {kind}, not {type(value).__name__} ({value!r})")
    return value


def _did_you_mean(name: str, choices: Any) -> str:
    import difflib  # only on a mistake: it is a twentieth of a site build's start-up

    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
