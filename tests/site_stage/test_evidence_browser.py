"""Issue 14 item 5 in real headless Chromium: a post with revisions and a deleted post show
their badges, the diff and the evidence, the changes page lists them, served and opened
from the files (offline), with no console error; search still finds the posts.
Screenshots go to ``test-output/evidence/`` for review."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from newsvault.config import load_config
from newsvault.serve import serve_in_thread
from newsvault.site.build import build_site
from newsvault.site.theme import STRINGS

from .site_helpers import REPO
from .test_site_browser import _search
from .test_site_evidence import POSTS, write_vault

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUT = REPO / "test-output" / "evidence"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    vault, _ = write_vault(tmp_path_factory.mktemp("evidence") / "v", 'language = "en"\n')
    build_site(vault, load_config(vault.root))  # with the search index
    server, base = serve_in_thread(vault.site_dir)
    yield vault, base
    server.shutdown()
    server.server_close()


def _page(browser, start: str):
    """A page that records console errors, dialogs and every request off the site (a
    served site's host, or the files)."""
    context = browser.new_context()
    log: dict[str, list[str]] = {"errors": [], "console": [], "dialogs": [], "outside": []}
    ours = urlsplit(start)

    def route(r):
        parts = urlsplit(r.request.url)
        if parts.scheme in ("data", "blob") or (parts.scheme, parts.netloc) == (
            ours.scheme,
            ours.netloc,
        ):
            r.continue_()
        else:
            log["outside"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()

    def console(m) -> None:
        log["console"].append(m.text)
        if m.type == "error":
            log["errors"].append(m.text)

    page.on("console", console)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
    return context, page, log


def _post_url(key: str) -> str:
    art = POSTS[key]
    return f"{art.date:%Y-%m-%d}/{quote(art.title)}/"


@pytest.mark.parametrize("mode", ["served", "files"])
def test_badges_diff_and_evidence_render_without_errors(browser, site, mode: str) -> None:
    vault, base = site
    start = base if mode == "served" else vault.site_dir.resolve().as_uri() + "/"
    t = STRINGS["en"]
    OUT.mkdir(parents=True, exist_ok=True)
    context, page, log = _page(browser, start)
    index = "" if mode == "served" else "index.html"
    page.goto(start + _post_url("edited") + index, wait_until="load")
    badge = page.locator(".evidence-badges a.badge.edited")
    assert badge.inner_text() == t["edited_n"].format(n=2)
    assert badge.is_visible()
    # the archived original comes first, then the revisions
    top = page.evaluate(
        "[...document.querySelectorAll('.content, #revisions')].map(e => e.getBoundingClientRect().top)"
    )
    assert top[0] < top[1]
    first = page.locator("#revision-1 .diff")
    assert first.locator("del").all_inner_texts() == ["很"]
    assert first.locator("ins").all_inner_texts() == ["不"]
    struck = first.locator("del").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in struck
    badge.click()
    assert page.evaluate("location.hash") == "#revisions"
    page.locator("#revision-2 details summary").click()
    assert page.locator("#revision-2 .revision-text").is_visible()
    page.screenshot(path=str(OUT / f"revised-{mode}.png"), full_page=True)

    page.goto(start + _post_url("deleted") + index, wait_until="load")
    deleted = page.locator(".evidence-badges a.badge.deleted")
    assert deleted.inner_text() == t["deleted"].format(date="2024-05-02", reason=t["reason_gone"])
    rows = page.locator("#deletion tbody tr")
    assert rows.count() == 3 and "404" in rows.first.inner_text()
    page.screenshot(path=str(OUT / f"deleted-{mode}.png"), full_page=True)

    page.goto(start + _post_url("removed") + index, wait_until="load")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.nvxss") == "undefined"
    assert (
        "<script>alert('NVXSS')</script>"
        in page.locator("#revision-1 .revision-text").text_content()
    )

    page.goto(start + "changes/" + index, wait_until="load")
    items = page.locator("ol.posts li")
    assert items.count() == 3
    assert page.locator("ol.posts .marks .badge.deleted").count() == 2
    page.screenshot(path=str(OUT / f"changes-{mode}.png"), full_page=True)
    page.goto(start + index, wait_until="load")
    page.click(f"text={t['changes_link']}")
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == t["changes"]
    context.close()
    assert log["errors"] == [] and log["outside"] == [] and log["dialogs"] == []
    assert not [m for m in log["console"] if "NVXSS" in m and "Refused" not in m]


def test_search_still_finds_the_posts(browser, site) -> None:
    _, base = site
    assert any(link.startswith("/2024-05-01/天氣") for link in _search(browser, base, "公園散步"))
    assert any(
        link.startswith("/2024-05-02/Minister") for link in _search(browser, base, "minister")
    )


def test_the_evidence_fits_a_phone(browser, site) -> None:
    vault, _ = site
    start = vault.site_dir.resolve().as_uri() + "/"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    for key in ("edited", "deleted", "removed"):
        page.goto(start + _post_url(key) + "index.html", wait_until="load")
        for summary in page.locator("details summary").all():
            summary.click()  # the full texts open too
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, (key, wide)
    page.screenshot(path=str(OUT / "removed-phone.png"), full_page=True)
    context.close()
