"""The XSS corpus, cleaned and rendered like a post, runs nothing in real headless Chromium."""

from __future__ import annotations

import shutil

import pytest
from markdown_it import MarkdownIt
from playwright.sync_api import sync_playwright

from content_support import xss_corpus
from newsvault.content import ContentOptions, clean_html

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Every way a vector could report that it ran: dialogs, and any script at all (a page
# script defines the hooks first; a vector that runs script of its own would call one).
HOOKS = """<script>
window.__ran = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__ran.push(name + ":" + args.join(",")); };
}
window.executeMe = () => window.__ran.push("executeMe");
</script>"""


def _page(bodies: list[str]) -> str:
    md = MarkdownIt("commonmark", {"html": True})
    posts = "".join(
        "<article>" + md.render("<div>\n" + b + "\n</div>\n") + "</article>" for b in bodies
    )
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{HOOKS}</head><body>{posts}</body></html>"


@pytest.mark.browser
@pytest.mark.slow
def test_cleaned_corpus_runs_nothing_in_chromium() -> None:
    link = "https://news.example/a/story.html"
    raw = xss_corpus()
    cleaned = [clean_html(v, link, ContentOptions()).html for v in raw]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # never the network
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            # control: the raw corpus does run script in this page, so the probe works
            page.set_content(_page(raw[:30]), wait_until="load")
            page.wait_for_timeout(300)
            assert page.evaluate("window.__ran.length") > 0
            page.set_content(_page(cleaned), wait_until="load")
            for element in page.query_selector_all("a, img, div, p"):  # hover/focus handlers
                element.dispatch_event("mouseover")
            page.wait_for_timeout(300)
            assert page.evaluate("window.__ran") == []
            assert dialogs == []
            assert page.evaluate("document.querySelectorAll('article script').length") == 0
        finally:
            browser.close()
