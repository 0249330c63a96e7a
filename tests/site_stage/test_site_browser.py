"""Acceptance in real headless Chromium: offline home page, CJK search, inert hostile posts."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote, urlsplit

import pytest

from newsvault.config import load_config
from newsvault.models import Article
from newsvault.serve import serve_in_thread
from newsvault.site.build import build_site
from newsvault.vault import Vault

from .site_helpers import REPO, make_vault

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUT = REPO / "test-output"
MARKER = "NVXSS"
# Our own vectors; each would leave MARKER in a dialog, the console, the title or window.
OWN_VECTORS = [
    f"<script>alert('{MARKER}')</script>",
    f"<img src=x onerror=\"console.log('{MARKER}');window.nvxss=1\">",
    f"<svg onload=\"alert('{MARKER}')\"></svg>",
    '<body onload="window.nvxss=1">',
    f"<iframe srcdoc=\"<script>parent.alert('{MARKER}')</script>\"></iframe>",
    f"<object data=\"data:text/html,<script>alert('{MARKER}')</script>\"></object>",
    f"<embed src=\"data:text/html,<script>alert('{MARKER}')</script>\">",
    f'<meta http-equiv="refresh" content="0;url=javascript:alert(\'{MARKER}\')">',
    f"<base href=\"javascript:alert('{MARKER}')//\">",
    f"<details open ontoggle=\"alert('{MARKER}')\">x</details>",
    f"<input autofocus onfocus=\"alert('{MARKER}')\">",
    "<style>@import 'javascript:alert(1)';</style>",
    f"<a id=nvlink href=\"javascript:alert('{MARKER}')\">click</a>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=alert('{MARKER}')>",
]


@pytest.fixture(scope="module")
def served(built_sample):
    vault, _ = built_sample
    server, base = serve_in_thread(vault.site_dir)
    yield vault, base
    server.shutdown()
    server.server_close()


def _page(browser, base):
    """A page that records console errors, dialogs and every request not to our server."""
    context = browser.new_context()
    log = {"errors": [], "console": [], "dialogs": [], "outside": []}
    host = urlsplit(base).netloc

    def route(r):
        if urlsplit(r.request.url).netloc == host or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            log["outside"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            log["console"].append(m.text) or (m.type == "error" and log["errors"].append(m.text))
        ),
    )
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
    return context, page, log


def test_home_renders_offline_without_errors(browser, served):
    vault, base = served
    OUT.mkdir(exist_ok=True)
    context, page, log = _page(browser, base)
    page.goto(base, wait_until="networkidle")
    assert page.locator("ol.posts li").count() == 97  # 197 posts: 2 full pages, 97 in front
    assert page.title().endswith("Sample")
    page.screenshot(path=str(OUT / "site-home.png"), full_page=False)
    # keyboard: the first Tab reaches the skip link, which leads to <main>
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert log["errors"] == [] and log["outside"] == []
    # a post page (its remote images are blocked here, the page itself is ours)
    page.click("ol.posts li:first-child > a")
    page.wait_for_load_state("networkidle")
    assert page.locator("article.post h1").count() == 1
    page.screenshot(path=str(OUT / "site-post.png"), full_page=False)
    context.close()


def _search(browser, base, query):
    context, page, log = _page(browser, base)
    page.goto(base + "search/?q=" + quote(query))
    page.wait_for_selector("#search[data-state=done]", timeout=15000)
    links = page.eval_on_selector_all(
        "#search-results li > a", "els => els.map(e => e.getAttribute('href'))"
    )
    context.close()
    assert log["errors"] == [] and log["outside"] == []
    return [unquote(urlsplit(link).path) for link in links]


@pytest.mark.parametrize(
    "query, post_start",
    [
        (
            "國務卿",
            "/2021-01-27/美國務卿與英德外長通話",
        ),  # Traditional Chinese, only in the seed post
        (
            "萤火虫",
            "/2014-12-22/翻墙新利器-萤火虫代理",
        ),  # Simplified Chinese, only in one sample post
        ("日本語", "/2025-02-15/不會日文去考-JLPT"),  # Japanese, one post
        ("Blinken", "/2023-06-16/The-Stakes-of-Antony-Blinken"),  # English
    ],
)
def test_search_finds_the_post(browser, served, query, post_start):
    links = _search(browser, served[1], query)
    assert any(link.startswith(post_start) for link in links[:3]), links
    # 日本語: with tests/data's posts, a post about 日本 (Japan) ranks first and the JLPT post
    # second (with the full sample, the JLPT post was first)
    if query not in ("Blinken", "日本語"):
        assert links[0].startswith(post_start), links


def _xss_vectors() -> tuple[list[str], list[str]]:
    """Own vectors plus the content stage's corpus (raw), and the corpus cleaned by it."""
    corpus_file = REPO / "tests" / "data" / "xss_corpus.txt"
    corpus = (
        [
            line
            for line in corpus_file.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        if corpus_file.exists()
        else []
    )
    cleaned: list[str] = []
    try:
        from newsvault.content.clean import ContentOptions, clean_html
    except ImportError:
        clean_html = None
    if clean_html is not None and corpus:
        cleaned = [clean_html(v, "https://example.com/a", ContentOptions()).html for v in corpus]
    return OWN_VECTORS + corpus, cleaned


@contextmanager
def _site_of(tmp_path, articles):
    """A vault of these posts, built and served: yields (vault, base URL)."""
    from newsvault.archive.posts import render_post

    root = make_vault(tmp_path / "v", [])
    for art in articles:
        (root / "_posts" / f"2021-01-27-{art.title}.md").write_text(
            render_post(art), encoding="utf-8"
        )
    vault = Vault(root)
    build_site(vault, load_config(root), search=False)
    server, base = serve_in_thread(vault.site_dir)
    try:
        yield vault, base
    finally:
        server.shutdown()
        server.server_close()


def test_hostile_post_runs_nothing(browser, tmp_path):
    raw, cleaned = _xss_vectors()
    when = datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)
    arts = [
        Article(
            title=f"hostile {n}",
            date=when,
            author="x",
            link="https://example.com/a",
            site="XSS",
            content=html,
            ms=1611791840000,
            tags=("XSS",),
            categories=("XSS",),
        )
        for n, html in enumerate(
            ["".join(raw).replace("\n", " "), "".join(cleaned).replace("\n", " ")]
        )
        if html
    ]
    with _site_of(tmp_path, arts) as (vault, base):
        context, page, log = _page(browser, base)
        for post in sorted(vault.site_dir.glob("2021-01-2*/hostile*/index.html")):
            page.goto(
                base + quote(str(post.parent.relative_to(vault.site_dir))) + "/", wait_until="load"
            )
            page.wait_for_timeout(500)
            page.keyboard.press("Tab")
            page.wait_for_timeout(100)
            assert page.evaluate("typeof window.nvxss") == "undefined"
            assert MARKER not in page.title()
        context.close()
    assert log["dialogs"] == []
    assert not [m for m in log["console"] if MARKER in m and "Refused" not in m]
    assert not [u for u in log["outside"] if "xss" in u.lower() and u.endswith(".js")]


# A post body that tries to lie over the mirror's own page (issue 11.10): the sanitizer
# keeps absolute positioning, z-index and margins on purpose (layouts use them), so the
# site contains the body's box instead.
COVERING = [
    '<a id="cover1" href="https://evil.example/1" style="position:absolute;top:0;left:0;'
    'width:100%;height:100%;z-index:2147483647;background:rgba(255,0,0,.3)">covered</a>',
    '<div style="position:relative;z-index:2147483647;margin:-5000px 0 0 -5000px;'
    'width:20000px;height:20000px"><a id="cover2" href="https://evil.example/2" '
    'style="display:block;width:100%;height:100%">covered</a></div>',
    '<a id="cover3" href="https://evil.example/3" style="position:absolute;top:-3000px;'
    'left:-3000px;width:10000px;height:10000px;z-index:99999">covered</a>',
]


def test_a_covering_post_body_leaves_the_site_links_clickable(browser, tmp_path):
    from newsvault.content.clean import ContentOptions, clean_html

    when = datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)
    arts = []
    for n, vector in enumerate(COVERING):
        html = clean_html(
            f"<p>text before</p>{vector}<p>text after</p>",
            "https://example.com/a",
            ContentOptions(),
        ).html
        assert "z-index" in html and ("absolute" in html or "margin" in html), html  # kept
        arts.append(
            Article(
                title=f"cover {n}",
                date=when - timedelta(hours=n),
                author="x",
                link=f"https://example.com/{n}",
                site="Cover",
                content=html,
                ms=1611791840000 - n * 3600_000,
                tags=("Cover",),
                categories=("Cover",),
            )
        )
    with _site_of(tmp_path, arts) as (vault, base):
        context, page, _ = _page(browser, base)
        for post in sorted(vault.site_dir.glob("2021-01-2*/cover*/index.html")):
            url = base + quote(str(post.parent.relative_to(vault.site_dir))) + "/"
            page.goto(url, wait_until="load")
            assert page.locator("[id^=cover]").count() == 1
            own = page.eval_on_selector_all(
                ".masthead a, .neighbours a, .origin a, .terms a, .foot a, .meta a",
                """els =>
                els.map(a => {
                  a.scrollIntoView({block: 'center'});
                  const s = a.getBoundingClientRect();
                  const hit = document.elementFromPoint(s.x + s.width / 2, s.y + s.height / 2);
                  return [a.getAttribute('href'), !!hit && hit.closest('a') === a]; })""",
            )
            assert len(own) >= 6 and all(on_top for _, on_top in own), (post.parent.name, own)
            page.click(
                ".masthead nav a[href$='sources/index.html']"
            )  # a real click lands on our link
            page.wait_for_load_state("load")
            assert page.url.endswith("/sources/index.html"), page.url
        context.close()
