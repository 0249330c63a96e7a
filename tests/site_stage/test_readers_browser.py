"""Issue 16 items 1, 2 and 4 in real Chromium, on the built real sample: one tree (built
with ``base_path = "/oped2/"``) opened from the files and served under its base path, on a
desktop and a 390 px phone. Every page is crawled: no missing resource, no broken link,
every article image shows a picture, no sideways scroll on the phone. Screenshots go to
``test-output/readers/`` for review."""

from __future__ import annotations

import struct
import zlib
from collections import deque
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urlsplit

import pytest

from newsvault.config import load_config
from newsvault.serve import serve_in_thread
from newsvault.site.build import build_site
from newsvault.vault import Vault

from .site_helpers import REPO, SAMPLE_POSTS, SEED_DIR, make_vault

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUT = REPO / "test-output" / "readers"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _png(width: int, height: int) -> bytes:
    """A real PNG (grey), what the test answers for every remote image: no network here."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PICTURE = _png(640, 360)


@pytest.fixture(scope="module")
def oped2(tmp_path_factory: pytest.TempPathFactory):
    """The real sample and the seed post, built for a GitHub Pages project site."""
    root = make_vault(
        tmp_path_factory.mktemp("oped2"),
        sorted(SAMPLE_POSTS.iterdir()) + sorted(SEED_DIR.glob("*.md")),
        '[site]\ntitle = "Sample"\nbase_url = "https://example.github.io"\nbase_path = "/oped2/"\n',
    )
    vault = Vault(root)
    build_site(vault, load_config(root), full=True)
    server, base = serve_in_thread(vault.site_dir, base_path="/oped2/")
    yield vault, base
    server.shutdown()
    server.server_close()


def _start(oped2, mode: str) -> str:
    vault, base = oped2
    return base if mode == "served" else vault.site_dir.resolve().as_uri() + "/"


def _context(browser, viewport: str, start: str):
    """A browser context that answers remote images with a real picture, refuses every
    other request to another host, and records what failed."""
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        device_scale_factor=1,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    log: dict[str, list[str]] = {"failed": [], "errors": [], "outside": []}
    ours = urlsplit(start).netloc

    def route(r):
        url = r.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "file") or parts.netloc == ours:
            r.continue_()
        elif r.request.resource_type == "image":
            r.fulfill(status=200, content_type="image/png", body=PICTURE)
        else:
            log["outside"].append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()

    def failed(request) -> None:
        if request.url.startswith(start):
            log["failed"].append(f"{request.url}: {request.failure}")

    def response(resp) -> None:
        if resp.url.startswith(start) and resp.status >= 400:
            log["failed"].append(f"{resp.url}: HTTP {resp.status}")

    page.on("requestfailed", failed)
    page.on("response", response)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    return context, page, log


# Every image of the page loaded (lazy ones too), then what the crawl checks.
INSPECT = """async () => {
  const imgs = [...document.querySelectorAll('img')];
  for (const i of imgs) { i.loading = 'eager'; }
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  const sheet = getComputedStyle(document.body).maxWidth;
  return {
    links: [...document.querySelectorAll('a[href], link[href]')].map(a => a.href),
    resources: [...document.querySelectorAll('script[src], img[src]')].map(e => e.src),
    blank: imgs.filter(i => i.closest('.content') && i.naturalWidth <= 1).map(i => i.outerHTML.slice(0, 300)),
    images: imgs.filter(i => i.closest('.content')).length,
    wide: document.documentElement.scrollWidth - window.innerWidth,
    styled: sheet !== 'none',
  };
}"""


def _local_file(url: str, site: Path, start: str) -> Path:
    rel = unquote(urlsplit(url).path)[len(unquote(urlsplit(start).path)) :]
    return site / rel


def _crawl(browser, oped2, mode: str, viewport: str) -> dict[str, object]:
    vault, _base = oped2
    site = vault.site_dir.resolve()
    start = _start(oped2, mode)
    context, page, log = _context(browser, viewport, start)
    queue, seen = deque([start + "index.html"]), set()
    broken: list[str] = []
    blank: list[str] = []
    wide: list[str] = []
    unstyled: list[str] = []
    images = 0
    others: set[str] = set()
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        resp = page.goto(url, wait_until="load")
        if mode == "served":
            assert resp is not None and resp.status == 200, url
        got = page.evaluate(INSPECT)
        images += got["images"]
        blank += [f"{url}: {b}" for b in got["blank"]]
        if viewport == "phone" and got["wide"] > 0:
            wide.append(f"{url}: {got['wide']}px")
        if not got["styled"]:
            unstyled.append(url)
        for link in got["links"] + got["resources"]:
            link = urldefrag(link)[0]
            if not link.startswith(start):
                assert not link.startswith(("file:", "http://127.0.0.1")), (
                    f"{url} links outside the site: {link}"
                )
                continue
            if mode == "file" and link.endswith("/"):
                broken.append(f"{url} → {link} (a folder: no index.html from the files)")
            if link.split("?")[0].endswith(".html") or link.endswith("/"):
                queue.append(link.split("?")[0])
            else:
                others.add(link)
    for link in sorted(others):  # feeds, the stylesheet, scripts, mirrors.json…
        if mode == "file":
            if not _local_file(link, site, start).is_file():
                broken.append(link)
        else:
            status = context.request.get(link).status
            if status != 200:
                broken.append(f"{link}: {status}")
    context.close()
    return dict(
        pages=len(seen),
        seen=seen,
        images=images,
        broken=broken,
        blank=blank,
        wide=wide,
        unstyled=unstyled,
        log=log,
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("mode", ["file", "served"])
def test_every_page_works_from_the_files_and_served(browser, oped2, mode, viewport):
    got = _crawl(browser, oped2, mode, viewport)
    vault, _ = oped2
    html_pages = [p for p in vault.site_dir.rglob("*.html") if p.name != "404.html"]
    # every page is reached through links alone (the 404 page is the server's, not linked)
    reached = {unquote(u) for u in got["seen"]}  # type: ignore[union-attr]
    start = unquote(_start(oped2, mode))
    missed = [
        p
        for p in html_pages
        if start + p.relative_to(vault.site_dir).as_posix() not in reached
        and not (
            p.name == "index.html"
            and start + p.parent.relative_to(vault.site_dir).as_posix() + "/" in reached
        )
        and not (p == vault.site_dir / "index.html" and start in reached)
    ]
    assert missed == [] and len(reached) == len(html_pages), (
        missed[:10],
        sorted(reached)[:3],
        len(html_pages),
    )
    assert got["broken"] == [] and got["unstyled"] == []
    assert got["log"]["failed"] == [] and got["log"]["errors"] == [], got["log"]
    assert got["images"] > 100 and got["blank"] == [], got["blank"][:5]
    assert got["wide"] == [], got["wide"][:10]


def _post_with_pictures(vault: Vault) -> str:
    page = next(
        p
        for p in sorted(vault.site_dir.rglob("*/index.html"))
        if b"jetpack-lazy-image" in p.read_bytes() and "iYouPort" in p.parent.name
    )
    return quote(page.relative_to(vault.site_dir).as_posix())


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_screenshots_and_search_served(browser, oped2, viewport):
    vault, base = oped2
    OUT.mkdir(parents=True, exist_ok=True)
    context, page, log = _context(browser, viewport, base)
    page.goto(base, wait_until="load")
    page.screenshot(path=str(OUT / f"{viewport}-front.png"))
    page.goto(base + _post_with_pictures(vault), wait_until="load")
    page.evaluate(INSPECT)
    page.screenshot(path=str(OUT / f"{viewport}-post.png"))
    page.goto(base + "sources/index.html", wait_until="load")
    page.screenshot(path=str(OUT / f"{viewport}-sources.png"))
    page.fill("#site-q", "萤火虫")
    page.press("#site-q", "Enter")
    page.wait_for_selector("#search[data-state=done]", timeout=20000)
    first = page.locator("#search-results li > a").first
    assert "萤火虫" in first.inner_text()
    page.screenshot(path=str(OUT / f"{viewport}-search.png"))
    first.click()
    page.wait_for_load_state("load")
    assert unquote(page.url).startswith(base + "2014-12-22/翻墙新利器-萤火虫代理")
    assert page.locator("article.post > header h1").count() == 1
    page.goto(base[: -len("oped2/")], wait_until="load")  # the host's root: sent to the site
    assert page.url == base and page.locator("ol.posts li").count() > 0
    context.close()
    assert log["failed"] == [] and log["errors"] == [] and log["outside"] == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_search_from_the_files_says_what_to_run(browser, oped2, viewport):
    start = _start(oped2, "file")
    OUT.mkdir(parents=True, exist_ok=True)
    context, page, log = _context(browser, viewport, start)
    page.goto(start + "index.html", wait_until="load")
    page.fill("#site-q", "萤火虫")
    page.press("#site-q", "Enter")
    page.wait_for_selector("#search[data-state=offline]", timeout=20000)
    note = page.locator("#search-offline")
    assert note.is_visible() and note.locator("code").inner_text() == "newsvault serve"
    page.screenshot(path=str(OUT / f"{viewport}-search-from-files.png"))
    context.close()
    assert log["failed"] == [] and log["errors"] == []
