"""Typed settings from ``newsvault.toml``.

Each ``[section]`` of the file is one frozen dataclass below; every key has a default,
so an empty file (or none) is a valid configuration. Unknown sections and keys are
errors with a "did you mean" hint, because a misspelt key silently ignored is a
setting the user thinks they have but do not.
"""

from __future__ import annotations

import ipaddress
import re
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from newsvault import __version__
from newsvault.clock import parse_tz
from newsvault.errors import ConfigError
from newsvault.models import IMAGE_MODES

CONFIG_NAME = "newsvault.toml"


@dataclass(frozen=True)
class Rule:
    """A check a value must pass beyond its type, with the words that say what passes."""

    allowed: str  # completes "must be …": "an offset such as '+08:00', or 'UTC'"
    test: Callable[[Any], bool]
    examples: tuple[Any, ...] = ()  # valid values besides the default (docs and tests)


def setting(
    default: Any,
    help: str,
    *,
    choices: tuple[Any, ...] = (),
    minimum: float | None = None,
    above: float | None = None,
    rule: Rule | None = None,
) -> Any:
    """A field of a section, with its one help line and what values are allowed.

    The help and the limits live here only: ``newsvault init`` writes them into the
    generated ``newsvault.toml`` (:func:`config_template`), the configuration reference
    in ``docs/`` is generated from them (:func:`describe`), and :func:`config_from_dict`
    checks every value against them. ``minimum`` is inclusive, ``above`` exclusive; for
    a list or a table they apply to each value in it.
    """
    meta = {"help": help, "choices": choices, "minimum": minimum, "above": above, "rule": rule}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


def _is_tz(text: str) -> bool:
    try:
        parse_tz(text)
    except ConfigError:
        return False
    return True


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    return True


def _has_scheme(*schemes: str) -> Callable[[str], bool]:
    return lambda text: not text or text.split("://", 1)[0].lower() in schemes and "://" in text


_TZ_RULE = Rule(
    "an offset such as '+08:00' or '-0500', or 'UTC'", _is_tz, ("UTC", "-05:00", "+0530")
)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_SECONDS = "seconds"

LAYOUTS = ("flat", "year", "year/month")  # [archive] layout; newsvault.archive.layout uses them


@dataclass(frozen=True)
class ArchiveConfig:
    layout: str = setting(
        "flat",
        "The folder of _posts/ new posts go to: flat (_posts/ itself), year (_posts/2021/) "
        "or year/month (_posts/2021/01/); `newsvault migrate-layout` moves the others.",
        choices=LAYOUTS,
    )


@dataclass(frozen=True)
class SiteConfig:
    title: str = setting("newsvault", "The site's name, in every page's header and title.")
    description: str = setting(
        "A permanent mirror of news.",
        "One sentence about the site: the front page, the feeds and the search engines' snippet.",
    )
    base_url: str = setting(
        "",
        'The site\'s address without its path, e.g. "https://user.github.io": the absolute '
        "links of the feeds and the sitemap (empty: relative links).",
        rule=Rule(
            "empty or an http(s):// address",
            _has_scheme("http", "https"),
            ("https://user.github.io",),
        ),
    )
    base_path: str = setting(
        "/", 'The path the site is served under, e.g. "/repo/" for GitHub project pages.'
    )
    permalink: str = setting(
        "/:year-:month-:day/:title/",
        "Each post's URL, with Jekyll's "
        "placeholders (:year :month :day :title …), as Jekyll built it.",
    )
    timezone: str = setting(
        "+08:00", "The time zone dates are shown in on the pages.", rule=_TZ_RULE
    )
    per_page: int = setting(50, "Posts on each page of the front page's list.", minimum=1)
    language: str = setting(
        "zh",
        "The pages' language: their words and their lang attribute (zh or zh-Hant: Traditional "
        "Chinese, zh-Hans: Simplified, en: English; other tags get English words).",
        rule=Rule(
            "a language tag such as 'zh' or 'en'",
            lambda t: bool(_LANGUAGE.match(t)),
            ("zh-Hans", "en"),
        ),
    )
    permalink_timezone: str = setting(
        "UTC",
        "The time zone the permalinks' dates are computed in (the one Jekyll used: "
        "old URLs stay the same).",
        rule=_TZ_RULE,
    )
    search: bool = setting(True, "Build the search index after the pages.")
    feed_entries: int = setting(100, "Entries in each Atom feed.", minimum=1)
    workers: int = setting(
        0, "Processes for big builds (200 pages to render or more); 0: one per CPU core.", minimum=0
    )
    search_shard_pages: int = setting(
        0,
        "Ignored (Pagefind's shard size, before the own search index); old configs still load.",
        minimum=0,
    )
    mirrors: tuple[str, ...] = setting(
        (),
        "Other public copies of this archive, kept by others: URLs listed in every page "
        "footer (your own [targets] with a url are listed already).",
        rule=Rule(
            "an http(s):// address", _has_scheme("http", "https"), (("https://b.example/news/",),)
        ),
    )


@dataclass(frozen=True)
class LegacyConfig:
    """The public URLs of the site an adopted archive had before (a Jekyll site), kept
    answering. ``newsvault init`` fills this in from ``_config.yml`` (docs/adopting.md)."""

    feeds: tuple[str, ...] = setting(
        (),
        "More paths that serve the site's Atom feed, e.g. [\"atom.xml\"] (the old theme's feed).",
    )
    paginate: int = setting(
        0,
        "Posts per page of the old jekyll-paginate pages (/page2/ …, numbered from the newest "
        "post, as Jekyll did); 0: none.",
        minimum=0,
    )
    paginate_path: str = setting("/page:num/", "Where those pages were (Jekyll's paginate_path).")
    tag_feeds: str = setting(
        "", 'The folder of jekyll-feed\'s per-tag feeds, e.g. "feed/by_tag/"; empty: none.'
    )
    pages: tuple[str, ...] = setting(
        (),
        'The old site\'s own pages (files in the vault, e.g. "about.md"), rendered at their old URLs.',
    )
    redirects: dict[str, str] = setting(
        {}, 'Old paths that redirect to a newsvault page, e.g. { "/archive.html" = "archive/" }.'
    )
    keep: tuple[str, ...] = setting(
        (), 'The old site\'s files and folders published as they are, e.g. ["images/", "CNAME"].'
    )


@dataclass(frozen=True)
class FetchConfig:
    concurrency: int = setting(64, "Requests in flight at once, all hosts together.", minimum=1)
    per_host: int = setting(
        6, "Requests in flight to one host over HTTP/1.1 (what browsers allow).", minimum=1
    )
    per_host_http2: int = setting(
        32,
        "Requests in flight to a host that answered over HTTP/2 (streams of one connection).",
        minimum=1,
    )
    hosts: dict[str, int] = setting(
        {}, 'Per-host limits of requests in flight, e.g. { "rsshub.lan" = 16 }.', minimum=1
    )
    connect_timeout: float = setting(10.0, "Seconds to wait for a connection.", above=0)
    read_timeout: float = setting(30.0, "Seconds to wait for the next bytes of an answer.", above=0)
    feed_deadline: float = setting(
        120.0, "Seconds for one request (a feed, a page, an image), its retries included.", above=0
    )
    max_bytes: int = setting(
        20 * 1024 * 1024, "Bytes of one feed or page at most; a bigger one is an error.", minimum=1
    )
    max_redirects: int = setting(5, "Redirects followed for one request.", minimum=0)
    retries: int = setting(
        3,
        "Retries of a request that failed for a passing reason (a timeout, a 5xx, a 429).",
        minimum=0,
    )
    max_retry_after: float = setting(
        60.0,
        "Seconds of a server's Retry-After honoured at most; "
        "a longer one ends the feed's attempt for this run.",
        minimum=0,
    )
    user_agent: str = setting(
        f"newsvault/{__version__} (+https://github.com/newsvault)",
        "The User-Agent header of every request.",
        rule=Rule("a non-empty text", bool),
    )
    proxy: str = setting(
        "",
        "The proxy for every request: http://… or socks5://…; empty: from the environment "
        "(HTTP(S)_PROXY, ALL_PROXY).",
        rule=Rule(
            "empty or an http://, https://, socks5:// or socks5h:// address",
            _has_scheme("http", "https", "socks5", "socks5h"),
            ("socks5://127.0.0.1:1080",),
        ),
    )
    backoff: float = setting(
        1.0, "Seconds before the first retry; doubled for each further one.", minimum=0
    )
    http2: bool = setting(
        True, "Speak HTTP/2 with servers that offer it (one connection, many feeds)."
    )
    run_deadline: float = setting(
        2700.0,
        "Seconds for a whole fetch; what is done by then is archived (0: no limit).",
        minimum=0,
    )
    feed_budget: float = setting(
        300.0,
        "Seconds for one feed's full-text pages and images, after the feed itself.",
        minimum=0,
    )
    article_deadline: float = setting(
        60.0, "Seconds for one article's full text and images.", minimum=0
    )
    max_new_per_feed: int = setting(
        1000, "New posts per feed per run; the rest waits for the next run.", minimum=1
    )
    allow_addresses: tuple[str, ...] = setting(
        (),
        "Full-text pages and images never come from loopback, link-local or private addresses "
        "(a feed must not make newsvault reach the keeper's own network) unless listed here: "
        'addresses or networks, e.g. ["127.0.0.1", "10.1.0.0/16"].',
        rule=Rule(
            'an IP address or network such as "127.0.0.1" or "10.1.0.0/16"',
            _is_network,
            (("127.0.0.1", "10.1.0.0/16", "::1"),),
        ),
    )


@dataclass(frozen=True)
class ContentConfig:
    images: str = setting(
        "keep",
        "What becomes of an article's images: keep (their own URLs), "
        "proxy (through image_proxy) or local (copied into the vault's assets/); "
        'a feed\'s "images" in subs.json overrides it.',
        choices=IMAGE_MODES,
    )
    image_proxy: str = setting(
        "https://images.weserv.nl/?url={url}",
        "The image proxy's address, {url} standing for the "
        'image\'s (images = "proxy"; also the fallback of "local" for an image not copied).',
        rule=Rule(
            "empty or an http(s):// address with {url} in it",
            lambda t: not t or ("{url}" in t and _has_scheme("http", "https")(t)),
            ("https://proxy.example/?u={url}", ""),
        ),
    )
    max_image_bytes: int = setting(
        10 * 1024 * 1024, 'Bytes of one image copied at most (images = "local").', minimum=1
    )
    max_images_per_article: int = setting(
        100, "Images copied per article; the rest keep their remote URL.", minimum=0
    )
    max_image_bytes_per_article: int = setting(
        50 * 1024 * 1024, "Bytes of images copied per article at most.", minimum=0
    )
    max_image_bytes_per_run: int = setting(
        500 * 1024 * 1024,
        "Bytes of images copied in one run at most; the rest keep their remote URL.",
        minimum=0,
    )


@dataclass(frozen=True)
class PublishConfig:
    git: bool = setting(
        False, "Commit new posts (and push them, when the repository has a remote)."
    )
    push: bool = setting(True, "Push the commits (git = true) to remote.")
    remote: str = setting("origin", "The git remote pushed to.")
    branch: str = setting("", "The branch pushed; empty: the current branch.")
    site_branch: str = setting(
        "", 'A branch the built site is deployed to, e.g. "gh-pages"; empty: none.'
    )
    site_history: bool = setting(
        False,
        "Keep the site branch's history (false: it is one orphan commit, replaced each time).",
    )
    site_folder: str = setting("", "A folder the built site is copied into; empty: none.")
    push_attempts: int = setting(
        5,
        "Push races lost (the remote moved meanwhile) before giving up until the next run.",
        minimum=1,
    )


_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)", re.I)
_SPAN_UNIT = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_span(text: str) -> timedelta:
    """``90s``, ``15m``, ``6h``, ``3d``, ``1d12h`` → a positive timedelta (ValueError if not):
    the durations of ``[evidence]``."""
    value = text.strip()
    parts = _SPAN.findall(value)
    if not parts or _SPAN.sub("", value).strip():
        raise ValueError(f"{text!r} is not a duration (examples: 1h, 6h, 3d, 1d12h)")
    seconds = sum(float(n) * _SPAN_UNIT[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r} must be a positive duration")
    return timedelta(seconds=seconds)


def _is_span(text: str) -> bool:
    try:
        parse_span(text)
    except ValueError:
        return False
    return True


_SPAN_RULE = Rule("a duration such as '6h', '3d' or '1d12h'", _is_span, ("2h",))


@dataclass(frozen=True)
class EvidenceConfig:
    """Revisits of archived articles: edits and deletions at the source (docs/evidence.md)."""

    revisit: bool = setting(
        True,
        "newsvault run revisits the archived articles that are due "
        '(a feed\'s "revisit" in subs.json turns it off for its articles).',
    )
    schedule: tuple[str, ...] = setting(
        ("1h", "6h", "24h", "3d", "7d", "30d"),
        "When an article is revisited, counted from when it was first seen.",
        rule=Rule(_SPAN_RULE.allowed, _is_span, (("1h", "2d"),)),
    )
    confirm_every: str = setting(
        "12h", "After a failure, revisit this often until a verdict or a success.", rule=_SPAN_RULE
    )
    min_failures: int = setting(3, "Consecutive failures a deletion verdict needs...", minimum=1)
    min_span: str = setting("24h", "...spanning at least this long.", rule=_SPAN_RULE)
    feed_covers: str = setting(
        "24h",
        "While an article is this young, a scheduled revisit finds it listed unchanged in "
        "its feed read in the same run, and a version of its page is known, the feed read "
        "stands in for the page request (any age when the feed carries the whole text); "
        "0 fetches the page at every scheduled revisit.",
        rule=Rule(
            "0 or a duration such as '6h', '3d' or '1d12h'",
            lambda text: isinstance(text, str) and (text.strip() == "0" or _is_span(text)),
            ("0", "12h"),
        ),
    )
    max_requests: int = setting(
        200, "Revisits per run at most; the rest stay due for the next runs.", minimum=0
    )
    time_budget: float = setting(300.0, "Seconds per run for revisits.", minimum=0)
    markers: dict[str, tuple[str, ...]] = setting(
        {},
        'Soft-404 texts per site (a page showing one is "removed"), besides the built-in '
        'WeChat ones; "*" for every site.',
    )
    generic: dict[str, tuple[str, ...]] = setting(
        {}, 'Generic pages per site (URLs or paths): a link that now leads there is "redirected".'
    )


TARGET_TYPES = ("git", "site-branch", "folder", "s3")
HOSTS = ("auto", "none", "github", "codeberg", "gitlab", "cloudflare-pages")
LIMITS = ("max_dir_entries", "max_file_bytes", "max_repo_bytes", "max_site_bytes", "max_files")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.I)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "kib": 2**10,
    "m": 10**6,
    "mb": 10**6,
    "mib": 2**20,
    "g": 10**9,
    "gb": 10**9,
    "gib": 2**30,
    "t": 10**12,
    "tb": 10**12,
    "tib": 2**40,
}


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

    name: str = setting("", "The table's name: [targets.NAME] (not a key of its own).")
    type: str = setting(
        "",
        "What is published, and how: git (the archive, to a git remote), "
        "site-branch (the built site, to a branch), folder (the site, copied), "
        "s3 (the site or the images, to a bucket).",
        choices=TARGET_TYPES,
    )
    url: str = setting(
        "",
        "The public address of this mirror: listed in every page footer and in mirrors.json.",
        rule=Rule(
            "empty or an http(s):// address",
            _has_scheme("http", "https"),
            ("https://codeberg.org/me/news",),
        ),
    )
    host: str = setting(
        "auto",
        "Whose limits the budgets take: auto (from the remote's URL), none, or a host by name.",
        choices=HOSTS,
    )
    enabled: bool = setting(True, "Publish to this target (false: skip it, keep its settings).")
    remote: str = setting("", "git, site-branch: a git remote's name or URL.")
    branch: str = setting(
        "",
        "git: the archive's branch (empty: the current one); site-branch: "
        "the branch the site goes to (required).",
    )
    history: bool = setting(
        False, "site-branch: keep the site's history (false: one orphan commit)."
    )
    folder: str = setting("", "folder: where the site is copied.")
    bucket: str = setting("", "s3: the bucket's name (required).")
    prefix: str = setting("", 's3: a prefix of every key, e.g. "news/".')
    endpoint_url: str = setting(
        "", "s3: the service's endpoint; empty for AWS (R2, B2, MinIO… give theirs)."
    )
    region: str = setting("", "s3: the bucket's region.")
    profile: str = setting("", "s3: a profile of ~/.aws (credentials are never in newsvault.toml).")
    content: str = setting(
        "site",
        "s3: what goes to the bucket: site (the built site) or assets (the local image store).",
        choices=("site", "assets"),
    )
    verify_hours: int = setting(
        24, "s3: list the bucket again at least this often, in hours (0: on every sync).", minimum=0
    )
    max_dir_entries: int = setting(-1, "Budget: entries in one folder at most.", minimum=-1)
    max_file_bytes: int | str = setting(
        -1, 'Budget: bytes of one file at most ("100 MB").', minimum=-1
    )
    max_repo_bytes: int | str = setting(
        -1, 'Budget: bytes of the repository at most ("5 GB").', minimum=-1
    )
    max_site_bytes: int | str = setting(
        -1, 'Budget: bytes of the built site at most ("1 GB").', minimum=-1
    )
    max_files: int = setting(-1, "Budget: files at most.", minimum=-1)

    def __post_init__(self) -> None:
        for key in ("max_file_bytes", "max_repo_bytes", "max_site_bytes"):
            object.__setattr__(self, key, parse_size(getattr(self, key)))
        if self.type not in TARGET_TYPES:
            raise ValueError(
                f"type must be one of {', '.join(map(repr, TARGET_TYPES))}, not {self.type!r}"
            )
        if self.host not in HOSTS:
            raise ValueError(
                f"host must be one of {', '.join(map(repr, HOSTS))}, not {self.host!r}"
            )
        if self.content not in ("site", "assets"):
            raise ValueError(f"content must be 'site' or 'assets', not {self.content!r}")
        needed = {
            "git": ("remote",),
            "site-branch": ("remote", "branch"),
            "folder": ("folder",),
            "s3": ("bucket",),
        }[self.type]
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
    evidence: EvidenceConfig = field(default_factory=EvidenceConfig)
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
        section = cls(**values)
    except ValueError as exc:  # a value the section itself refuses (TargetConfig's needs)
        raise ConfigError(f"{where}: {exc}") from None
    declared = {f.name: f for f in fields(cls)}
    for key in values:  # checked once built: sizes such as "750 MiB" are numbers by then
        problem = _problem(declared[key], getattr(section, key))
        if problem:
            raise ConfigError(f"{where}: {key} must be {problem}, not {values[key]!r}")
    return section


def _problem(item: Field[Any], value: Any) -> str:
    """What ``value`` of setting ``item`` should have been ("at least 1", …); "" if it is fine."""
    if isinstance(value, dict):
        return next(filter(None, (_problem(item, v) for v in value.values())), "")
    if isinstance(value, tuple):
        return next(filter(None, (_problem(item, v) for v in value)), "")
    choices, minimum, above, rule = (
        item.metadata.get(k) for k in ("choices", "minimum", "above", "rule")
    )
    if choices and value not in choices:
        return allowed(item)
    if minimum is not None and value < minimum or above is not None and value <= above:
        return allowed(item)
    if rule is not None and not rule.test(value):
        return allowed(item)
    return ""


def allowed(item: Field[Any]) -> str:
    """The words for what setting ``item`` accepts beyond its type ("" when any value of
    the type will do): "one of 'flat', 'year'", "at least 1", the rule's words."""
    meta = item.metadata
    words = []
    if meta.get("choices"):
        words.append("one of " + ", ".join(map(repr, meta["choices"])))
    if meta.get("minimum") is not None:
        words.append(f"at least {meta['minimum']}")
    if meta.get("above") is not None:
        words.append(f"more than {meta['above']}")
    if meta.get("rule") is not None:
        words.append(meta["rule"].allowed)
    return "; ".join(words)


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


# --- the settings as text: the generated newsvault.toml and the reference in docs/ ---

#: ``[section]`` → its dataclass (``[targets.NAME]`` tables are TargetConfig)
SECTIONS: dict[str, type] = {
    name: hint for name, hint in get_type_hints(Config).items() if name != "targets"
}


@dataclass(frozen=True)
class SettingInfo:
    """One key of ``newsvault.toml`` as the docs show it."""

    section: str  # "fetch", or "targets.NAME"
    name: str
    type: str  # "integer", "list of strings", …
    default: Any
    help: str
    allowed: str  # beyond the type ("" when any value of the type will do)


_TYPE_WORDS = {bool: "boolean", int: "integer", float: "number", str: "string"}


def _type_words(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is tuple:
        return f"list of {_type_words(get_args(hint)[0])}s"
    if origin is dict:
        return f"table of {_type_words(get_args(hint)[1])}s"
    args = get_args(hint)
    if args:
        return " or ".join(_type_words(a) for a in args)
    return _TYPE_WORDS[hint]


def describe() -> list[SettingInfo]:
    """Every key of ``newsvault.toml``, section by section, in declaration order."""
    out = []
    for section, cls in [*SECTIONS.items(), ("targets.NAME", TargetConfig)]:
        hints = get_type_hints(cls)
        defaults = cls() if cls is not TargetConfig else None
        for item in fields(cls):
            if cls is TargetConfig and item.name == "name":
                continue
            default = getattr(defaults, item.name) if defaults is not None else item.default
            out.append(
                SettingInfo(
                    section,
                    item.name,
                    _type_words(hints[item.name]),
                    default,
                    item.metadata.get("help", ""),
                    allowed(item),
                )
            )
    return out


def toml_value(value: Any) -> str:
    """``value`` written as TOML (a basic string escapes what TOML forbids raw in one)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return (
            "{ "
            + ", ".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in value.items())
            + " }"
        )
    return '"' + re.sub(r'["\\\x00-\x1f\x7f]', _escape, str(value)) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return "\\" + char if char in '"\\' else f"\\u{ord(char):04x}"


def _comment(text: str, prefix: str, indent: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        88,
        initial_indent=prefix,
        subsequent_indent=prefix + indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def config_template(
    values: Mapping[str, Mapping[str, Any]] | None = None, notes: Mapping[str, str] | None = None
) -> str:
    """The ``newsvault.toml`` that ``newsvault init`` writes: every setting with its help
    (``##`` lines) and its default, commented out (``# key = default``); the keys in
    ``values`` are set (uncommented, with their section), ``notes[key]`` following them
    as a comment. Loading the text gives ``values`` over the defaults."""
    values = values or {}
    notes = notes or {}
    lines = [
        "# newsvault settings. Every key is optional; the values shown are the defaults.",
        "# A '##' line explains the setting below it. To change a setting, remove the",
        "# leading '# ' of its line and of its [section].",
        "",
    ]
    for section, cls in SECTIONS.items():
        given = values.get(section, {})
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"[{section}] has no setting {sorted(unknown)[0]!r}")
        lines.append(f"[{section}]" if given else f"# [{section}]")
        defaults = cls()
        for item in fields(cls):
            more = allowed(item)
            lines += _comment(
                item.metadata.get("help", "") + (f" Allowed: {more}." if more else ""), "## "
            )
            if item.name in given:
                note = notes.get(item.name)
                lines.append(
                    f"{item.name} = {toml_value(given[item.name])}"
                    + (f"  # {note}" if note else "")
                )
            else:
                lines.append(f"# {item.name} = {toml_value(getattr(defaults, item.name))}")
        lines.append("")
    lines += [
        "## More places to publish to, each one independent (see docs/publishing.md): a",
        "## [targets.NAME] table for each, with these keys (-1: the host's limit, 0: none):",
    ]
    for item in fields(TargetConfig)[1:]:
        more = allowed(item)
        lines += _comment(
            f"{item.name}: {item.metadata.get('help', '')}"
            + (f" Allowed: {more}." if more else ""),
            "##   ",
            "    ",
        )
    lines += [
        "## For example:",
        "## [targets.codeberg]",
        '## type = "git"',
        '## remote = "codeberg"',
        '## url = "https://codeberg.org/me/news"',
        "",
    ]
    return "\n".join(lines)
