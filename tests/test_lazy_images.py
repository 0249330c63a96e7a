"""Lazy-loaded images (issue 16 item 4): the real picture is promoted, in the content
stage for new articles and at site build time for old posts; embeds in old posts become
links; <noscript> content is kept."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from conftest import REAL_POSTS
from newsvault.content.clean import ContentOptions, clean_html
from newsvault.content.embeds import video_link
from newsvault.content.lazyimages import is_placeholder, promote_lazy_images
from newsvault.site.content import article_html, safe_html

GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
REAL = "https://img.example/a.jpg"
OPTIONS = ContentOptions(images="keep")


def _posts_with(word: str) -> list:
    return sorted(p for p in REAL_POSTS.iterdir() if word in p.read_text(encoding="utf-8"))


def _images(html: str) -> list[lxml_html.HtmlElement]:
    return lxml_html.fromstring(f"<div>{html}</div>").xpath("//img")


def _shows_nothing(img) -> bool:
    """What a browser without the page's script shows: srcset (when set) wins over src."""
    srcset = img.get("srcset")
    if srcset is not None and srcset.strip():
        return all(is_placeholder(c.split()[0]) for c in srcset.split(", ") if c.split())
    return is_placeholder(img.get("src"))


@pytest.mark.parametrize("attr", ["data-src", "data-original", "data-lazy-src", "data-actualsrc"])
@pytest.mark.parametrize(
    "placeholder", [GIF, "", "data:image/svg+xml,%3Csvg%3E%3C/svg%3E", "/img/blank.gif"]
)
def test_each_lazy_attribute_is_promoted(attr: str, placeholder: str) -> None:
    got = promote_lazy_images(f'<p><img src="{placeholder}" {attr}="{REAL}" alt="x"></p>')
    (img,) = _images(got)
    assert img.get("src") == REAL and img.get("alt") == "x"


def test_srcset_placeholders_and_data_srcset() -> None:
    got = promote_lazy_images(
        f'<img src="{GIF}" data-srcset="{REAL} 300w, https://img.example/b.jpg 900w">'
    )
    (img,) = _images(got)
    assert img.get("src") == "https://img.example/b.jpg"  # the biggest candidate
    assert img.get("srcset") == f"{REAL} 300w, https://img.example/b.jpg 900w"
    # Jetpack: a real src, a GIF srcset that browsers prefer; without data-srcset it goes
    (img,) = _images(promote_lazy_images(f'<img src="{REAL}" srcset="{GIF}">'))
    assert img.get("src") == REAL and img.get("srcset") is None


def test_noscript_copy_is_dropped_and_a_bare_placeholder_takes_the_noscript_image() -> None:
    got = promote_lazy_images(
        f'<img src="{GIF}" data-src="{REAL}"> <noscript><img src="{REAL}"></noscript>'
    )
    assert got.count("<img") == 1 and "noscript" not in got
    got = promote_lazy_images(f'<img src=""><noscript><img src="{REAL}" alt="n"></noscript>')
    assert got == f'<img src="{REAL}" alt="n">'
    # a noscript that is not just the picture again is left alone
    text = f'<img src="{REAL}"><noscript><p>Turn on JavaScript</p></noscript>'
    assert promote_lazy_images(text) is text


def test_bodies_without_lazy_images_are_kept_as_they_are() -> None:
    for path in sorted(REAL_POSTS.iterdir()):
        body = path.read_text(encoding="utf-8")
        if "data-" not in body and "noscript" not in body and "srcset" not in body:
            assert promote_lazy_images(body) is body


def test_real_jetpack_posts_show_every_picture_on_the_site() -> None:
    """The iYouPort posts of the sample: <img src=real srcset=GIF data-lazy-srcset=…>
    plus a <noscript> copy. Built as the site shows them: every image shows a picture,
    once."""
    posts = _posts_with("jetpack-lazy-image")
    assert len(posts) >= 10
    for path in posts:
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        before = _images(body)
        lazy = sum(1 for img in before if "jetpack-lazy-image" in (img.get("class") or ""))
        page = article_html(body, "html", "https://www.iyouport.org/x/")
        after = _images(page)
        assert "<noscript" not in page.lower()
        assert after and not any(_shows_nothing(img) for img in after), path.name
        assert len(after) == len(before) - lazy  # each noscript copy gone, nothing else


def test_old_posts_embeds_become_links_and_noscript_content_is_kept() -> None:
    posts = _posts_with("<iframe")
    assert posts
    for path in posts:
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        srcs = re.findall(r'<iframe[^>]*\ssrc="([^"]+)"', body)
        page = article_html(body, "html", "https://www.chinafile.com/x")
        assert "<iframe" not in page
        for src in srcs:
            found = video_link(html_lib.unescape(src), "https://www.chinafile.com/x")
            assert found is not None and f'href="{html_lib.escape(found[0])}"' in page, (
                path.name,
                src,
            )
    page = safe_html(
        '<p>a</p><noscript><img src="https://img.example/n.png"><script>x()</script></noscript>',
        "https://news.example/p",
    )
    assert '<img src="https://img.example/n.png">' in page and "<script" not in page
    page = safe_html(
        '<iframe src="https://www.youtube.com/embed/abcdefGHIJ1" title="The talk"></iframe>',
        "https://news.example/p",
    )
    assert page == '<a href="https://www.youtube.com/watch?v=abcdefGHIJ1">The talk</a>'


def test_content_stage_promotes_and_stays_byte_faithful_otherwise() -> None:
    got = clean_html(
        f'<p>x<img src="{GIF}" data-lazy-src="{REAL}"></p>', "https://news.example/p", OPTIONS
    ).html
    (img,) = _images(got)
    assert img.get("src") == REAL
    plain = '<p>Plain <b>text</b> <img src="https://img.example/z.png" alt="z"></p>'
    assert clean_html(plain, "https://news.example/p", OPTIONS).html == plain


_url = st.from_regex(r"https://img\.example/[a-z]{1,8}\.(jpg|png)", fullmatch=True)
_placeholder = st.sampled_from([GIF, "", "about:blank", "/x/spacer.gif"])
_attr = st.sampled_from(["data-src", "data-original", "data-lazy-src", "data-actualsrc"])
_text = st.text(st.characters(codec="utf-8", exclude_characters="<>&\"'\x00\r\x0c"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_text, _placeholder, _attr, _url, st.booleans()), min_size=1, max_size=5))
def test_every_lazy_image_shows_its_real_picture(parts) -> None:
    html = ""
    for text, placeholder, attr, url, noscript in parts:
        html += f'{text}<img src="{placeholder}" {attr}="{url}" alt="{text}">'
        if noscript:
            html += f'<noscript><img src="{url}"></noscript>'
    got = promote_lazy_images(html)
    imgs = _images(got)
    assert [img.get("src") for img in imgs] == [url for _t, _p, _a, url, _n in parts]
    assert [img.get("alt") for img in imgs] == [text for text, *_ in parts]
    assert promote_lazy_images(got) == got  # idempotent
