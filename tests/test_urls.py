"""One URL module below every stage (issue 13.4): the same link is one string everywhere.

Before ``newsvault/urls.py`` the feed adapters resolved links with ada (WHATWG) and the
content stage, full-text pages and the site with ``urljoin``: base
``https://Example.COM/news/a/b.html`` and href ``../c d.html?q=é`` gave
``https://example.com/news/c%20d.html?q=%C3%A9`` in an entry's link and
``https://Example.COM/news/c d.html?q=é`` in its body, and the dedup key kept each as it
came. These tests go through each stage's own entry point.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from newsvault.archive.identity import normalize_link
from newsvault.content.clean import ContentOptions, clean_html
from newsvault.content.fulltext import page_base
from newsvault.fetch.feeds import parse_feed
from newsvault.site.content import safe_html
from newsvault.urls import absolutize, resolve

BASE = "https://Example.COM/news/a/b.html"
HREF = "../c d.html?q=é"
WANT = "https://example.com/news/c%20d.html?q=%C3%A9"


def _rss(link: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xml:base="{BASE}"><channel>'
        f"<title>t</title><link>{BASE}</link><item><title>x</title><link>{link}</link>"
        f"<description><![CDATA[{body}]]></description></item></channel></rss>"
    ).encode()


def test_a_link_is_one_string_in_the_entry_the_body_the_page_and_the_site() -> None:
    feed = parse_feed(_rss(HREF, f'<a href="{HREF}">x</a>'), url=BASE)
    entry = feed.entries[0]
    assert entry.link == WANT
    body = clean_html(entry.content, BASE, ContentOptions()).html
    assert f'href="{WANT}"' in body
    page = LexborHTMLParser(f'<html><head><base href="{HREF}"></head></html>')
    assert page_base(page, BASE) == WANT
    assert f'href="{WANT}"' in safe_html(f'<a href="{HREF}">x</a>', BASE)
    assert normalize_link("https://Example.COM/news/c d.html?q=é") == normalize_link(WANT) == WANT


def test_an_international_host_is_punycoded_by_every_stage() -> None:
    want = "http://xn--fsqu00a.xn--0zwm56d/p"
    assert resolve("/p", "http://例子.测试/x") == want
    assert absolutize("/p", "http://例子.测试/x") == want
    assert f'href="{want}"' in safe_html('<a href="/p">x</a>', "http://例子.测试/x")
    assert normalize_link("http://例子.测试/p") == want


_RELATIVE = (
    st.text(alphabet="ab/.?#&=%é 國\\:;@+", max_size=12)
    .map(str.strip)
    .filter(lambda s: s and not s.startswith(("#", "/", "\\")) and ":" not in s.split("/")[0])
)


@example("../c d.html?q=é", "https://Example.COM/news/a/b.html")
@example("a\\b", "http://h.example:80/x/")
@given(_RELATIVE, st.sampled_from([BASE, "http://h.example:80/x/", "https://u@例子.测试/a;b?c#d"]))
def test_content_absolutizing_is_the_url_module(href: str, base: str) -> None:
    assert absolutize(href, base) == resolve(href, base)


@given(
    st.sampled_from(
        [
            "https://E.example:443/a/../b c",
            "HTTP://e.example/%7e?utm_source=x",
            "https://e.example/a#utm_medium=y",
            "https://例子.测试/é",
        ]
    )
)
def test_normalized_links_are_stable_under_resolving(link: str) -> None:
    key = normalize_link(link)
    assert normalize_link(key) == key and normalize_link(resolve(link)) == key


@settings(max_examples=1000)
@example("https://e.example:443/a")
@example("http://h.example:80/")
@example("https://a.b/x?q='")
@given(
    st.from_regex(
        r"https?://[a-z0-9_.-]{0,12}[a-z]{1,3}(:[0-9]{1,5})?(/[a-zA-Z0-9./%'~@:;=?#-]{0,20})?",
        fullmatch=True,
    )
)
def test_the_serialized_fast_path_is_what_ada_gives(url: str) -> None:
    from newsvault.urls import serialized

    assert serialized(url) == resolve(url)
