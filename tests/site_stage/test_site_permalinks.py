"""Permalinks equal real Jekyll 4's for every real sample post (and slug rules in isolation)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsvault.site.permalink import (
    filename_slug,
    href,
    output_path,
    parse_tz,
    permalink,
    slugify_pretty,
)
from newsvault.site.posts import ident, site_posts

from .site_helpers import SAMPLE_POSTS


@pytest.mark.jekyll
@pytest.mark.slow
def test_sample_permalinks_equal_jekyll(jekyll_sample):
    from newsvault.archive.files import posts_below
    from newsvault.site.posts import PostCache, scan

    site, urls = jekyll_sample
    names = sorted(p.name for p in SAMPLE_POSTS.iterdir())
    assert sorted(urls) == names  # Jekyll saw every post
    cache = PostCache(SAMPLE_POSTS / "does-not-exist.pickle")
    metas, _ = scan(SAMPLE_POSTS, posts_below(SAMPLE_POSTS), cache)
    ours = {}
    for meta in metas:
        from newsvault.site.permalink import local_date

        ours[meta.name] = permalink(
            "/:year-:month-:day/:title/",
            local_date(meta.url_date, timezone.utc),
            meta.slug,
            meta.categories,
        )
    mismatched = {n: (ours[n], urls[n]) for n in names if ours[n] != urls[n]}
    assert not mismatched
    # And Jekyll wrote each of those URLs where output_path says.
    for url in set(ours.values()):
        assert (site / output_path(url)).is_file(), url
    tricky = [n for n in names if any(c in n for c in ":?|*\b\u00a0") or len(n.encode()) > 200]
    assert len(tricky) > 100 and all(ours[n] == urls[n] for n in tricky)
    assert ours["2019-10-14-.md"] == "/2019-10-14/"


def test_site_posts_keeps_colliding_urls_apart():
    from newsvault.site.posts import _Meta

    when = datetime(2022, 11, 11, 17, 41, tzinfo=timezone.utc)
    metas = [
        _Meta(
            name=f"2022-11-11-{t}.md",
            title=t,
            date=when,
            url_date=when,
            site="s",
            author="a",
            link="https://x/",
            tags=("s",),
            categories=("s",),
            slug=t,
            digest=t,
        )
        for t in ("Zero COVID?", "Zero-COVID?")
    ]
    urls = [p.url for p in site_posts(metas, "/:year-:month-:day/:title/", timezone.utc)]
    assert sorted(urls) == ["/2022-11-11/Zero-COVID-2/", "/2022-11-11/Zero-COVID/"]


_VERSIONS = st.tuples(st.integers(0, 10**9), st.integers(0, 2**63)).map(lambda t: f"{t[0]}.{t[1]}")


@given(
    st.lists(st.tuples(_VERSIONS, st.text()), max_size=4),
    st.lists(st.tuples(_VERSIONS, st.text()), max_size=4),
)
def test_post_tokens_joined_are_unambiguous(a, b):
    """Page keys join the posts' tokens with no separator: different posts (or orders)
    must never join to the same text."""
    joined = ["".join(ident(version, url) for version, url in posts) for posts in (a, b)]
    assert (joined[0] == joined[1]) == (a == b)


@pytest.mark.parametrize(
    "text, slug",
    [
        (
            "美國務卿與英德外長通話 同意就中國議題緊密合作",
            "美國務卿與英德外長通話-同意就中國議題緊密合作",
        ),
        ("翻墙七种武器之离别钩:VPN Gate (上)", "翻墙七种武器之离别钩-VPN-Gate-(上)"),
        ("The Beginning of the End for Zero COVID?", "The-Beginning-of-the-End-for-Zero-COVID"),
        ("a\bb|c*d", "a-b-c-d"),
        ("a\u00a0 b", "a-b"),
        ("", ""),
        ("--x--", "x"),
        ("Ünïcode's", "Ünïcode's"),
    ],
)
def test_slugify_pretty(text, slug):
    assert slugify_pretty(text) == slug


def test_permalink_rules():
    d = datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)
    assert permalink("/:year-:month-:day/:title/", d, "a b") == "/2021-01-27/a-b/"
    assert permalink("/:year-:month-:day/:title/", d, "") == "/2021-01-27/"
    assert (
        permalink("/:categories/:year/:i_month/:slug.html", d, "A B", ("News", "x"))
        == "/news/x/2021/1/a-b.html"
    )
    # Jekyll's URL#sanitize_url: ".." → "/", then "./" removed (checked with jekyll 4.3.1).
    assert permalink("/:year-:month-:day/:title/", d, "wait...what") == "/2021-01-27/wait/.what/"
    assert permalink("/:year-:month-:day/:title/", d, "a....b") == "/2021-01-27/a/b/"
    assert filename_slug("2021-01-27-x..md") == "x" and filename_slug("2021-01-27-y.z..md") == "y.z"
    assert (
        permalink("/:year-:month-:day/:title/", d, filename_slug("2021-01-27-0.%.md"))
        == "/2021-01-27/0"
    )
    assert permalink("/:year/:title/", date(2020, 5, 3), "x") == "/2020/x/"
    assert filename_slug("2021-01-27-Title: x.md") == "Title: x"
    assert output_path("/a/b/") == "a/b/index.html" and output_path("/x.html") == "x.html"
    assert href("/repo/", "/2021-01-27/a b/") == "/repo/2021-01-27/a%20b/"
    assert parse_tz("+08:00").utcoffset(None).total_seconds() == 8 * 3600


@given(st.text())
def test_slug_only_has_safe_characters(text):
    slug = slugify_pretty(text)
    assert "/" not in slug and "?" not in slug and "#" not in slug and "%" not in slug
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug
    url = permalink(
        "/:year-:month-:day/:title/", date(2020, 1, 2), filename_slug(f"2020-01-02-{text}.md")
    )
    assert ".." not in url and url.startswith("/2020-01-02/") and "//" not in url
    # a slug ending in "." loses its trailing slash to Jekyll's "./" rule: "0.%" → /2020-01-02/0
    # → 0.html (checked with jekyll 4.3.1); every URL still maps to a file of its own
    assert output_path(url).endswith(".html")


def _text(html_text: str) -> str:
    import re

    import lxml.html

    if not html_text.strip():
        return ""
    parts = lxml.html.fragments_fromstring(html_text)
    return re.sub(r"\s+", "", "".join(p if isinstance(p, str) else p.text_content() for p in parts))


@pytest.mark.jekyll
@pytest.mark.slow
def test_bodies_display_as_kramdown_renders_them(jekyll_sample):
    """Our article HTML against Jekyll's (kramdown) for every sample post: the old
    pretty-printed "html" layout must stay HTML (no CommonMark code blocks), and the text
    must match. Known, intended differences: we drop scripts/styles, turn frames into links and XML-illegal
    characters, and kramdown prints some malformed tags as text where we leave them to the
    browser; so the text must match for most posts."""
    from newsvault.archive.posts import read_post
    from newsvault.site.content import _DANGEROUS, XML_ILLEGAL, article_html, as_content_stage
    from newsvault.site.posts import read_body

    site, urls = jekyll_sample
    same = total = 0
    for path in sorted(SAMPLE_POSTS.iterdir()):
        post = read_post(path)
        ours = article_html(read_body(path), post.layout, post.article.link)
        theirs = (site / output_path(urls[path.name])).read_text(encoding="utf-8")
        if (
            post.layout == "link"
        ):  # kramdown's <p><a>title</a> ——</p>; our page shows the title itself
            theirs = theirs.split("</p>", 1)[1]
        # intended: embeds become links, lazy images show their picture, noscript is shown
        theirs = _DANGEROUS.sub(
            "", XML_ILLEGAL.sub("", as_content_stage(theirs, post.article.link))
        )
        assert ours.count("<pre") == theirs.count("<pre"), path.name
        assert ours.count("<code") <= theirs.count("<code"), path.name
        total += 1
        same += _text(ours) == _text(theirs)
    # 148 of tests/data's 196 (76%); 527 of the full sample's 599 (88%). The subset holds
    # 51 ChinaFile (中参馆) posts, kept for the "?" in their names, and most differences are
    # theirs (50 of the full sample's 72) and 燕京书评's.
    assert total == 196 and same / total >= 0.72, (same, total)


def test_safe_html_rules():
    from newsvault.site.content import safe_html

    html = (
        '<p><a href="/a/b">x</a> <img src=\'img.png\'> <a href="#top">t</a> <a href="https://o/">o</a>'
        '<video poster="//cdn/p.jpg"></video><img data-src="/keep"><img src="/assets/img/h.png">'
        '<script>alert(1)</script><META http-equiv="refresh" content="0"></p>'
    )
    out = safe_html(html, "https://news.example/dir/page.html")
    assert '<a href="https://news.example/a/b">' in out
    assert "src='https://news.example/dir/img.png'" in out
    assert (
        'href="#top"' in out and 'href="https://o/"' in out and 'poster="https://cdn/p.jpg"' in out
    )
    assert 'data-src="/keep"' in out and 'src="/assets/img/h.png"' in out
    assert "<script" not in out and "alert" not in out and "META" not in out


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x0b", "\x1f", "\ufffe", "\uffff"])
def test_bodies_are_read_without_xml_illegal_characters(tmp_path, bad):
    from newsvault.site.posts import read_body

    path = tmp_path / "2021-01-01-t.md"
    path.write_text(
        f"---\ntitle: t{bad}\n---\n<p>a{bad}b\tc\r\nd\u00e9\u570b{bad}</p>\n", encoding="utf-8"
    )
    assert read_body(path) == "<p>ab\tc\r\nd\u00e9\u570b</p>\n"


_TOKENS = [
    "<script>",
    "</script>",
    "<SCRIPT src=x>",
    "</ScRiPt >",
    "<style>",
    "</style>",
    "<iframe",
    "</iframe>",
    "<noscript>",
    "</noscript>",
    "<meta charset=x>",
    "<base href=/>",
    "<link",
    "<scripts>",
    "<p>",
    "</p>",
    ">",
    "<",
    "x",
    "國",
    " ",
    "\n",
    "<object>",
    "</object>",
    "<embed>",
    "</embed >",
]


@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_dropping_dangerous_elements_equals_the_plain_regex(html):
    from newsvault.site.content import _DANGEROUS, _drop_matched

    assert _drop_matched(html) == _DANGEROUS.sub("", html)


@given(
    st.lists(
        st.sampled_from(
            _TOKENS
            + [
                "<script/src=/x.js>",
                "</script/>",
                "<svg>",
                "<frameset>",
                "<frame src=/f>",
                "<!--",
                "-->",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_what_is_left_parses_to_nothing_active(html):
    """Whatever an old post holds, the HTML5 parse of what the page shows has none of the
    elements that could load the site's own scripts (issue 12.9)."""
    from newsvault.site.content import _active, drop_dangerous

    assert _active(drop_dangerous(html))[0] == []


def test_dropping_dangerous_elements_in_real_posts_and_unclosed_tags():
    from newsvault.site.content import _DANGEROUS, drop_dangerous
    from newsvault.site.posts import read_body

    for path in sorted(SAMPLE_POSTS.iterdir()):
        body = read_body(path)
        assert drop_dangerous(body) == _DANGEROUS.sub("", body), path.name
    # thousands of unclosed tags: the pattern gives each name up after its first failure,
    # and the parse sees what a browser sees: an unclosed <script> runs to the end of
    # the page, so it is removed (the pattern alone left it: issue 12.9)
    small = "<p>x</p>" + "<script><style><iframe>" * 200 + "<meta a=b"
    assert _DANGEROUS.sub("", small) == small
    assert drop_dangerous(small) == "<p>x</p>"
    hostile = "<p>x</p>" + "<script><style><iframe>" * 20_000  # the plain regex: minutes
    assert drop_dangerous(hostile) == "<p>x</p>"


@example("/\\", "https://news.example/dir/page.html")  # WHATWG reads it as "//": no host
@example("/a//b", "https://news.example/dir/page.html")
@example("/a/./b/../c", "https://news.example/dir/page.html")
@example("/a/%2e%2E/c", "https://news.example/dir/page.html")
@example("/a?", "https://news.example/dir/page.html")
@example("/a;", "https://news.example/dir/page.html")
@example("/x\ny", "https://news.example/dir/page.html")
@example("/c d/é^`{}", "https://Example.COM:443/dir/page.html")
@given(
    st.text(alphabet="/.ab;?#%:\t\n國 ^`{}|[]\\\"'<>2eE", max_size=16).map(lambda s: "/" + s),
    st.sampled_from(
        [
            "https://news.example/dir/page.html",
            "http://u@h.example:81",
            "https:///x/",
            "HTTPS://E.example/a;p?q#f",
            "https://Example.COM:443/news/",
        ]
    ),
)
def test_root_relative_links_resolve_as_the_url_module_does(url, base):
    """The fast path (origin + path) gives what ``urls.resolve`` gives, byte for byte; a
    value that is no URL (a slash and a backslash: ``//`` with no host) is left as it is."""
    from newsvault.site.content import _absolute
    from newsvault.urls import origin, resolve

    root = origin(base)
    assert root is not None
    assert _absolute(base, root, url, "/assets/") == (
        url
        if url.startswith("/assets/")
        else resolve("https:" + url) or url
        if url.startswith("//")
        else resolve(url, base) or url
    )  # a link no URL parser can read is kept as written


def _spec_slug(text: str, extra: str, cased: bool) -> str:
    """Jekyll's slugify written out plainly: runs of characters outside \\p{L}\\p{M}\\p{Nd}
    and ``extra`` become one "-", then one "-" is dropped at each end."""
    import re
    import unicodedata

    marked = "".join(
        c
        if unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd" or c in extra
        else "\0"
        for c in text
    )
    slug = re.sub("\0+", "-", marked)
    slug = slug[1:] if slug.startswith("-") else slug
    slug = slug[:-1] if slug.endswith("-") else slug
    return slug if cased else slug.lower()


@given(st.text())
def test_slugify_equals_its_plain_definition(text):
    from newsvault.site.permalink import slugify_default

    assert slugify_pretty(text) == _spec_slug(text, "._~!$&'()+,;=@", True)
    assert slugify_default(text) == _spec_slug(text, "", False)


@given(st.text(alphabet=st.sampled_from(list("ab&<>\"'\n\r\t\x08 國\ufffe")), max_size=20))
def test_xml_escaping_equals_the_standard_library(text):
    from xml.sax.saxutils import escape, quoteattr

    from newsvault.site.content import XML_ILLEGAL
    from newsvault.site.syndication import xml_attr, xml_text

    legal = XML_ILLEGAL.sub("", text)
    assert xml_text(text) == escape(legal) and xml_attr(text) == quoteattr(legal)


@given(st.text(alphabet=st.sampled_from(list("ab&<>]]]>![CDATA\n\t 國")), max_size=30))
def test_cdata_reads_back_as_the_text(text):
    from xml.etree import ElementTree

    from newsvault.site.syndication import cdata

    assert (ElementTree.fromstring(f"<c>{cdata(text)}</c>").text or "") == text


def test_relative_links_are_found_in_any_case_and_only_in_href_src_poster():
    from newsvault.site.content import safe_html

    html = (
        '<A HREF="/a">x</A><img SRC=\'b.png\'><video Poster="/p.jpg"></video>'
        '<a data-href="/no" class="/no" xsrc="/no">y</a>'
    )
    out = safe_html(html, "https://n.example/d/page")
    assert out == (
        "<A HREF=\"https://n.example/a\">x</A><img SRC='https://n.example/d/b.png'>"
        '<video Poster="https://n.example/p.jpg"></video><a data-href="/no" class="/no" xsrc="/no">y</a>'
    )


def test_permalink_placeholder_names():
    from newsvault.errors import ConfigError

    d = date(2021, 1, 2)
    # a name Jekyll does not know, with trailing "_", is the known one followed by "_"
    assert permalink("/:year_/:title__/:i_day/", d, "a b") == "/2021_/a-b__/2/"
    with pytest.raises(ConfigError, match="unknown placeholder :nope"):
        permalink("/:nope/", d, "a")


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["/", "/repo/", "/a b/"]),
)
def test_href_equals_urllib_quote(url, base):
    from urllib.parse import quote

    from newsvault.site.permalink import _HREF_SAFE

    assert href(base, url) == quote(base.rstrip("/") + "/" + url.lstrip("/"), safe=_HREF_SAFE)
