"""Typed settings from ``newsvault.toml``.

Each ``[section]`` of the file is one frozen dataclass below; every key has a default,
so an empty file (or none) is a valid configuration. Unknown sections and keys are
errors with a "did you mean" hint, because a misspelt key silently ignored is a
setting the user thinks they have but do not.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from newsvault.errors import ConfigError

CONFIG_NAME = "newsvault.toml"


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
    search: bool = True  # build the Pagefind index after the pages
    feed_entries: int = 100  # entries in each Atom feed
    workers: int = 0  # processes for big builds (>= 200 pages to render); 0 = one per CPU core
    search_shard_pages: int = 500  # posts per Pagefind run (bounds its memory: ~1.5 MB per post)


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
    user_agent: str = "newsvault/0.1 (+https://github.com/newsvault)"
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


@dataclass(frozen=True)
class Config:
    site: SiteConfig = field(default_factory=SiteConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)


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
    sections = {}
    known = {f.name: f for f in fields(Config)}
    hints = get_type_hints(Config)
    for name, value in data.items():
        if name not in known:
            raise ConfigError(f"{where}: unknown section [{name}]{_did_you_mean(name, known)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{name}] must be a table of settings")
        sections[name] = _section(hints[name], value, f"{where}: [{name}]")
    return Config(**sections)


def _section(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    values = {}
    for key, value in data.items():
        if key not in hints:
            raise ConfigError(f"{where}: unknown setting {key!r}{_did_you_mean(key, hints)}")
        values[key] = _value(hints[key], value, f"{where}: {key}")
    return cls(**values)


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
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(
            f"{where} must be {expected.__name__}, not {type(value).__name__} ({value!r})"
        )
    return value


def _did_you_mean(name: str, choices: Any) -> str:
    import difflib  # only on a mistake: it is a twentieth of a site build's start-up

    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
