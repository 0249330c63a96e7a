"""Issue 11 items 6–9 and issue 12.4/12.9, end to end: small hostile feeds served on
127.0.0.1, fetched by ``newsvault fetch`` as a user runs it, checked in the post files
and the run's JSON report."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from newsvault.archive.posts import read_post
from servers import FeedServer, Reply
from test_cli_fetch import NOW, nv

ATOM = "http://www.w3.org/2005/Atom"


def _vault(tmp_path: Path, subs: dict[str, str]) -> Path:
    vault = tmp_path / "v"
    vault.mkdir(exist_ok=True)
    (vault / "subs.json").write_text(
        json.dumps([{"site": s, "url": u} for s, u in subs.items()], ensure_ascii=False),
        encoding="utf-8",
    )
    return vault


def _fetch(vault: Path) -> dict[str, dict]:
    done = nv(vault, "fetch", "--now", NOW, "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return {f["site"]: f for f in json.loads(done.stdout)["feeds"]}


def _posts(vault: Path, site: str | None = None) -> list:
    posts = [read_post(p) for p in sorted((vault / "_posts").glob("*.md"))]
    return [p for p in posts if site is None or p.article.site == site]


def _items(*pairs: tuple[str, str], extra: str = "") -> str:
    return "".join(
        f"<item><title>{t}</title><link>{link}</link>{extra}"
        f"<pubDate>Wed, 27 Jan 2021 10:00:00 GMT</pubDate></item>"
        for t, link in pairs
    )


def _rss(body: str, ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {ns}><channel><title>c</title>'
        f"{body}</channel></rss>"
    ).encode("utf-8")


# ------------------------------------------------------------------ items 6 and 7
def test_broken_structures_lose_no_entry(server: FeedServer, tmp_path: Path) -> None:
    three = _items(
        ("one", "https://e.com/1"), ("two", "https://e.com/2"), ("three", "https://e.com/3")
    )
    latin = (
        '<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent"> %HTMLlat1;'
    )
    secret = server.route("/secret", Reply(body=b"root:x:0:0"))
    subs = {
        "unclosed": server.route(
            "/unclosed",
            Reply(
                body=_rss(
                    "<itunes:category text='Technology'>" + three,
                    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
                )
            ),
        ),
        "in xhtml": server.route(
            "/xhtml",
            Reply(
                body=(
                    f'<html xmlns="http://www.w3.org/1999/xhtml"><body><feed xmlns="{ATOM}">'
                    '<entry><title>atom in a page</title><link href="https://e.com/x"/>'
                    "<updated>2021-01-27T10:00:00Z</updated></entry></feed></body></html>"
                ).encode()
            ),
        ),
        "utf-16": server.route(
            "/utf16",
            Reply(
                body=(
                    "<rss><channel><item><title>中文 UTF-16</title><link>https://e.com/u</link>"
                    "</item></channel></rss>"
                ).encode("utf-16-be")
            ),
        ),
        "param entities": server.route(
            "/lat1",
            Reply(
                body=(
                    f'<?xml version="1.0"?><!DOCTYPE rss [{latin}]><rss version="2.0"><channel>'
                    + _items(("caf&eacute; &mdash; ok", "https://e.com/c"))
                    + "</channel></rss>"
                ).encode()
            ),
        ),
        "xxe": server.route(
            "/xxe",
            Reply(
                body=(
                    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}">]>'
                    '<rss version="2.0"><channel>'
                    + _items(("&xxe;", "https://e.com/xxe"))
                    + "</channel></rss>"
                ).encode()
            ),
        ),
    }
    vault = _vault(tmp_path, subs)
    report = _fetch(vault)
    assert {s: (r["status"], r["new"]) for s, r in report.items()} == {
        "unclosed": ("ok", 3),
        "in xhtml": ("ok", 1),
        "utf-16": ("ok", 1),
        "param entities": ("ok", 1),
        "xxe": ("ok", 1),
    }
    assert "nested inside a broken element" in report["unclosed"]["error"]
    assert [p.article.title for p in _posts(vault, "unclosed")] == ["one", "three", "two"]
    assert _posts(vault, "in xhtml")[0].article.link == "https://e.com/x"
    assert _posts(vault, "utf-16")[0].article.title == "中文 UTF-16"
    assert _posts(vault, "param entities")[0].article.title == "café — ok"
    assert "neither fetched nor expanded (%HTMLlat1;)" in report["param entities"]["error"]
    assert _posts(vault, "xxe")[0].article.title == "&xxe;"
    assert server.hits("/secret") == []  # never fetched


# ------------------------------------------------------------------ item 8
def test_elements_read_from_every_namespace_spelling(server: FeedServer, tmp_path: Path) -> None:
    b64 = base64.b64encode("Base64 title é".encode()).decode()
    body = base64.b64encode("<p>Base64 body</p>".encode()).decode()
    subs = {
        "dc": server.route(
            "/dc",
            Reply(
                body=_rss(
                    "<item><dc:title>Only a dc:title</dc:title><link>https://e.com/dc</link>"
                    "<dc:creator>DC 1.0 Writer</dc:creator><dc:date>2021-01-27T10:00:00Z</dc:date></item>",
                    'xmlns:dc="http://purl.org/dc/elements/1.0/"',
                )
            ),
        ),
        "itunes": server.route(
            "/itunes",
            Reply(
                body=_rss(
                    "<item><title>Episode</title><link>https://e.com/ep</link>"
                    "<itunes:author>Podcaster</itunes:author>"
                    "<itunes:summary>Show notes &amp; more</itunes:summary></item>",
                    'xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"',
                )
            ),
        ),
        "atom 0.3": server.route(
            "/atom03",
            Reply(
                body=(
                    '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>'
                    f'<title mode="base64" type="text/plain">{b64}</title>'
                    '<link rel="alternate" type="text/html" href="https://e.com/b64"/>'
                    f'<content type="text/html" mode="base64">{body}</content>'
                    "<issued>2021-01-27T10:00:00Z</issued></entry></feed>"
                ).encode()
            ),
        ),
        "xhtml body": server.route(
            "/body",
            Reply(
                body=_rss(
                    "<item><title>Full</title><link>https://e.com/full</link><description>short</description>"
                    '<xhtml:body xmlns:xhtml="http://www.w3.org/1999/xhtml"><xhtml:p>The full text</xhtml:p>'
                    "</xhtml:body></item>"
                )
            ),
        ),
    }
    vault = _vault(tmp_path, subs)
    assert {s: r["new"] for s, r in _fetch(vault).items()} == {s: 1 for s in subs}
    dc = _posts(vault, "dc")[0]
    assert (dc.article.title, dc.article.author) == ("Only a dc:title", "DC 1.0 Writer")
    itunes = _posts(vault, "itunes")[0]
    assert itunes.article.author == "Podcaster" and "Show notes & more" in itunes.body
    atom = _posts(vault, "atom 0.3")[0]
    assert atom.article.title == "Base64 title é" and "<p>Base64 body</p>" in atom.body
    assert "The full text" in _posts(vault, "xhtml body")[0].body


# ------------------------------------------------------------------ item 9
def test_what_the_feed_presents_as_distinct_is_archived_once_each(
    server: FeedServer, tmp_path: Path
) -> None:
    day = "https://e.com/2021-01-27.html"
    anchors = [("Morning", f"{day}#a"), ("Noon", f"{day}#b"), ("Evening", f"{day}#c")]
    guid = "<guid>https://e.com/the-one-guid</guid>"
    subs = {
        "day page": server.route(
            "/day",
            Reply(body=_rss(_items(*anchors))),
            Reply(body=_rss(_items(*anchors, ("Night", f"{day}#d")))),
        ),
        "shared guid": server.route(
            "/guid",
            Reply(
                body=_rss(
                    _items(
                        ("First", "https://e.com/g1"),
                        ("Second", "https://e.com/g2"),
                        ("Third", "https://e.com/g3"),
                        extra=guid,
                    )
                )
            ),
        ),
        "moving link": server.route(
            "/moving",
            Reply(
                body=_rss(
                    _items(
                        ("Stable guid", "https://e.com/s?session=1"),
                        extra="<guid>tag:e.com,2021:s</guid>",
                    )
                )
            ),
            Reply(
                body=_rss(
                    _items(
                        ("Stable guid", "https://e.com/s?session=2"),
                        extra="<guid>tag:e.com,2021:s</guid>",
                    )
                )
            ),
        ),
        "tracking": server.route(
            "/tracking",
            Reply(body=_rss(_items(("Tracked", "https://e.com/t")))),
            Reply(body=_rss(_items(("Tracked", "https://e.com/t?utm_source=rss")))),
        ),
    }
    vault = _vault(tmp_path, subs)
    first = _fetch(vault)
    assert {s: r["new"] for s, r in first.items()} == {
        "day page": 3,
        "shared guid": 3,
        "moving link": 1,
        "tracking": 1,
    }
    assert "shared by items with different links" in first["shared guid"]["error"]
    assert sorted(p.article.link for p in _posts(vault, "day page")) == [
        link for _, link in anchors
    ]
    second = _fetch(vault)  # the day page grew an anchor; the others changed only their links
    assert {s: (r["new"], r["seen"]) for s, r in second.items()} == {
        "day page": (1, 3),
        "shared guid": (0, 3),
        "moving link": (0, 1),
        "tracking": (0, 1),
    }
    assert len(_posts(vault)) == 9
    (vault / ".newsvault" / "index.sqlite").unlink()  # a fresh checkout: the links still decide
    third = _fetch(vault)  # (guids surviving a fresh checkout are issue 12.8's: "moving link")
    assert {s: r["new"] for s, r in third.items() if s != "moving link"} == {
        "day page": 0,
        "shared guid": 0,
        "tracking": 0,
    }


# ------------------------------------------------------------------ issue 12.4 and 12.9
def test_one_poisoned_item_costs_at_most_itself(server: FeedServer, tmp_path: Path) -> None:
    good = [(f"Good {n}", f"https://e.com/good/{n}") for n in range(10)]
    poisoned = (
        _items(*good[:5]) + _items(("bad &#xD800; title", "https://e.com/bad")) + _items(*good[5:])
    )
    huge = "9" * 5000
    items = [
        {
            "id": f"j{n}",
            "url": f"https://e.com/j/{n}",
            "title": f"J {n}",
            "content_html": "<p>x</p>",
        }
        for n in range(10)
    ]
    json_body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": items}
    ).replace('"id": "j4"', f'"id": "j4", "n": {huge}')
    subs = {
        "surrogate": server.route("/surrogate", Reply(body=_rss(poisoned))),
        "huge number": server.route(
            "/json",
            Reply(body=json_body.encode(), headers={"Content-Type": "application/feed+json"}),
        ),
    }
    vault = _vault(tmp_path, subs)
    report = _fetch(vault)
    assert (report["surrogate"]["status"], report["surrogate"]["new"]) == ("ok", 11)
    assert "replaced by U+FFFD (&#xD800;)" in report["surrogate"]["error"]
    assert "bad \ufffd title" in [p.article.title for p in _posts(vault, "surrogate")]
    assert (report["huge number"]["status"], report["huge number"]["new"]) == ("ok", 10)
    assert "more than 4,300 digits kept as text" in report["huge number"]["error"]


def test_an_unknown_error_in_one_item_costs_that_item(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a field rule, hit by one item, in the same process as the pipeline."""
    from datetime import datetime, timezone

    from newsvault.config import Config
    from newsvault.fetch import xmlfeed
    from newsvault.pipeline import fetch_vault
    from newsvault.vault import Vault

    real = xmlfeed._author

    def author(fields):  # the rule fails on one item only
        if xmlfeed._text(fields.get("title")) == "trigger":
            raise KeyError("a bug")
        return real(fields)

    monkeypatch.setattr(xmlfeed, "_author", author)
    url = server.route(
        "/f",
        Reply(
            body=_rss(
                _items(
                    ("a", "https://e.com/a"),
                    ("trigger", "https://e.com/t"),
                    ("b", "https://e.com/b"),
                )
            )
        ),
    )
    vault = _vault(tmp_path, {"S": url})
    report = fetch_vault(Vault(vault), Config(), now=datetime(2021, 1, 28, tzinfo=timezone.utc))
    feed = report.feeds[0]
    assert (feed.status, feed.new) == ("ok", 2)
    assert "1 unreadable entry skipped: item 2 (KeyError: 'a bug')" in feed.error


def test_messages_for_html_pages_and_unknown_charsets(server: FeedServer, tmp_path: Path) -> None:
    def latin(n: int) -> bytes:
        body = _rss(_items(("caf\u00e9 cr\u00e8me", f"https://e.com/latin/{n}"))).decode()
        return body.replace('<?xml version="1.0" encoding="UTF-8"?>', "").encode("latin-1")

    subs = {
        "lower doctype": server.route(
            "/page",
            Reply(
                body=b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" '
                b'href="/feed.xml"><title>x</title></head><body><p>hi<br></body></html>',
                headers={"Content-Type": "text/html"},
            ),
        ),
        "unknown charset": server.route(
            "/cs",
            Reply(
                body=latin(1), headers={"Content-Type": "application/rss+xml; charset=x-unknown-8"}
            ),
        ),
        "codec charset": server.route(
            "/hex",
            Reply(body=latin(2), headers={"Content-Type": "application/rss+xml; charset=hex"}),
        ),
    }
    vault = _vault(tmp_path, subs)
    report = _fetch(vault)
    assert report["lower doctype"]["status"] == "error"
    assert (
        report["lower doctype"]["error"]
        == "not a feed: got an HTML page; the page links to a feed at /feed.xml"
    )
    for site in ("unknown charset", "codec charset"):
        assert (report[site]["status"], report[site]["new"]) == ("ok", 1), report[site]
        assert (
            "unknown charset" in report[site]["error"]
            and "internal error" not in report[site]["error"]
        )
    assert {p.article.title for p in _posts(vault)} == {"café crème"}


# ------------------------------------------------------------------ item 5: the report
def test_unreadable_dates_get_the_fetch_time_and_are_reported(
    server: FeedServer, tmp_path: Path
) -> None:
    def item(n: int, date: str | None) -> str:
        when = f"<pubDate>{date}</pubDate>" if date else ""
        return f"<item><title>D{n}</title><link>https://e.com/d/{n}</link>{when}</item>"

    body = _rss(
        item(1, "02/01/2006")
        + item(2, "yesterday")
        + item(3, None)
        + item(4, "Wed, 27 Jan 2021 10:00:00 +08:00")
        + item(5, "Wed, 31 Nov 2021 10:00:00 GMT")
    )
    vault = _vault(tmp_path, {"dates": server.route("/dates", Reply(body=body))})
    report = _fetch(vault)["dates"]
    assert report["new"] == 5
    assert (
        '3 entries without a readable date: "02/01/2006", "yesterday", '
        '"Wed, 31 Nov 2021 10:00:00 GMT" (archived with the fetch time)'
    ) in report["error"]
    assert "1 entry without a date (archived with the fetch time)" in report["error"]
    dates = {p.article.title: p.article.date.isoformat() for p in _posts(vault)}
    assert dates == {
        "D1": "2021-01-28T00:00:00+00:00",
        "D2": "2021-01-28T00:00:00+00:00",
        "D3": "2021-01-28T00:00:00+00:00",
        "D4": "2021-01-27T02:00:00+00:00",
        "D5": "2021-01-28T00:00:00+00:00",
    }
