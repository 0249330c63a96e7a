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

# The theme's words: the site's own (its navigation) and the search page's (``search_*``,
# also read by search.js, with ``{n}``-style placeholders it fills in).
STRINGS = {
    "zh-Hant": dict(
        skip="跳到內容",
        site_nav="網站導覽",
        sources="來源",
        archive="按月歸檔",
        tags="標籤",
        categories="分類",
        search="搜尋",
        pages="分頁",
        newer="較新",
        older="較舊",
        page="頁",
        original="閱讀原文",
        neighbours="上一篇與下一篇",
        source="來源",
        articles="文章數",
        latest="最新文章",
        updated="最後成功更新",
        unknown="未知",
        untitled="（無標題）",
        not_found="找不到這一頁",
        not_found_text="這個網址沒有內容。",
        home="首頁",
        noscript="搜尋需要 JavaScript。",
        home_heading="最新文章",
        month="月份",
        search_label="搜尋文章",
        search_placeholder="搜尋文章…",
        search_button="搜尋",
        search_hint='繁體、簡體都可以搜尋。多個詞用空格分開（每個詞都要出現）；用引號 "…" 搜尋整句。',
        search_loading="搜尋中…",
        search_results="找到 {n} 篇文章",
        search_none="沒有找到含有「{q}」的文章。",
        search_page="第 {p} 頁，共 {n} 頁",
        search_prev="上一頁",
        search_next="下一頁",
        search_sort="排序",
        search_relevance="相關度",
        search_newest="最新",
        search_error="無法載入搜尋索引。",
        search_results_nav="搜尋結果分頁",
        search_empty="請輸入要搜尋的字詞。",
        mirrors="其他鏡像",
        offline_search="這一頁是從檔案打開的，瀏覽器不讓它讀取搜尋索引。要搜尋，請在存檔的資料夾（有 newsvault.toml 的那個）裡執行這個指令，再打開它顯示的網址：",
        archived="存檔於",
        published="發表於",
    ),
    "zh-Hans": dict(
        skip="跳到内容",
        site_nav="网站导航",
        sources="来源",
        archive="按月归档",
        tags="标签",
        categories="分类",
        search="搜索",
        pages="分页",
        newer="较新",
        older="较旧",
        page="页",
        original="阅读原文",
        neighbours="上一篇与下一篇",
        source="来源",
        articles="文章数",
        latest="最新文章",
        updated="最后成功更新",
        unknown="未知",
        untitled="（无标题）",
        not_found="找不到这一页",
        not_found_text="这个网址没有内容。",
        home="首页",
        noscript="搜索需要 JavaScript。",
        home_heading="最新文章",
        month="月份",
        search_label="搜索文章",
        search_placeholder="搜索文章…",
        search_button="搜索",
        search_hint='简体、繁体都可以搜索。多个词用空格分开（每个词都要出现）；用引号 "…" 搜索整句。',
        search_loading="搜索中…",
        search_results="找到 {n} 篇文章",
        search_none="没有找到含有“{q}”的文章。",
        search_page="第 {p} 页，共 {n} 页",
        search_prev="上一页",
        search_next="下一页",
        search_sort="排序",
        search_relevance="相关度",
        search_newest="最新",
        search_error="无法加载搜索索引。",
        search_results_nav="搜索结果分页",
        search_empty="请输入要搜索的字词。",
        mirrors="其他镜像",
        offline_search="这一页是从文件打开的，浏览器不让它读取搜索索引。要搜索，请在存档的文件夹（有 newsvault.toml 的那个）里运行这个命令，再打开它显示的网址：",
        archived="存档于",
        published="发表于",
    ),
    "en": dict(
        skip="Skip to content",
        site_nav="Site",
        sources="Sources",
        archive="Archive",
        tags="Tags",
        categories="Categories",
        search="Search",
        pages="Pages",
        newer="Newer",
        older="Older",
        page="Page",
        original="Read the original",
        neighbours="Previous and next",
        source="Source",
        articles="Articles",
        latest="Latest article",
        updated="Last successful update",
        unknown="unknown",
        untitled="(untitled)",
        not_found="Page not found",
        not_found_text="Nothing lives at this address.",
        home="Home",
        noscript="Search needs JavaScript.",
        home_heading="Latest articles",
        month="Month",
        search_label="Search articles",
        search_placeholder="Search articles…",
        search_button="Search",
        search_hint="Simplified and Traditional Chinese both work. Several words (separated by spaces) "
        'must all appear; put a phrase in quotes "…".',
        search_loading="Searching…",
        search_results="{n} articles found",
        search_none="No article contains “{q}”.",
        search_page="Page {p} of {n}",
        search_prev="Previous",
        search_next="Next",
        search_sort="Sort by",
        search_relevance="relevance",
        search_newest="newest",
        search_error="The search index could not be loaded.",
        search_results_nav="Result pages",
        search_empty="Type what to search for.",
        mirrors="Mirrors",
        offline_search="This page was opened from the files, and browsers do not let it read the search index. "
        "To search, run this command in the archive's folder (the one with newsvault.toml) and open the address it shows:",
        archived="Archived",
        published="Published",
    ),
}
# The sources page's feed health (fetch/health.py): {n} failures, {error} in the fetcher's
# words, {quiet}/{usual} durations in the page's language.
HEALTH_WORDS = {
    "zh-Hant": dict(
        attempted="最後嘗試",
        health="狀態",
        working="正常",
        failing="連續 {n} 次失敗：{error}",
        silent="已 {quiet}沒有新文章（通常每 {usual}一篇）",
    ),
    "zh-Hans": dict(
        attempted="最后尝试",
        health="状态",
        working="正常",
        failing="连续 {n} 次失败：{error}",
        silent="已 {quiet}没有新文章（通常每 {usual}一篇）",
    ),
    "en": dict(
        attempted="Last attempt",
        health="Health",
        working="working",
        failing="failed {n} times in a row: {error}",
        silent="nothing new for {quiet} (usually every {usual})",
    ),
}
# The evidence of issue 14 (site/evidence_pages.py): badges, the post page's sections,
# the "Removed and edited at source" pages; {date}, {reason}, {n}, {title}… filled in.
EVIDENCE_WORDS = {
    "zh-Hant": dict(
        changes="原文已刪除或修改的文章",
        changes_link="原文刪改",
        changes_intro="{removed} 篇原文已刪除，{edited} 篇原文已修改",
        changes_none="目前沒有原文被刪除或修改。",
        removed_edited="已刪除／已修改",
        edited="原文已修改",
        edited_n="原文已修改（{n} 個新版本）",
        edited_1="原文已修改（1 個新版本）",
        deleted="原文已於 {date} 刪除（{reason}）",
        reason_gone="頁面已不存在",
        reason_blocked="因法律原因無法瀏覽",
        reason_redirected="轉到首頁或通用頁面",
        reason_removed="顯示刪除通知",
        reason_dropped="已從訂閱源撤下",
        deletion_heading="原文已刪除",
        deletion_text="以下幾次重訪都找不到原文（網站故障、逾時不計）。上面是存檔的原文。",
        confirmed="確認於",
        ev_time="檢查時間",
        ev_outcome="結果",
        ev_status="HTTP 狀態",
        ev_final="最終網址",
        ev_marker="比對到的通知",
        outcome_gone="已不存在",
        outcome_blocked="無法瀏覽（451）",
        outcome_redirected="轉到通用頁面",
        outcome_removed="刪除通知",
        outcome_dropped="不在訂閱源中",
        revisions_heading="原文已修改",
        revisions_text="上面是存檔的原文。下面是來源後來的每個版本，與前一版比較：刪去的文字加刪除線，新增的文字加底線。",
        revision_n="第 {n} 版",
        against_original="與存檔的原文比較",
        against_previous="與第 {n} 版比較",
        fetched="抓取時間",
        saved_sha="存檔頁面的 SHA-256",
        full_text="這個版本的全文",
        same_text="文字相同，只有連結或格式改變。",
        unreadable="找不到這個版本的存檔檔案。",
        cleared="曾於 {since} 起判定原文已刪除（{reason}），{at} 頁面又恢復了。",
        feed_edited="原文已修改：{title}",
        feed_deleted="原文已刪除：{title}",
    ),
    "zh-Hans": dict(
        changes="原文已删除或修改的文章",
        changes_link="原文删改",
        changes_intro="{removed} 篇原文已删除，{edited} 篇原文已修改",
        changes_none="目前没有原文被删除或修改。",
        removed_edited="已删除／已修改",
        edited="原文已修改",
        edited_n="原文已修改（{n} 个新版本）",
        edited_1="原文已修改（1 个新版本）",
        deleted="原文已于 {date} 删除（{reason}）",
        reason_gone="页面已不存在",
        reason_blocked="因法律原因无法浏览",
        reason_redirected="转到首页或通用页面",
        reason_removed="显示删除通知",
        reason_dropped="已从订阅源撤下",
        deletion_heading="原文已删除",
        deletion_text="以下几次重访都找不到原文（网站故障、超时不计）。上面是存档的原文。",
        confirmed="确认于",
        ev_time="检查时间",
        ev_outcome="结果",
        ev_status="HTTP 状态",
        ev_final="最终网址",
        ev_marker="匹配到的通知",
        outcome_gone="已不存在",
        outcome_blocked="无法浏览（451）",
        outcome_redirected="转到通用页面",
        outcome_removed="删除通知",
        outcome_dropped="不在订阅源中",
        revisions_heading="原文已修改",
        revisions_text="上面是存档的原文。下面是来源后来的每个版本，与前一版比较：删去的文字加删除线，新增的文字加下划线。",
        revision_n="第 {n} 版",
        against_original="与存档的原文比较",
        against_previous="与第 {n} 版比较",
        fetched="抓取时间",
        saved_sha="存档页面的 SHA-256",
        full_text="这个版本的全文",
        same_text="文字相同，只有链接或格式改变。",
        unreadable="找不到这个版本的存档文件。",
        cleared="曾于 {since} 起判定原文已删除（{reason}），{at} 页面又恢复了。",
        feed_edited="原文已修改：{title}",
        feed_deleted="原文已删除：{title}",
    ),
    "en": dict(
        changes="Removed and edited at source",
        changes_link="Removed and edited",
        changes_intro="{removed} removed at source, {edited} edited at source",
        changes_none="Nothing has been removed or edited at source so far.",
        removed_edited="Removed / edited",
        edited="Edited at source",
        edited_n="Edited at source ({n} later versions)",
        edited_1="Edited at source (1 later version)",
        deleted="Deleted at source on {date} ({reason})",
        reason_gone="page gone",
        reason_blocked="blocked for legal reasons",
        reason_redirected="redirected to a generic page",
        reason_removed="removal notice",
        reason_dropped="dropped from its feed",
        deletion_heading="Deleted at source",
        deletion_text="The original could not be found on these revisits (outages and timeouts do "
        "not count). The archived original is shown above.",
        confirmed="Confirmed",
        ev_time="Checked",
        ev_outcome="Finding",
        ev_status="HTTP status",
        ev_final="Final address",
        ev_marker="Notice matched",
        outcome_gone="gone",
        outcome_blocked="blocked (451)",
        outcome_redirected="redirected to a generic page",
        outcome_removed="removal notice",
        outcome_dropped="not in its feed",
        revisions_heading="Edited at source",
        revisions_text="The archived original is shown above. Below, each later version the source "
        "served, compared with the one before it: removed text is struck through, added text "
        "underlined.",
        revision_n="Version {n}",
        against_original="compared with the archived original",
        against_previous="compared with version {n}",
        fetched="Fetched",
        saved_sha="SHA-256 of the saved page",
        full_text="Full text of this version",
        same_text="The text is the same; only links or markup changed.",
        unreadable="The saved file of this version is missing.",
        cleared="Found deleted ({reason}) from {since}; the page answered again on {at}.",
        feed_edited="Edited at source: {title}",
        feed_deleted="Deleted at source: {title}",
    ),
}
for _language, _words in (*HEALTH_WORDS.items(), *EVIDENCE_WORDS.items()):
    STRINGS[_language].update(_words)
# Language tags → the theme's languages: "zh" (the setting's old value) is Traditional.
ALIASES = {
    "zh": "zh-Hant",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-my": "zh-Hans",
}


def language_tag(language: str) -> str:
    """The site's language as a BCP 47 tag: ``zh`` and the regional Chinese tags become
    ``zh-Hant`` or ``zh-Hans``; anything else is kept as written."""
    return ALIASES.get(language.strip().lower(), language.strip())


def strings(language: str) -> SimpleNamespace:
    """The theme's words in ``language`` (English when it has none), as attributes:
    templates look them up a dozen times a page, and Jinja finds an attribute at once
    where a dict key costs it a failed attribute lookup first."""
    tag = language_tag(language)
    words = STRINGS.get(tag) or STRINGS.get(tag.split("-")[0].lower()) or STRINGS["en"]
    return SimpleNamespace(**words)


def search_strings(language: str) -> dict[str, str]:
    """The search page's words, for search.js."""
    return {k[7:]: v for k, v in vars(strings(language)).items() if k.startswith("search_")}


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
    # the site's code, and the content stage's passes it runs over old posts
    code = [
        *PACKAGE_DIR.glob("*.py"),
        PACKAGE_DIR.parent / "content" / "embeds.py",
        PACKAGE_DIR.parent / "content" / "lazyimages.py",
    ]
    h = hashlib.sha1(_files_digest([TEMPLATES, STATIC, vault_templates]).encode())
    for path in sorted(code):
        h.update(path.read_bytes())
    return h.hexdigest()


def bytecode_cache(cache_dir: Path) -> jinja2.BytecodeCache:
    """Compiled templates kept in ``cache_dir`` between builds (made here: the plan does no I/O)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Compiled code depends on the filters too (a pass_context filter is called with the
    # context): the cache files are named by this module's digest as well as the source's.
    own = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    return jinja2.FileSystemBytecodeCache(str(cache_dir), f"__jinja2_{own}_%s.cache")


def make_env(
    vault_templates: Path,
    config: SiteConfig,
    tz: tzinfo,
    link: Callable[[str | None, str, bool], str],
    source_path: Callable[[str], str],
    tag_path: Callable[[str], str],
    post_link: Callable[[str | None, object], str],
    jinja_cache: jinja2.BytecodeCache | None = None,
) -> jinja2.Environment:
    """Templates from the vault's ``templates/`` first, then the package's; compiled
    templates are kept in ``jinja_cache`` (Jinja checks them against the source).

    The link filters read ``here`` from the page's context (its path in the site, or
    None for root-absolute links: the 404 page shows at any address): ``url`` (a site
    path), ``folder`` (a site folder kept a folder, for scripts), ``source_url``,
    ``tag_url`` and ``post_url`` (a post record)."""

    def here(ctx: jinja2.runtime.Context) -> str | None:
        return ctx.get("here")

    filters: dict[str, Callable[..., str]] = dict(
        url=lambda ctx, path: link(here(ctx), path, False),
        folder=lambda ctx, path: link(here(ctx), path, True),
        source_url=lambda ctx, name: link(here(ctx), source_path(name), False),
        tag_url=lambda ctx, name: link(here(ctx), tag_path(name), False),
        post_url=lambda ctx, post: post_link(here(ctx), post),
    )
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(vault_templates)), jinja2.FileSystemLoader(str(TEMPLATES))]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
        cache_size=-1,
        bytecode_cache=jinja_cache,
    )
    offset = datetime(2000, 1, 1, tzinfo=tz).strftime("%z")
    label = "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"
    env.filters.update({name: jinja2.pass_context(f) for name, f in filters.items()})
    env.filters.update(
        iso=lambda d: d.astimezone(tz).isoformat(),
        day=lambda d: d.astimezone(tz).strftime("%Y-%m-%d"),
        stamp=lambda d: d.astimezone(tz).strftime("%Y-%m-%d %H:%M ") + f"({label})",
    )
    env.globals.update(
        t=strings(config.language),
        site=SimpleNamespace(
            title=config.title,
            description=config.description,
            language=language_tag(config.language),
            base_path=config.base_path,
            search_strings=search_strings(config.language),
        ),
    )
    return env
