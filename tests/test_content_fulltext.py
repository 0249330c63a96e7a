"""Full text from realistic news pages served on 127.0.0.1, and the fixed stage order."""

from __future__ import annotations

import asyncio

import pytest
from selectolax.lexbor import LexborHTMLParser

from content_support import HttpxFetcher, Route, Site, find_executable, serve
from newsvault.content import STAGES, ContentOptions, ContentResult, prepare_content
from newsvault.content.fulltext import decode_page, extract_selected
from newsvault.models import Fetched

ARTICLE = [
    "The city council voted on Tuesday to expand the night bus network to the eastern districts, "
    "a decision residents had been asking for since the last metro line closed for renovation.",
    "Under the plan, four new routes will run every twenty minutes between midnight and five in the "
    "morning, connecting the hospital quarter with the central station and the river port.",
    "Transport officials said the extra service would cost about three million a year, to be paid "
    "from the parking fund rather than from higher fares, which stay frozen until next spring.",
    "Opposition members questioned whether enough drivers could be hired in time, noting that the "
    "operator had cancelled dozens of daytime trips last month because of staff shortages.",
]
BOILERPLATE = [
    "Subscribe to our newsletter",
    "ADVERTISEMENT: Best mortgage rates",
    "Most read this week",
    "Celebrity chef opens rooftop garden",
    "Great article, thanks!",
    "I disagree with the council",
    "Copyright 2024 Daily Example Media",
    "Accept all cookies",
]


def news_page(title: str = "Night buses are coming to the east side") -> str:
    paragraphs = "".join(f"<p>{p}</p>\n" for p in ARTICLE)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Daily Example</title>
<link rel="stylesheet" href="/static/site.css"><script src="/static/ads.js"></script>
<script>window.dataLayer = [{{"page": "article"}}]; function track() {{}}</script>
<style>.ad-slot {{ height: 250px }}</style></head>
<body>
<div class="cookie-banner">We use cookies. <button>Accept all cookies</button></div>
<header class="site-header"><a href="/" class="logo">Daily Example</a>
<nav class="main-nav"><ul><li><a href="/news">News</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li><li><a href="/opinion">Opinion</a></li></ul></nav>
<form class="search" action="/search"><input name="q" placeholder="Search"></form></header>
<div class="ad-slot top"><span>ADVERTISEMENT: Best mortgage rates</span></div>
<main>
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/news">News</a></div>
<article class="story">
<h1 class="headline">{title}</h1>
<div class="byline">By <a href="/authors/jane">Jane Reporter</a> · <time datetime="2024-03-05">5 March 2024</time></div>
<div class="share"><a href="https://twitter.example/share">Share</a> <a href="mailto:?subject=x">Email</a></div>
<div class="article-body">
<figure><img src="/media/2024/night-bus.jpg" alt="A night bus at the central station"><figcaption>A night bus at the central station.</figcaption></figure>
{paragraphs}<p>Read the <a href="/docs/council-decision.pdf">full council decision</a> for details.</p>
</div>
<div class="newsletter-box"><h3>Subscribe to our newsletter</h3><p>Get the day's news every morning.</p></div>
</article>
<aside class="related"><h2>Most read this week</h2><ul>
<li><a href="/culture/chef">Celebrity chef opens rooftop garden</a></li>
<li><a href="/sport/derby">Derby ends in a draw after late goal</a></li></ul></aside>
<section class="comments" id="comments"><h2>Comments (2)</h2>
<div class="comment"><b>reader1</b><p>Great article, thanks!</p></div>
<div class="comment"><b>reader2</b><p>I disagree with the council on this one.</p></div></section>
</main>
<div class="ad-slot bottom"><span>ADVERTISEMENT: Best mortgage rates</span></div>
<footer><p>Copyright 2024 Daily Example Media</p><a href="/about">About</a> <a href="/privacy">Privacy</a></footer>
<script>track();</script>
</body></html>"""


def run(html: str | None, link: str, options: ContentOptions, fetcher: object) -> ContentResult:
    return asyncio.run(
        prepare_content(html, link, options=options, fetcher=fetcher, assets_dir=None)
    )  # type: ignore[arg-type]


def text_of(html: str) -> str:
    tree = LexborHTMLParser(f"<div>{html}</div>")
    return " ".join((tree.body.text(separator=" ") if tree.body else "").split())


@pytest.fixture()
def site() -> Site:
    with serve(Site()) as running:
        running.add("/news/2024/night-buses.html", news_page())
        yield running


def test_auto_extracts_the_article_without_boilerplate(site: Site) -> None:
    link = site.url("/news/2024/night-buses.html")
    result = run(
        "<p>Short summary from the feed.</p>", link, ContentOptions(fulltext="auto"), HttpxFetcher()
    )
    assert result.notes == ()
    text = text_of(result.html)
    for paragraph in ARTICLE:
        assert paragraph in text
    for junk in BOILERPLATE:
        assert junk not in text, junk
    assert "Short summary from the feed" not in text
    tree = LexborHTMLParser(result.html)
    assert site.url("/media/2024/night-bus.jpg") in [
        n.attributes.get("src") for n in tree.css("img")
    ]
    assert site.url("/docs/council-decision.pdf") in [
        n.attributes.get("href") for n in tree.css("a")
    ]
    assert find_executable(result.html) == [] and "\n" not in result.html


def test_css_selector_extracts_exactly_the_selected_element(site: Site) -> None:
    link = site.url("/news/2024/night-buses.html")
    result = run(
        "<p>summary</p>", link, ContentOptions(fulltext="div.article-body"), HttpxFetcher()
    )
    assert result.notes == ()
    tree = LexborHTMLParser(f"<body>{result.html}</body>")
    top = [n for n in tree.body.iter() if n.tag != "-text"] if tree.body else []
    assert [(n.tag, n.attributes.get("class")) for n in top] == [("div", "article-body")]
    expected = LexborHTMLParser(news_page()).css_first("div.article-body")
    assert expected is not None
    assert text_of(result.html) == " ".join(expected.text(separator=" ").split())
    assert "Jane Reporter" not in result.html and "Night buses are coming" not in result.html
    # relative image made absolute against the page, caption kept
    assert f'<img src="{site.url("/media/2024/night-bus.jpg")}"' in result.html
    assert "<figcaption>A night bus at the central station.</figcaption>" in result.html


def test_selector_matches_are_joined_in_document_order() -> None:
    page = "<div class=x>1</div><p>no</p><div class=x>2</div>"
    assert extract_selected(page, "div.x") == '<div class="x">1</div><div class="x">2</div>'


@pytest.mark.parametrize(
    ("rule", "path", "reason"),
    [
        ("auto", "/missing.html", "404"),
        ("div.no-such-thing", "/news/2024/night-buses.html", "matched nothing"),
        ("div[", "/news/2024/night-buses.html", "selector"),
    ],
)
def test_failure_keeps_the_feed_content_and_is_noted(
    site: Site, rule: str, path: str, reason: str
) -> None:
    feed_html = "<p>Feed <b>summary</b></p>"
    result = run(feed_html, site.url(path), ContentOptions(fulltext=rule), HttpxFetcher())
    assert result.html == feed_html
    assert (
        len(result.notes) == 1
        and "full text failed" in result.notes[0]
        and reason in result.notes[0]
    )


def test_non_html_page_fails(site: Site) -> None:
    site.add("/doc.pdf", b"%PDF-1.7 " + b"x" * 500, "application/pdf")
    result = run(
        "<p>kept</p>", site.url("/doc.pdf"), ContentOptions(fulltext="auto"), HttpxFetcher()
    )
    assert result.html == "<p>kept</p>" and "not an HTML page (application/pdf)" in result.notes[0]


def test_oversize_page_fails_by_the_fetcher_limit(site: Site) -> None:
    feed_html = "<p>kept</p>"
    result = run(
        feed_html,
        site.url("/news/2024/night-buses.html"),
        ContentOptions(fulltext="auto"),
        HttpxFetcher(default_max=1000),
    )
    assert result.html == feed_html and "over 1000 bytes" in result.notes[0]


def test_redirected_page_resolves_links_against_its_final_url(site: Site) -> None:
    site.routes["/go/123"] = Route(301, "text/html", b"", location="/news/2024/night-buses.html")
    result = run(
        None, site.url("/go/123"), ContentOptions(fulltext="div.article-body"), HttpxFetcher()
    )
    assert f'href="{site.url("/docs/council-decision.pdf")}"' in result.html


def test_cjk_page_with_declared_charset(site: Site) -> None:
    body = "".join(
        f"<p>{'台北市議會週二表決通過擴大夜間公車路網，居民期待已久。' * 3}{i}</p>"
        for i in range(5)
    )
    page = f'<html><head><meta charset="big5"></head><body><nav>首頁 新聞 體育</nav><article><h1>夜間公車</h1>{body}</article><footer>版權所有</footer></body></html>'
    site.add("/zh.html", page.encode("big5"), "text/html")
    result = run(None, site.url("/zh.html"), ContentOptions(fulltext="auto"), HttpxFetcher())
    assert "台北市議會週二表決通過擴大夜間公車路網" in result.html
    assert "版權所有" not in result.html


# --------------------------------------------------------------------- stage order
def test_stage_order_is_written_down() -> None:
    assert STAGES == ("fulltext", "oneline", "sanitize", "absolutize", "images")


def test_stage_order_is_enforced(site: Site) -> None:
    page = (
        "<html><body><div class=body><p>text</p><script>alert(1)</script>"
        "<pre>line one\n  line two</pre><img src='pic.png' onerror='x()'>"
        "<img src='javascript:alert(1)'></div></body></html>"
    )
    site.add("/order/page.html", page)
    result = run(
        "<p>feed</p>",
        site.url("/order/page.html"),
        ContentOptions(fulltext="div.body", images="proxy"),
        HttpxFetcher(),
    )
    host = site.base.split("://", 1)[1]
    assert result.html == (
        '<div class="body"><p>text</p><pre>line one&#10;  line two</pre>'
        f'<img src="https://images.weserv.nl/?url={host}/order/pic.png"><img></div>'
    )
    # fulltext before oneline: the page's <pre> newlines became &#10;
    # fulltext before sanitize: the page's script and handler are gone
    # absolutize before images: the relative image was proxied by its real address
    # sanitize before images: the javascript: image was removed, not proxied


def test_without_a_client_full_text_is_noted_and_the_feed_kept() -> None:
    result = run("<p>feed</p>", "https://x.example/a", ContentOptions(fulltext="auto"), None)
    assert result.html == "<p>feed</p>" and "no HTTP client" in result.notes[0]


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        # <meta charset> alone names the legacy charset (read as its superset, cp950)
        ('<meta charset="big5"><p>國務卿</p>'.encode("big5"), "text/html", "國務卿"),
        # the HTTP header wins over nothing; GB2312 is read as GB18030
        ("<p>萤火虫</p>".encode("gb2312"), "text/html; charset=gb2312", "萤火虫"),
        # bytes that are valid UTF-8 are UTF-8, whatever the page claims (feeds' rule too)
        ('<meta charset="iso-8859-1"><p>日本語</p>'.encode(), "text/html", "日本語"),
    ],
)
def test_pages_are_decoded_by_the_feeds_charset_rules(
    body: bytes, content_type: str, text: str
) -> None:
    page = Fetched(url="https://example.com/a", status=200, content_type=content_type, body=body)
    assert text in decode_page(page)
