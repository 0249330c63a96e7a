"""The Jinja2 environment: package templates, overridable from the vault's ``templates/``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from types import SimpleNamespace

import jinja2

from newsvault.config import SiteConfig

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
STATIC = PACKAGE_DIR / "static"

STRINGS = {
    "zh": dict(skip="跳到內容", site_nav="網站導覽", sources="來源", archive="按月歸檔", tags="標籤",
               categories="分類", search="搜尋", pages="分頁", newer="較新", older="較舊", page="頁",
               original="閱讀原文", neighbours="上一篇與下一篇", source="來源", articles="文章數",
               latest="最新文章", updated="最後成功更新", unknown="未知", untitled="（無標題）",
               not_found="找不到這一頁", not_found_text="這個網址沒有內容。", home="首頁",
               noscript="搜尋需要 JavaScript。", home_heading="最新文章", month="月份", mirrors="其他鏡像"),
    "en": dict(skip="Skip to content", site_nav="Site", sources="Sources", archive="Archive",
               tags="Tags", categories="Categories", search="Search", pages="Pages",
               newer="Newer", older="Older", page="Page", original="Read the original",
               neighbours="Previous and next", source="Source", articles="Articles",
               latest="Latest article", updated="Last successful update", unknown="unknown",
               untitled="(untitled)", not_found="Page not found",
               not_found_text="Nothing lives at this address.", home="Home",
               noscript="Search needs JavaScript.", home_heading="Latest articles", month="Month",
               mirrors="Mirrors"),
}


def strings(language: str) -> SimpleNamespace:
    """The theme's words in ``language`` (English when it has none), as attributes:
    templates look them up a dozen times a page, and Jinja finds an attribute at once
    where a dict key costs it a failed attribute lookup first."""
    return SimpleNamespace(**STRINGS.get(language.split("-")[0].lower(), STRINGS["en"]))


def _files_digest(folders: list[Path]) -> str:
    h = hashlib.sha1()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def theme_digest(vault_templates: Path) -> str:
    """Changes whenever a template, a static file or the site code changes (forces re-rendering)."""
    code = [p for p in PACKAGE_DIR.glob("*.py")]
    h = hashlib.sha1(_files_digest([TEMPLATES, STATIC, vault_templates]).encode())
    for path in sorted(code):
        h.update(path.read_bytes())
    return h.hexdigest()


def _bytecode_cache(cache_dir: Path | None) -> jinja2.BytecodeCache | None:
    if cache_dir is None:
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(cache_dir))


def make_env(vault_templates: Path, config: SiteConfig, tz: tzinfo,
             url: Callable[[str], str], source_url: Callable[[str], str],
             tag_url: Callable[[str], str], cache_dir: Path | None = None) -> jinja2.Environment:
    """Templates from the vault's ``templates/`` first, then the package's; compiled
    templates are kept in ``cache_dir`` (Jinja checks them against the source)."""
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(vault_templates)),
                                  jinja2.FileSystemLoader(str(TEMPLATES))])
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, auto_reload=False,
                             cache_size=-1, bytecode_cache=_bytecode_cache(cache_dir))
    offset = datetime(2000, 1, 1, tzinfo=tz).strftime("%z")
    label = "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"
    env.filters.update(
        url=url, source_url=source_url, tag_url=tag_url,
        iso=lambda d: d.astimezone(tz).isoformat(),
        day=lambda d: d.astimezone(tz).strftime("%Y-%m-%d"),
        stamp=lambda d: d.astimezone(tz).strftime("%Y-%m-%d %H:%M ") + f"({label})",
    )
    env.globals.update(t=strings(config.language),
                       site=SimpleNamespace(title=config.title, description=config.description,
                                            language=config.language, base_path=config.base_path))
    return env
