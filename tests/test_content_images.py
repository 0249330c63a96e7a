"""Image modes: keep, proxy (the seed post's form), local (served on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import struct
import zlib
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from content_support import HttpxFetcher, Site, serve
from newsvault.content import ContentOptions, ImageStore, clean_html, prepare_content
from newsvault.content.images import is_proxied, proxy_url, site_path, sniff_image
from newsvault.urls import absolutize, format_srcset, parse_srcset

CNA = "https://imgcdn.cna.com.tw/www/WebPhotos/1024/20210120/2000x1334_0158742081958.jpg"
SEED_FORM = "https://images.weserv.nl/?url=imgcdn.cna.com.tw/www/WebPhotos/1024/20210120/2000x1334_0158742081958.jpg"


def test_proxy_url_is_the_seed_form() -> None:
    assert proxy_url(CNA) == SEED_FORM


def test_proxy_mode_on_an_article() -> None:
    html = f'<div class="wrap"><img src="{CNA}" alt="x"></div>'
    out = clean_html(
        html, "https://www.cna.com.tw/news/a.aspx", ContentOptions(images="proxy")
    ).html
    assert out == f'<div class="wrap"><img src="{SEED_FORM}" alt="x"></div>'


def test_already_proxied_is_not_proxied_twice() -> None:
    assert proxy_url(SEED_FORM) == SEED_FORM
    assert (
        proxy_url("//images.weserv.nl/?url=a.example/b.png")
        == "//images.weserv.nl/?url=a.example/b.png"
    )
    assert is_proxied("http://images.weserv.nl/?url=x", "https://images.weserv.nl/?url={url}")
    assert proxy_url(proxy_url(CNA)) == SEED_FORM


def test_proxy_escapes_what_would_break_the_query() -> None:
    url = "https://cdn.example/i.jpg?w=600&h=400#f"
    assert proxy_url(url) == "https://images.weserv.nl/?url=cdn.example/i.jpg%3Fw=600%26h=400%23f"
    assert proxy_url("data:image/png;base64,AA") == "data:image/png;base64,AA"
    assert (
        proxy_url("https://x.example/a.png", "https://p.example/{url}?q=1")
        == "https://p.example/x.example/a.png?q=1"
    )


def test_proxy_mode_handles_relative_and_srcset_images_but_not_links() -> None:
    html = '<a href="/big.jpg"><img src="/a.jpg" srcset="/a-2x.jpg 2x, https://c.example/w_1,h_2/a.jpg 3x"></a>'
    out = clean_html(html, "https://n.example/p/1", ContentOptions(images="proxy")).html
    assert out == (
        '<a href="https://n.example/big.jpg"><img src="https://images.weserv.nl/?url=n.example/a.jpg" '
        'srcset="https://images.weserv.nl/?url=n.example/a-2x.jpg 2x, '
        'https://images.weserv.nl/?url=c.example/w_1,h_2/a.jpg 3x"></a>'
    )


def test_srcset_parsing_keeps_commas_inside_urls() -> None:
    assert parse_srcset("a.jpg 1x,b,c.jpg 2x , d.jpg") == [
        ("a.jpg", "1x"),
        ("b,c.jpg", "2x"),
        ("d.jpg", ""),
    ]
    assert parse_srcset("a.jpg, b.jpg 100w") == [("a.jpg", ""), ("b.jpg", "100w")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("img/a.jpg", "https://n.example/news/img/a.jpg"),
        ("../b.html", "https://n.example/b.html"),
        ("//cdn.example/x.png", "https://cdn.example/x.png"),
        ("\\\\cdn.example\\x.png", "https://cdn.example/x.png"),
        (" /c.html\n", "https://n.example/c.html"),
        ("#top", "#top"),
        ("mailto:a@b.example", "mailto:a@b.example"),
        ("http://other.example/", "http://other.example/"),
        ("", ""),
    ],
)
def test_absolutize(value: str, expected: str) -> None:
    assert absolutize(value, "https://n.example/news/story.html") == expected


def test_absolutize_needs_an_absolute_base() -> None:
    assert absolutize("a.jpg", "") == "a.jpg"
    assert absolutize("a.jpg", "/relative/base") == "a.jpg"


def test_poster_and_source_are_absolutized() -> None:
    html = '<video poster="p.jpg" src="v.mp4"><source src="v.webm"></video>'
    out = clean_html(html, "https://n.example/d/", ContentOptions()).html
    assert (
        out
        == '<video poster="https://n.example/d/p.jpg" src="https://n.example/d/v.mp4"><source src="https://n.example/d/v.webm"></video>'
    )


# ------------------------------------------------------------------------ local mode
def png(width: int, height: int, seed: int = 0) -> bytes:
    """A real, valid PNG (so the magic-byte check sees a real image)."""
    raw = b"".join(
        b"\x00" + bytes([(seed + x + y) % 256 for x in range(width)] * 3) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    head = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", head)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200) + b"\xff\xd9"


def test_sniff_image() -> None:
    assert sniff_image(png(2, 2)) == "png"
    assert sniff_image(JPEG) == "jpg"
    assert sniff_image(b"GIF89a....") == "gif"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff_image(b"<!DOCTYPE html><html>") is None
    assert (
        sniff_image(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
        is None
    )


def test_site_path() -> None:
    assert site_path("ab.png", "/") == "/assets/img/ab.png"
    assert site_path("ab.png", "/repo/") == "/repo/assets/img/ab.png"
    assert site_path("ab.png", "repo") == "/repo/assets/img/ab.png"


def _srcs(html: str) -> list[str]:
    return [str(n.attributes.get("src")) for n in LexborHTMLParser(html).css("img")]


def test_local_mode_end_to_end(tmp_path: Path) -> None:
    site = Site()
    a, b = png(8, 8, 1), png(8, 8, 2)
    with serve(site):
        site.add("/img/a.png", a, "image/png")
        site.add("/img/a-copy.png", a, "image/png")  # same bytes at another URL
        site.add("/img/b.png", b, "image/png")
        site.add("/img/b.jpg", JPEG, "image/jpeg")
        site.add(
            "/img/fake.jpg", "<!DOCTYPE html><html><body>Login required</body></html>", "image/jpeg"
        )
        site.add("/img/huge.png", png(400, 400, 3) + bytes(300_000), "image/png")
        link = site.url("/news/2024/story.html")
        html = (
            '<p><img src="/img/a.png" alt="a"><img src="../../img/a.png" alt="again">'
            f'<img src="{site.url("/img/a-copy.png")}"><img src="/img/b.png" srcset="/img/b.png 1x, /img/b.jpg 2x">'
            '<img src="/img/fake.jpg"><img src="/img/huge.png"><img src="/img/missing.jpg"></p>'
        )
        fetcher = HttpxFetcher()
        options = ContentOptions(images="local", max_image_bytes=100_000, site_base_path="/vault/")
        store = ImageStore(
            fetcher, tmp_path / "assets", options.max_image_bytes, options.site_base_path
        )

        async def run() -> tuple[object, object]:
            first = await prepare_content(
                html,
                link,
                options=options,
                fetcher=fetcher,
                assets_dir=tmp_path / "assets",
                image_store=store,
            )
            second = await prepare_content(
                html,
                link,
                options=options,
                fetcher=fetcher,
                assets_dir=tmp_path / "assets",
                image_store=store,
            )
            return first, second

        first, second = asyncio.run(run())

    files = sorted(p.name for p in (tmp_path / "assets" / "img").iterdir())
    assert len(files) == 3  # a (twice, and its copy), b.png, b.jpg: three distinct contents
    assert {f.rsplit(".", 1)[1] for f in files} == {"png", "jpg"}
    srcs = _srcs(first.html)  # type: ignore[attr-defined]
    assert (
        srcs[0] == srcs[1] == srcs[2]
        and srcs[0].startswith("/vault/assets/img/")
        and srcs[0].endswith(".png")
    )
    assert srcs[3].startswith("/vault/assets/img/") and srcs[3] != srcs[0]
    srcset = LexborHTMLParser(first.html).css("img")[3].attributes["srcset"]  # type: ignore[attr-defined]
    assert (
        srcset
        == f"{srcs[3]} 1x, /vault/assets/img/{[f for f in files if f.endswith('.jpg')][0]} 2x"
    )
    # rejected: HTML served as image/jpeg, oversize, 404 -> the proxy URL, and a note each
    assert srcs[4] == proxy_url(site.url("/img/fake.jpg"))
    assert srcs[5] == proxy_url(site.url("/img/huge.png"))
    assert srcs[6] == proxy_url(site.url("/img/missing.jpg"))
    notes = first.notes  # type: ignore[attr-defined]
    assert len(notes) == 3
    assert any("not an image" in n and "fake.jpg" in n for n in notes)
    assert any("huge.png" in n and ("over" in n) for n in notes)
    assert any("missing.jpg" in n and "404" in n for n in notes)
    assert all("fell back to https://images.weserv.nl/" in n for n in notes)
    # each URL was downloaded once, also across the two articles
    image_hits = [h for h in site.hits if h.startswith("/img/")]
    assert sorted(image_hits) == sorted(set(image_hits)) and len(image_hits) == 7
    assert second.html == first.html  # type: ignore[attr-defined]
    for name in files:
        assert (tmp_path / "assets" / "img" / name).stat().st_mode & 0o644 == 0o644


def test_local_mode_falls_back_to_original_without_a_proxy(tmp_path: Path) -> None:
    site = Site()
    with serve(site):
        link = site.url("/a.html")
        options = ContentOptions(images="local", image_proxy="")
        result = asyncio.run(
            prepare_content(
                '<img src="/gone.png">',
                link,
                options=options,
                fetcher=HttpxFetcher(),
                assets_dir=tmp_path,
            )
        )
    assert _srcs(result.html) == [site.url("/gone.png")]
    assert (
        result.notes
        and "404" in result.notes[0]
        and "fell back to " + site.url("/gone.png") in result.notes[0]
    )


def test_local_mode_without_client_uses_the_proxy() -> None:
    result = asyncio.run(
        prepare_content(
            f'<img src="{CNA}">',
            "https://x.example/",
            options=ContentOptions(images="local"),
            fetcher=None,
            assets_dir=None,
        )
    )
    assert result.html == f'<img src="{SEED_FORM}">'
    assert result.notes


def test_unwritable_assets_folder_falls_back_and_is_noted(tmp_path: Path) -> None:
    blocker = tmp_path / "assets"
    blocker.write_text("a file where the folder should be")
    site = Site()
    with serve(site):
        site.add("/a.png", png(4, 4), "image/png")
        result = asyncio.run(
            prepare_content(
                '<img src="/a.png">',
                site.url("/p.html"),
                options=ContentOptions(images="local"),
                fetcher=HttpxFetcher(),
                assets_dir=blocker,
            )
        )
        assert _srcs(result.html) == [proxy_url(site.url("/a.png"))]
    assert len(result.notes) == 1 and "image not stored" in result.notes[0]


_URL_PART = st.text(alphabet=st.sampled_from(list("abcxyz019/._-,?=&%:")), min_size=1, max_size=20)
_DESC = st.sampled_from(["", "1x", "2x", "100w", "1.5x"])


@given(st.lists(st.tuples(_URL_PART, _DESC), min_size=1, max_size=4))
def test_srcset_round_trip(candidates: list[tuple[str, str]]) -> None:
    # a candidate URL may contain commas, but not start or end with one (spec rule)
    candidates = [(u.strip(","), d) for u, d in candidates if u.strip(",")]
    assert parse_srcset(format_srcset(candidates)) == candidates


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30))
def test_proxied_url_is_one_query_value(path: str) -> None:
    url = "https://img.example/" + path
    out = proxy_url(url)
    assert out.startswith("https://images.weserv.nl/?url=img.example/")
    query = out.split("?", 1)[1]
    assert "&" not in query and "#" not in query and " " not in query
    assert parse_qs(query, keep_blank_values=True)["url"] == ["img.example/" + path]
