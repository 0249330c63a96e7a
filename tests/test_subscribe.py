"""Managing subscriptions: many URLs at once, autodiscovery, names from the feed, URL
checks, OPML import and export (hostile files included), against a real server on
127.0.0.1 and the command line run as a user runs it."""

from __future__ import annotations

import html
import json
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automation_helpers import REPO, newsvault_cmd, newsvault_env
from newsvault.fetch.discover import feed_links
from newsvault.opml import read_opml, write_opml
from servers import FeedServer, Reply

FEEDS = REPO / "examples" / "feeds"
NOW = "2025-03-01T00:00:00Z"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def nv(vault: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        newsvault_cmd(*args, "--vault", str(vault), "--now", NOW),
        env=newsvault_env(),
        capture_output=True,
        timeout=120,
        input=stdin,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def subs(vault: Path) -> list[dict[str, object]]:
    return json.loads((vault / "subs.json").read_text(encoding="utf-8"))


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    (root / "subs.json").write_text("[]\n")
    return root


@pytest.fixture
def site(server: FeedServer) -> FeedServer:
    """A site: a home page linking its two feeds (one relative, one under <base href>)."""
    server.route(
        "/feeds/yanjing.rss",
        Reply(
            body=(FEEDS / "yanjing.rss").read_bytes(),
            headers={"Content-Type": "application/rss+xml"},
        ),
    )
    server.route(
        "/feeds/chinafile.atom",
        Reply(
            body=(FEEDS / "chinafile.atom").read_bytes(),
            headers={"Content-Type": "application/atom+xml"},
        ),
    )
    server.route(
        "/",
        Reply(
            body=b"""<!doctype html><html><head><title>Home</title>
        <base href="/feeds/">
        <link rel="stylesheet" href="/style.css">
        <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
        <link rel="Alternate" type="application/atom+xml; charset=utf-8" title="All &amp; more"
              href="chinafile.atom">
        <link rel="alternate" type="application/rss+xml" href="yanjing.rss">
        </head><body><a href="/x.rss">not a feed link</a></body></html>""",
            headers=HTML,
        ),
    )
    server.route(
        "/plain",
        Reply(
            body=b"<html><head><title>No feeds</title></head><body>hi</body></html>", headers=HTML
        ),
    )
    return server


def test_add_many_urls_a_page_finds_its_feed_and_names_come_from_the_feeds(
    vault: Path, site: FeedServer
) -> None:
    medium = (FEEDS / "medium.rss").as_uri()
    done = nv(vault, "add", site.url("/"), medium, "--tag", "news")
    assert done.returncode == 0, done.stderr
    assert subs(vault) == [
        {
            "site": "ChinaFile 中参馆 (example)",
            "url": site.url("/feeds/chinafile.atom"),
            "tags": ["news"],
        },
        {"site": "Medium (example)", "url": medium, "tags": ["news"]},
    ]
    assert f"found its atom feed {site.url('/feeds/chinafile.atom')}" in done.stderr
    assert f"also links to {site.url('/feeds/yanjing.rss')}" in done.stderr
    assert "2 added, 2 feeds in all" in done.stdout
    assert not site.hits("/wp-json/wp/v2/pages/2") and not site.hits("/x.rss")

    again = nv(vault, "add", site.url("/feeds/yanjing.rss"), "--site", "燕京", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["added"] == [
        {"site": "燕京", "url": site.url("/feeds/yanjing.rss")}
    ]
    assert len(subs(vault)) == 3
    # the page's first feed is subscribed now: adding the page again is refused
    page = nv(vault, "add", site.url("/"))
    assert page.returncode == 1 and "is already subscribed (site 'ChinaFile" in page.stderr
    assert len(subs(vault)) == 3


def test_a_url_that_cannot_be_read_needs_a_site_name(vault: Path, site: FeedServer) -> None:
    plain = nv(vault, "add", site.url("/plain"), site.url("/missing.xml"))
    assert plain.returncode == 1, plain.stderr
    assert "links to no feed" in plain.stderr and "HTTP 404" in plain.stderr
    assert "give --site NAME" in plain.stderr and "Traceback" not in plain.stderr
    assert subs(vault) == []  # nothing added
    named = nv(vault, "add", site.url("/missing.xml"), "--site", "Later")
    assert named.returncode == 0, named.stderr
    assert "could not read it now" in named.stderr and "subscribed anyway" in named.stderr
    assert subs(vault) == [{"site": "Later", "url": site.url("/missing.xml")}]
    page = nv(vault, "add", site.url("/plain"), "--site", "Page")  # read, and not a feed
    assert (
        page.returncode == 1
        and "links to no feed" in page.stderr
        and "give --site" not in page.stderr
    )
    assert len(subs(vault)) == 1


@pytest.mark.parametrize(
    "bad,words",
    [
        ("ftp://example.com/feed.xml", "not ftp:"),
        ("mailto:news@example.com", "not mailto:"),
        ("feed://example.com/rss", "use https://example.com/rss"),
        ("example.com/feed.xml", "did you mean https://example.com/feed.xml"),
        ("not a url", "not a URL"),
        ("just-words", "not a URL"),
        ("http:///feed", "no host name"),
        ("", "not a URL"),
    ],
)
def test_add_refuses_what_is_not_a_feed_url_before_fetching_anything(
    vault: Path, site: FeedServer, bad: str, words: str
) -> None:
    done = nv(vault, "add", site.url("/feeds/yanjing.rss"), bad)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr
    assert site.requests == [] and subs(vault) == []


def test_add_refuses_duplicates_and_takes_files_in_the_vault(vault: Path) -> None:
    (vault / "feeds").mkdir()
    (vault / "feeds" / "local.rss").write_bytes((FEEDS / "yanjing.rss").read_bytes())
    twice = nv(vault, "add", "feeds/local.rss", "feeds/local.rss")
    assert twice.returncode == 2 and "given twice" in twice.stderr
    done = nv(vault, "add", "feeds/local.rss")
    assert done.returncode == 0, done.stderr
    assert subs(vault) == [{"site": "燕京书评 (example)", "url": "feeds/local.rss"}]
    again = nv(vault, "add", "feeds/local.rss", "--site", "x")
    assert again.returncode == 2 and "already subscribed" in again.stderr
    assert nv(vault, "add", "feeds/none.rss").returncode == 2  # not a file in the vault


def test_a_json_feed_link_is_found_and_a_title_less_feed_is_named_by_its_host(
    vault: Path, server: FeedServer
) -> None:
    server.route(
        "/",
        Reply(
            body=b'<html><head><link rel="alternate" type="application/feed+json" '
            b'href="/feed.json"/></head></html>',
            headers=HTML,
        ),
    )
    server.route(
        "/feed.json",
        Reply(
            body=json.dumps(
                {
                    "version": "https://jsonfeed.org/version/1.1",
                    "title": "  JSON\n news ",
                    "items": [
                        {"id": "1", "url": "https://example.org/1", "content_html": "<p>x</p>"}
                    ],
                }
            ).encode(),
            headers={"Content-Type": "application/feed+json"},
        ),
    )
    server.route(
        "/untitled.xml",
        Reply(
            body=b"<rss version='2.0'><channel><item><title>a</title>"
            b"<link>https://example.org/a</link></item></channel></rss>"
        ),
    )
    done = nv(vault, "add", server.url("/"), server.url("/untitled.xml"))
    assert done.returncode == 0, done.stderr
    assert [(s["site"], s["url"]) for s in subs(vault)] == [
        ("JSON news", server.url("/feed.json")),
        ("127.0.0.1", server.url("/untitled.xml")),
    ]
    assert "the feed has no title" in done.stderr


_NAME = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
_URL = st.from_regex(r"https://[a-z]{1,10}\.example/[A-Za-z0-9_~%&=?.-]{0,20}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            _NAME,
            _URL,
            st.lists(
                st.sampled_from(["新闻", "A & <b>", "x"])
                | _NAME.map(lambda s: s.replace("/", "-").strip()).filter(bool),
                max_size=3,
            ),
        ),
        max_size=8,
        unique_by=lambda t: t[1],
    )
)
def test_opml_round_trip_keeps_names_urls_and_folders(
    feeds: list[tuple[str, str, list[str]]],
) -> None:
    entries = [{"site": s, "url": u, **({"folder": "/".join(f)} if f else {})} for s, u, f in feeds]
    data = write_opml(entries, "Mine & <yours>", __import__("datetime").datetime(2025, 3, 1))
    read = read_opml(data)
    # feeds are grouped by folder (each folder once, where its first feed was): the same
    # feeds, and the same order within each folder
    assert sorted((f.site, f.url, f.folder) for f in read) == sorted(
        (e["site"], e["url"], e.get("folder", "")) for e in entries
    )
    for folder in {f.folder for f in read}:
        assert [f.url for f in read if f.folder == folder] == [
            e["url"] for e in entries if e.get("folder", "") == folder
        ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_URL, st.sampled_from(["rss", "atom", "feed+json"]), _NAME),
        max_size=5,
        unique_by=lambda t: t[0],
    )
)
def test_feed_links_finds_every_escaped_link(links: list[tuple[str, str, str]]) -> None:
    page = (
        "<html><head>"
        + "".join(
            f'<link rel="alternate" title="{html.escape(title)}" type="application/{kind}'
            f'{"+xml" if kind != "feed+json" else ""}" href="{html.escape(url)}">'
            for url, kind, title in links
        )
        + "</head><body></body></html>"
    )
    found = feed_links(page, "https://base.example/")
    assert [f.title for f in found] == [t for _u, _k, t in links]
    assert len(found) == len(links)


def test_opml_export_then_import_into_another_vault(vault: Path, tmp_path: Path) -> None:
    (vault / "subs.json").write_text(
        json.dumps(
            [
                {
                    "site": "(臺)中央社CNA",
                    "url": "https://a.example/cna.xml",
                    "folder": "新闻/台湾",
                    "tags": ["x"],
                },
                {"site": "B & C", "url": "https://b.example/feed?a=1&b=2"},
                {
                    "site": "D",
                    "url": "https://d.example/d.atom",
                    "folder": "新闻",
                    "enabled": False,
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out = nv(vault, "export-opml")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<opml version=\"2.0\">")
    assert "B &amp; C" in out.stdout and "feed?a=1&amp;b=2" in out.stdout
    assert "<dateCreated>Sat, 01 Mar 2025 00:00:00 +0000</dateCreated>" in out.stdout
    to_file = nv(vault, "export-opml", "-o", str(tmp_path / "subs.opml"))
    assert (
        to_file.returncode == 0
        and (tmp_path / "subs.opml").read_text(encoding="utf-8") == out.stdout
    )

    other = tmp_path / "other"
    other.mkdir()
    (other / "newsvault.toml").write_text("")
    done = nv(other, "import-opml", str(tmp_path / "subs.opml"))
    assert done.returncode == 0, done.stderr
    assert "Imported 3 feeds" in done.stdout
    assert subs(other) == [  # grouped by folder: 新闻 (and 台湾 in it) first
        {"site": "(臺)中央社CNA", "url": "https://a.example/cna.xml", "folder": "新闻/台湾"},
        {"site": "D", "url": "https://d.example/d.atom", "folder": "新闻"},
        {"site": "B & C", "url": "https://b.example/feed?a=1&b=2"},
    ]
    again = nv(other, "import-opml", "-", stdin=(tmp_path / "subs.opml").read_bytes())
    assert (
        again.returncode == 0
        and "Imported 0 feeds" in again.stdout
        and "already subscribed" in again.stderr
    )
    assert len(subs(other)) == 3


def test_import_a_feed_readers_opml_with_folders_categories_and_bad_entries(vault: Path) -> None:
    opml = """<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0"><head><title>Reader export</title></head><body>
  <outline text="News" title="News">
    <outline text="Tech/Science"><outline type="rss" text="Ars" xmlUrl="https://ars.example/feed"/></outline>
    <outline type="rss" text="  Caf\xe9   du\tmonde " xmlURL="https://cafe.example/rss"/>
  </outline>
  <outline type="rss" title="Tagged" category="/Blogs/Friends,/Other" xmlUrl="https://t.example/a.xml"/>
  <outline type="rss" xmlUrl="https://nameless.example/feed.xml"/>
  <outline type="rss" text="FTP" xmlUrl="ftp://old.example/feed"/>
  <outline type="rss" text="Twice" xmlUrl="https://ars.example/feed"/>
  <outline text="Empty folder"/>
  <outline type="link" text="A page, not a feed" url="https://page.example/"/>
</body></opml>""".encode("latin-1")
    (vault / "reader.opml").write_bytes(opml)
    done = nv(vault, "import-opml", str(vault / "reader.opml"))
    assert done.returncode == 0, done.stderr
    assert subs(vault) == [
        {"site": "Ars", "url": "https://ars.example/feed", "folder": "News/Tech-Science"},
        {"site": "Café du monde", "url": "https://cafe.example/rss", "folder": "News"},
        {"site": "Tagged", "url": "https://t.example/a.xml", "folder": "Blogs/Friends"},
        {"site": "nameless.example", "url": "https://nameless.example/feed.xml"},
    ]
    assert "left out ftp://old.example/feed" in done.stderr and "not ftp:" in done.stderr
    assert "already subscribed (site 'Ars')" in done.stderr
    assert "Imported 4 feeds" in done.stdout and "(2 left out)" in done.stdout


@pytest.mark.parametrize(
    "body,words",
    [
        (b"<html><body>a page</body></html>", "not an OPML file"),
        (b"", "not an OPML file"),
        (b"\x00\xff\xfe garbage", "not an OPML file"),
        (b"<opml" + b" " * (21 * 1024 * 1024) + b"/>", "larger than"),
    ],
)
def test_import_refuses_what_is_not_opml(vault: Path, body: bytes, words: str) -> None:
    (vault / "x.opml").write_bytes(body)
    done = nv(vault, "import-opml", str(vault / "x.opml"), "--json")
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["error"]["type"] == "UsageError"
    assert subs(vault) == []


def test_hostile_opml_external_entities_and_billion_laughs_are_harmless(
    vault: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    laughs = "".join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "ha"}">' for i in range(10)
    )
    opml = f"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{secret.as_uri()}"> {laughs}]>
<opml version="2.0"><body>
  <outline text="&xxe;" xmlUrl="https://a.example/feed"/>
  <outline text="&l9;" xmlUrl="https://b.example/feed"/>
</body></opml>"""
    (vault / "evil.opml").write_text(opml)
    started = time.monotonic()
    done = nv(vault, "import-opml", str(vault / "evil.opml"))
    assert time.monotonic() - started < 30
    assert done.returncode == 0, done.stderr
    names = [s["site"] for s in subs(vault)]
    assert len(names) == 2 and not any("TOP-SECRET" in n for n in names)
    assert all(len(n) < 1000 for n in names)  # no entity was expanded a billion times


def test_a_feed_link_to_another_host_is_fetched_only_from_the_public_web(
    vault: Path, site: FeedServer
) -> None:
    """A page on the keeper's host may point anywhere: a link to another host is fetched
    as full-text pages are (global addresses only), so a page cannot make `add` read the
    keeper's own network or files."""
    port = site.base.rsplit(":", 1)[1]
    site.route(
        "/elsewhere",
        Reply(
            body=f"""<html><head>
        <link rel="alternate" type="application/rss+xml" href="http://localhost:{port}/feeds/yanjing.rss">
        <link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">
        </head></html>""".encode(),
            headers=HTML,
        ),
    )
    done = nv(vault, "add", site.url("/elsewhere"))
    assert done.returncode == 1, done.stderr
    assert (
        "links to 2 feeds, but none can be read" in done.stderr
        and "not a web address" in done.stderr
    )
    assert not site.hits("/feeds/yanjing.rss") and subs(vault) == []
