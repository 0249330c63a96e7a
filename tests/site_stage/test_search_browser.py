"""Search in real headless Chromium on the built real sample: the quality table (every
query's precision and recall against the truth worked out from the pages), the results
page (original script, highlighting, paging, keyboard), the header box on every page,
``base_path`` and offline reading through ``newsvault serve``."""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import quote, unquote, urlsplit

import pytest

from newsvault.config import load_config
from newsvault.serve import serve_in_thread
from newsvault.site.build import build_site
from newsvault.site.search.fold import fold
from newsvault.vault import Vault

from .site_helpers import REPO, SAMPLE_POSTS, SEED_DIR, expected_hits, make_vault, site_post_texts
from .test_site_browser import _page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Simplified, Traditional and variant spellings of the same words; 2- to 4-character
# words and longer, names, English words, phrases, several words (AND), mixed.
SAME = [
    ("国务卿", "國務卿"),
    ("台湾", "臺灣", "台灣", "臺湾"),
    ("历史", "歷史"),
    ("翻墙", "翻牆", "翻墻"),
    ("罗新", "羅新"),
    ("中国", "中國"),
    ("美国", "美國"),
    ("习近平", "習近平"),
    ("共产党", "共產黨"),
    ("经济", "經濟"),
    ("言论自由", "言論自由"),
    ("网络", "網絡"),
    ("软件", "軟件"),
    ("萤火虫", "螢火蟲"),
    ("蓝灯", "藍燈"),
    ("维基百科", "維基百科"),
    ("里面", "裡面", "裏面"),
    ("中华人民共和国", "中華人民共和國"),
]
OTHERS = [
    "香港",
    "自由",
    "蔡英文",
    "特朗普",
    "拜登",
    "日本語",
    "代理",
    "Blinken",
    "China",
    "Taiwan",
    "VPN",
    "Google",
    "freedom",
    "democracy",
    '"Antony Blinken"',
    '"Hong Kong"',
    '"South China Sea"',
    '"VPN Gate"',
    "台湾 美国",
    "中国 经济",
    "翻墙 软件",
    "2020年",
    "iPhone",
    "國務卿 Blinken",
]
QUERIES = [q for group in SAME for q in group] + OTHERS


@pytest.fixture(scope="module")
def served(built_sample):
    vault, _ = built_sample
    server, base = serve_in_thread(vault.site_dir)
    yield vault, base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def truth(built_sample):
    vault, _ = built_sample
    texts = site_post_texts(vault.site_dir)
    return {q: expected_hits(q, texts) for q in QUERIES}


RUN_ALL = """async (queries) => {
  const r = document.getElementById("search");
  const load = (url, kind) => fetch(url).then((x) => kind === "bytes" ? x.arrayBuffer() : x.json());
  const table = new NVSearch.Table(await load(new URL(r.dataset.fold, document.baseURI).href, "json"));
  const ix = new NVSearch.Index(new URL(r.dataset.index, document.baseURI).href, load, table);
  const out = [];
  for (const q of queries) {
    const hits = await ix.search(NVSearch.parseQuery(table, q), "");
    out.push(await Promise.all(hits.map((h) => ix.article(h).then((d) => d.u))));
  }
  return out;
}"""


def test_quality_table(browser, served, truth):
    """Every query: precision >= 0.95 and recall >= 0.98; the spellings of one word
    return one set. The searches run in Chromium, by the page's own code."""
    vault, base = served
    assert len(QUERIES) >= 40
    assert sum(1 for q in QUERIES if truth[q]) >= 40  # the table is not vacuous on this sample
    context, page, log = _page(browser, base)
    page.goto(base + "search/")
    page.wait_for_selector("#search[data-state=done]")
    found = page.evaluate(RUN_ALL, QUERIES)
    context.close()
    assert log["errors"] == [] and log["outside"] == []
    rows = []
    for query, urls in zip(QUERIES, found, strict=True):
        got = {unquote(u) for u in urls}
        assert len(got) == len(urls), query  # no post twice
        want = truth[query]
        hit = len(got & want)
        precision = hit / len(got) if got else 1.0
        recall = hit / len(want) if want else 1.0
        rows.append((query, len(want), len(got), precision, recall))
        assert precision >= 0.95 and recall >= 0.98, (
            query,
            sorted(got - want)[:5],
            sorted(want - got)[:5],
        )
    print("\nquery | truth | found | precision | recall")
    for row in rows:
        print("%s | %d | %d | %.3f | %.3f" % row)
    by_query = dict(zip(QUERIES, found, strict=True))
    for group in SAME:
        assert len({frozenset(by_query[q]) for q in group}) == 1, group


def _search_page(browser, base, query, path="search/"):
    context, page, log = _page(browser, base)
    page.goto(base + path + "?q=" + quote(query))
    page.wait_for_selector("#search[data-state=done]", timeout=15000)
    return context, page, log


def test_results_show_the_original_script_and_the_match(browser, served, truth):
    vault, base = served
    context, page, log = _search_page(browser, base, "国务卿")
    status = page.inner_text("#search-status")
    assert status == f"找到 {len(truth['国务卿'])} 篇文章"
    titles = page.eval_on_selector_all(
        "#search-results li > a", "els => els.map(e => e.textContent)"
    )
    assert any(t.startswith("美國務卿") for t in titles)  # the seed post, in Traditional as written
    marks = page.eval_on_selector_all("#search-results mark", "els => els.map(e => e.textContent)")
    assert "國務卿" in marks and "国务卿" in marks  # each post highlighted in its own script
    assert all(fold(m) == "国务卿" for m in marks)
    excerpts = page.eval_on_selector_all(
        "#search-results p.excerpt", "els => els.map(e => e.textContent)"
    )
    assert len(excerpts) == len(titles) and all(excerpts)
    in_excerpts = page.eval_on_selector_all(
        "#search-results p.excerpt mark", "els => els.map(e => e.textContent)"
    )
    assert in_excerpts and all(
        fold(m) == "国务卿" for m in in_excerpts
    )  # the excerpt shows the match
    dates = page.eval_on_selector_all(
        "#search-results time", "els => els.map(e => e.getAttribute('datetime'))"
    )
    sources = page.eval_on_selector_all(
        "#search-results .meta", "els => els.map(e => e.textContent)"
    )
    assert all(re.match(r"\d{4}-\d\d-\d\dT", d) for d in dates) and all(" · " in s for s in sources)
    (REPO / "test-output").mkdir(exist_ok=True)
    page.screenshot(path=str(REPO / "test-output" / "search-results.png"))
    assert log["errors"] == [] and log["outside"] == []
    # a result leads to its post (whose remote images this browser blocks)
    page.click("#search-results li:first-child > a")
    page.wait_for_load_state("load")
    assert page.locator("article.post h1").count() == 1
    context.close()


def test_paging_and_keyboard(browser, served, truth):
    vault, base = served
    query = max(QUERIES, key=lambda q: len(truth[q]))  # the most results: several pages
    context, page, log = _search_page(browser, base, query)
    assert len(truth[query]) > 20
    first = page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.href)")
    assert len(first) == 10 and page.inner_text("#search-pager").count("1") >= 1
    # keyboard only: from the query box, Tab to the button, and on to the pager's "next"
    page.focus("#site-q")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.focus("#search-pager a[rel=next]")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#search').dataset.state === 'done' && location.search.includes('p=2')"
    )
    second = page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.href)")
    assert len(second) == 10 and not set(first) & set(second)
    assert (
        page.evaluate("document.activeElement.id") == "search-results"
    )  # focus follows the new page
    page.go_back()
    page.wait_for_function(
        "() => !location.search.includes('p=2') && document.querySelector('#search').dataset.state === 'done'"
    )
    assert (
        page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.href)") == first
    )
    # newest first
    page.select_option("#search-sort", "date")
    page.wait_for_function(
        "() => location.search.includes('sort=date') && document.querySelector('#search').dataset.state === 'done'"
    )
    dates = page.eval_on_selector_all(
        "#search-results time", "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert dates == sorted(dates, reverse=True)
    # typing a new query in the box searches it
    page.fill("#site-q", "羅新")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => location.search.includes('q=') && document.querySelector('#search').dataset.state === 'done'"
        " && document.querySelector('#search-status').textContent.includes('"
        + str(len(truth["羅新"]))
        + "')"
    )
    context.close()
    assert log["errors"] == [] and log["outside"] == []


def test_header_search_box_on_every_page(browser, served, truth):
    vault, base = served
    site = vault.site_dir
    post = (
        next(site.glob("2021-01-27/美國務卿*/index.html")).parent.relative_to(site).as_posix() + "/"
    )
    context, page, log = _page(browser, base)
    for path in [
        "",
        quote(post),
        "sources/",
        "tags/",
        "archive/",
        "categories/",
        "page/1/",
        "no/such/page/",
    ]:
        page.goto(base + path)
        box = page.locator("header form.site-search input[name=q]")
        assert box.count() == 1 and box.is_visible(), path
        assert page.get_attribute("html", "lang") == "zh-Hant"
    # (the post's remote images are blocked here, and the 404 page is a 404: nothing else fails)
    assert not [e for e in log["errors"] if not e.startswith("Failed to load resource")]
    page.goto(base + "sources/")
    page.fill("header .site-search input", "臺灣")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search[data-state=done]")
    assert urlsplit(page.url).path == "/search/index.html" and page.input_value("#site-q") == "臺灣"
    assert page.locator("#search-results li").count() == min(10, len(truth["臺灣"])) > 0
    context.close()


def test_search_under_a_base_path_and_in_simplified(browser, tmp_path):
    posts = sorted(SAMPLE_POSTS.iterdir())[::15] + sorted(SEED_DIR.glob("*.md"))
    root = make_vault(tmp_path / "v", posts, '[site]\nbase_path = "/repo/"\nlanguage = "zh-Hans"\n')
    build_site(Vault(root), load_config(root))
    served_root = tmp_path / "host"
    served_root.mkdir()
    (served_root / "index.html").write_text("host", encoding="utf-8")
    (served_root / "repo").symlink_to(root / "_site")
    server, base = serve_in_thread(served_root)
    try:
        context, page, log = _search_page(browser, base, "國務卿", path="repo/search/")
        assert page.inner_text("#search-status") == "找到 1 篇文章"  # Simplified interface words
        assert page.get_attribute("html", "lang") == "zh-Hans"
        link = page.get_attribute("#search-results li > a", "href")
        assert urlsplit(link).path.startswith("/repo/2021-01-27/")
        assert log["errors"] == [] and log["outside"] == []
        page.click("#search-results li > a")
        page.wait_for_load_state("load")
        assert "國務卿" in page.inner_text("article.post h1")
        context.close()
    finally:
        server.shutdown()
        server.server_close()


def test_offline_through_newsvault_serve(browser, built_sample):
    """The CLI's server, a browser that may reach nothing else: search works."""
    vault, _ = built_sample
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsvault", "serve", "--vault", str(vault.root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    try:
        line = proc.stdout.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+/)", line).group(1)
        context, page, log = _search_page(browser, base, '"Antony Blinken"')
        links = [
            unquote(urlsplit(h).path)
            for h in page.eval_on_selector_all(
                "#search-results li > a", "els => els.map(e => e.href)"
            )
        ]
        assert links and links[0].startswith("/2023-06-16/The-Stakes-of-Antony-Blinken")
        context.close()
        assert log["errors"] == [] and log["outside"] == []
    finally:
        proc.terminate()
        proc.wait(timeout=10)
