"""Adopting a Jekyll site whole: its ``_config.yml`` as newsvault settings, its URLs kept.

``newsvault init`` in a folder with a ``_config.yml`` carries the site's identity over to
``[site]`` (title or name, description, url, baseurl, permalink, timezone, paginate) and
lists in ``[legacy]`` every other public URL the old site had, so that newsvault's build
keeps each one answering (site/legacy.py; docs/adopting.md): the feed paths of the theme
and of jekyll-feed, jekyll-paginate's pages, jekyll-feed's per-tag feeds, the site's own
pages, and the files it published as they are.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

__all__ = [
    "Adopted",
    "adopt_jekyll_config",
    "JEKYLL_STYLES",
    "jekyll_page_url",
    "split_front_matter",
]

# Jekyll's built-in permalink styles (a site without ``permalink`` uses "date")
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# never part of the old site (Jekyll's default excludes), or newsvault's own files
SKIP = {
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
    "vendor",
    "gemfiles",
    "newsvault.toml",
    "subs.json",
    "README.md",
    "LICENSE",
    "assets",
}  # assets/: newsvault publishes it itself
LIQUID = re.compile(r"\{[{%]")
FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:^---[ \t]*$\r?\n?)", re.S | re.M)
# an old page made of Liquid (a list of posts) → newsvault's page for the same thing
REDIRECT_BY_NAME = (
    ("archive", "archive/"),
    ("categor", "categories/"),
    ("tag", "tags/"),
    ("source", "sources/"),
    ("search", "search/"),
)
NEWSVAULT_HAS = {"/", "/feed.xml", "/sitemap.xml", "/robots.txt", "/404.html"}


@dataclass
class Adopted:
    site: dict[str, object] = field(default_factory=dict)  # [site] settings
    legacy: dict[str, object] = field(default_factory=dict)  # [legacy] settings
    notes: list[str] = field(default_factory=list)


def adopt_jekyll_config(root: Path) -> Adopted | None:
    """The settings that keep the Jekyll site in ``root`` as it was; None without one."""
    path = root / "_config.yml"
    if not path.is_file():
        return None
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return Adopted(notes=[f"_config.yml is not readable YAML ({exc}); nothing carried over"])
    if not isinstance(config, dict):
        return None
    out = Adopted()
    _identity(config, out)
    plugins = {
        str(p)
        for key in ("plugins", "gems")
        for p in (config.get(key) or [])
        if isinstance(config.get(key), list)
    }
    paginate = config.get("paginate")
    if isinstance(paginate, int) and paginate > 0:
        out.site["per_page"] = paginate
        if "jekyll-paginate" in plugins:
            out.legacy["paginate"] = paginate
            out.legacy["paginate_path"] = str(config.get("paginate_path") or "/page:num/")
    feeds: list[str] = []
    feed = config.get("feed") if isinstance(config.get("feed"), dict) else {}
    assert isinstance(feed, dict)
    if "jekyll-feed" in plugins:
        feed_path = str(feed.get("path") or "/feed.xml")
        if "/" + feed_path.lstrip("/") not in NEWSVAULT_HAS:
            feeds.append(feed_path.lstrip("/"))
        if feed.get("tags"):
            tags = feed["tags"] if isinstance(feed["tags"], dict) else {}
            out.legacy["tag_feeds"] = str(tags.get("path") or "/feed/by_tag/").lstrip("/")
    pages, redirects, keep = _site_files(root, config, feeds)
    if feeds:
        out.legacy["feeds"] = feeds
    for key, value in (("pages", pages), ("redirects", redirects), ("keep", keep)):
        if value:
            out.legacy[key] = value
    carried = ", ".join(sorted(out.site))
    out.notes.append(
        f"_config.yml: carried over {carried or 'nothing'}; "
        f"the old site's URLs are kept by [legacy] in newsvault.toml (docs/adopting.md)"
    )
    return out


def split_front_matter(text: str) -> tuple[dict[str, object], str] | None:
    """(front matter, body) of a Jekyll page; None when the file has no front matter
    (Jekyll then copies it as it is)."""
    match = FRONT.match(text)
    if match is None:
        return None
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        data = {}
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def jekyll_page_url(rel: str, front: dict[str, object]) -> str:
    """The URL Jekyll gives a page: its ``permalink``, else its path with ``.md`` made
    ``.html`` (``about.md`` → ``/about.html``, ``index.html`` → ``/``)."""
    permalink = front.get("permalink")
    if isinstance(permalink, str) and permalink.strip():
        return "/" + permalink.strip().lstrip("/")
    stem, ext = os.path.splitext(rel)
    url = "/" + stem + (".html" if ext in (".md", ".markdown", ".html", ".htm") else ext)
    return url[: -len("index.html")] if url.endswith("/index.html") or url == "/index.html" else url


def _identity(config: dict[str, object], out: Adopted) -> None:
    title = config.get("title") or config.get("name")
    if title:
        out.site["title"] = str(title)
    if config.get("description"):
        out.site["description"] = str(config["description"])
    if config.get("url"):
        out.site["base_url"] = str(config["url"]).rstrip("/")
    base = str(config.get("baseurl") or "").strip("/")
    if base:
        out.site["base_path"] = f"/{base}/"
    permalink = str(config.get("permalink") or "date")
    out.site["permalink"] = JEKYLL_STYLES.get(permalink, permalink)
    zone = config.get("timezone")
    if zone:
        offset = _fixed_offset(str(zone), out.notes)
        if offset:
            out.site["timezone"] = out.site["permalink_timezone"] = offset


def _fixed_offset(name: str, notes: list[str]) -> str | None:
    """An IANA zone as the fixed offset newsvault's settings take ("Asia/Taipei" → "+08:00")."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        notes.append(f"_config.yml: unknown timezone {name!r}; set [site] timezone yourself")
        return None
    winter, summer = (zone.utcoffset(datetime(2024, m, 1)) for m in (1, 7))
    if winter != summer:
        notes.append(
            f"_config.yml: {name} has daylight saving time; newsvault uses its winter "
            "offset, so the URL dates of posts near midnight in summer may differ"
        )
    assert winter is not None
    minutes = int(winter.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _site_files(
    root: Path, config: dict[str, object], feeds: list[str]
) -> tuple[list[str], dict[str, str], list[str]]:
    """The old site's pages and files, as Jekyll would publish them: pages without
    Liquid to render, Liquid pages to redirect, feed pages to serve, other files to keep."""
    listed = config.get("exclude")
    exclude = {str(e).strip("/") for e in listed} if isinstance(listed, list) else set()
    exclude.add(str(config.get("destination") or "_site").strip("/"))
    pages: list[str] = []
    redirects: dict[str, str] = {}
    static: list[str] = []
    with_pages: set[str] = set()  # top folders that hold a page: listed file by file
    for folder, dirs, files in os.walk(root):
        here = Path(folder).relative_to(root)
        dirs[:] = sorted(
            d for d in dirs if _published(here / d, exclude) and not (Path(folder) / d).is_symlink()
        )
        for name in sorted(files):
            rel = here / name
            if not _published(rel, exclude) or (root / rel).is_symlink():
                continue
            text = _text(root / rel)
            parsed = split_front_matter(text) if text is not None else None
            if parsed is None:
                static.append(rel.as_posix())
                continue
            with_pages.add(rel.parts[0])
            url = jekyll_page_url(rel.as_posix(), parsed[0])
            if url in NEWSVAULT_HAS:
                continue
            if url.endswith(".xml"):  # the theme's feed (atom.xml): served as a feed
                feeds.append(url.lstrip("/"))
            elif rel.suffix not in (".md", ".markdown", ".html", ".htm"):
                continue  # Sass and other processed assets: newsvault's theme has its own
            elif not LIQUID.search(parsed[1]):
                pages.append(rel.as_posix())
            else:
                target = next((to for key, to in REDIRECT_BY_NAME if key in url.lower()), "")
                redirects[url] = target
    keep = sorted(
        {
            p.split("/")[0] + "/" if "/" in p and p.split("/")[0] not in with_pages else p
            for p in static
        }
    )
    return pages, redirects, keep


def _published(rel: Path, exclude: set[str]) -> bool:
    """Whether Jekyll publishes ``rel``: not hidden, not ``_``-named, not excluded."""
    first = rel.parts[0]
    return not (
        first.startswith((".", "_", "#"))
        or first in SKIP
        or rel.as_posix() in exclude
        or first in exclude
        or rel.name.endswith("~")
    )


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # an image, a binary: copied as it is
