"""fetch_vault end to end: real server on 127.0.0.1, real archive writer and index."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import FIXTURES
from newsvault.archive.articles import article_author, article_date, article_ms, epoch_ms
from newsvault.config import Config, FetchConfig
from newsvault.fetch.report import ERROR, NOT_MODIFIED, OK, FeedResult, FetchReport
from newsvault.models import Entry, Subscription
from newsvault.pipeline import fetch_vault
from newsvault.vault import Vault
from servers import (
    BILLION_LAUGHS,
    FeedServer,
    Handler,
    Reply,
    endless,
    gzip_bomb,
    never_answers,
    redirect_loop,
    rss,
    trickle,
)

NOW = datetime(2021, 1, 28, tzinfo=timezone.utc)
FAST = Config(
    fetch=FetchConfig(
        connect_timeout=1.0,
        read_timeout=1.0,
        feed_deadline=2.0,
        retries=2,
        backoff=0.05,
        max_retry_after=2.0,
        max_bytes=1024 * 1024,
    )
)


def make_vault(tmp_path: Path, subs: list[dict[str, object]]) -> Vault:
    vault = Vault(tmp_path / "vault")
    vault.root.mkdir(exist_ok=True)
    vault.subs_file.write_text(json.dumps(subs, ensure_ascii=False), encoding="utf-8")
    return vault


def item(
    n: int | str,
    title: str | None = None,
    date: str = "Wed, 27 Jan 2021 12:00:00 GMT",
    link: str | None = None,
    **extra: str,
) -> dict[str, str]:
    return {
        "title": title or f"Article {n}",
        "link": link or f"https://news.example.com/a/{n}",
        "pubDate": date,
        "description": f"<p>Body {n}</p>",
        **extra,
    }


def run(vault: Vault, config: Config = FAST, **kwargs: object) -> FetchReport:
    return fetch_vault(vault, config, now=NOW, **kwargs)  # type: ignore[arg-type]


def posts(vault: Vault) -> list[str]:
    return sorted(p.name for p in vault.posts_dir.glob("*.md"))


def test_fetch_twice_archives_nothing_new_and_uses_conditional_get(
    server: FeedServer, tmp_path: Path
) -> None:
    body = rss(item(1), item(2), item(3))

    def conditional(handler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_reply(Reply(304))
        else:
            handler.send_reply(Reply(body=body, headers={"ETag": '"v1"'}))

    url = server.route("/feed", conditional)
    vault = make_vault(tmp_path, [{"site": "Example", "url": url}])
    first = run(vault)
    assert [(f.status, f.new, f.seen) for f in first.feeds] == [(OK, 3, 0)]
    assert len(posts(vault)) == 3
    second = run(vault)
    assert [(f.status, f.http_status, f.new) for f in second.feeds] == [(NOT_MODIFIED, 304, 0)]
    assert server.hits("/feed")[1]["if-none-match"] == '"v1"'
    shutil.rmtree(vault.state_dir)  # the index is a cache: rebuilt from _posts/
    third = run(vault)
    assert [(f.status, f.new, f.seen) for f in third.feeds] == [(OK, 0, 3)]
    assert len(posts(vault)) == 3


def test_same_article_in_two_feeds_is_archived_once(server: FeedServer, tmp_path: Path) -> None:
    """The article is credited to the feed written first (docs/resilience.md): feed Two
    answers only once feed One's two posts are on disk, so the order is One, Two."""
    shared = item("shared", link="https://news.example.com/a/shared?utm_source=rss#utm_medium=x")
    one = server.route("/one", Reply(body=rss(item(1), shared)))
    vault = make_vault(tmp_path, [{"site": "One", "url": one}])
    second = Reply(body=rss(item(2), {**shared, "link": "https://NEWS.example.com:443/a/shared"}))

    def after_one(handler: Handler) -> None:
        for _ in range(100):
            if len(posts(vault)) >= 2 or handler.app.stop.wait(0.05):
                break
        handler.send_reply(second)

    two = server.route("/two", after_one)
    vault.subs_file.write_text(
        json.dumps([{"site": "One", "url": one}, {"site": "Two", "url": two}])
    )
    patient = replace(FAST, fetch=replace(FAST.fetch, read_timeout=10.0, feed_deadline=15.0))
    report = run(vault, patient)
    assert [(f.site, f.new, f.seen) for f in report.feeds] == [("One", 2, 0), ("Two", 1, 1)]
    assert len(posts(vault)) == 3
    assert report.new_by_site == {"One": 2, "Two": 1}


def test_bare_guids_of_two_feeds_never_hide_each_other(server: FeedServer, tmp_path: Path) -> None:
    # Both feeds number their items "1"; the articles differ. Fetched in separate runs, the
    # second feed's article must not be taken for the first one's (a guid "1" is per feed).
    one = server.route("/one", Reply(body=rss(item("x", guid="1"))))
    vault = make_vault(tmp_path, [{"site": "One", "url": one}])
    assert run(vault).feeds[0].new == 1
    two = server.route("/two", Reply(body=rss(item("y", guid="1"))))
    vault.subs_file.write_text(
        json.dumps([{"site": "One", "url": one}, {"site": "Two", "url": two}])
    )
    report = run(vault)
    assert [(f.site, f.new) for f in report.feeds] == [("One", 0), ("Two", 1)]
    assert len(posts(vault)) == 2


def test_link_prefix_gives_two_articles(server: FeedServer, tmp_path: Path) -> None:
    url = server.route("/feed", Reply(body=rss(item(1), item(12))))
    vault = make_vault(tmp_path, [{"site": "S", "url": url}])
    assert run(vault).feeds[0].new == 2
    assert len(posts(vault)) == 2


def test_same_date_and_title_different_articles_are_both_archived(
    server: FeedServer, tmp_path: Path
) -> None:
    url = server.route("/feed", Reply(body=rss(item(1, title="Same"), item(2, title="Same"))))
    vault = make_vault(tmp_path, [{"site": "S", "url": url}])
    run(vault)
    assert posts(vault) == ["2021-01-27-Same-2.md", "2021-01-27-Same.md"]
    # name collisions resolve by date, then subscription and entry order: every run alike
    assert "a/1" in (vault.posts_dir / "2021-01-27-Same.md").read_text()


def test_articles_are_written_in_date_order(server: FeedServer, tmp_path: Path) -> None:
    late = item(1, title="Same", date="Wed, 27 Jan 2021 20:00:00 GMT")
    early = item(2, title="Same", date="Wed, 27 Jan 2021 08:00:00 GMT")
    url = server.route("/feed", Reply(body=rss(late, early)))
    vault = make_vault(tmp_path, [{"site": "S", "url": url}])
    run(vault)
    assert "a/2" in (vault.posts_dir / "2021-01-27-Same.md").read_text()
    assert "a/1" in (vault.posts_dir / "2021-01-27-Same-2.md").read_text()


def test_seed_post_byte_for_byte(server: FeedServer, tmp_path: Path) -> None:
    seed = next((FIXTURES / "posts" / "seed").glob("*.md"))
    text = seed.read_text(encoding="utf-8")
    html = text[text.index("<div>\n") + 6 : text.rindex("\n</div>")]
    body = rss(
        {
            "title": "美國務卿與英德外長通話 同意就中國議題緊密合作",
            "link": "https://www.cna.com.tw/news/firstnews/202101280007.aspx",
            "pubDate": "Wed, 27 Jan 2021 23:57:20 GMT",
            "content:encoded": f"<![CDATA[{html}]]>",
        }
    )
    url = server.route("/cna.xml", Reply(body=body))
    vault = make_vault(tmp_path, [{"site": "(臺)中央社CNA", "url": url}])
    report = run(vault)
    assert report.feeds[0].new == 1, report.feeds[0]
    assert posts(vault) == [seed.name]
    assert (vault.posts_dir / seed.name).read_bytes() == seed.read_bytes()


def test_hostile_servers_are_reported_while_others_succeed(
    server: FeedServer, tmp_path: Path
) -> None:
    good = server.route("/good", Reply(body=rss(item(1), item(2))))
    hostile = {
        "never answers": server.route("/silent", never_answers),
        "trickle": server.route("/trickle", trickle(0.3)),
        "endless": server.route("/endless", endless),
        "gzip bomb": server.route("/bomb", gzip_bomb()),
        "redirect loop": server.route("/loop", redirect_loop("/loop")),
        "html": server.route(
            "/html",
            Reply(
                body=b"<!DOCTYPE html><html><body>hi</body></html>",
                headers={"Content-Type": "text/html"},
            ),
        ),
        "404": server.url("/missing"),
    }
    recovering = {
        "500 then ok": server.route("/flaky", Reply(500), Reply(500), Reply(body=rss(item(3)))),
        "429 then ok": server.route(
            "/busy", Reply(429, headers={"Retry-After": "1"}), Reply(body=rss(item(4)))
        ),
        "invalid utf-8": server.route(
            "/badutf8",
            Reply(
                body=rss(item(5, title="bad \xff")).replace("bad \xff".encode(), b"bad \xff"),
                headers={"Content-Type": "application/rss+xml; charset=utf-8"},
            ),
        ),
        "wrong charset": server.route(
            "/wrongcs",
            Reply(
                body=rss(item(6, title="中文")),
                headers={"Content-Type": "text/xml; charset=iso-8859-1"},
            ),
        ),
        # read, its nested entities never expanded (issue 11.7)
        "billion laughs": server.route("/laughs", Reply(body=BILLION_LAUGHS)),
    }
    subs = [{"site": "good", "url": good}] + [
        {"site": k, "url": v} for k, v in {**hostile, **recovering}.items()
    ]
    vault = make_vault(tmp_path, subs)
    report = run(vault)
    by_site = {f.site: f for f in report.feeds}
    assert by_site["good"].new == 2
    for site in hostile:
        assert by_site[site].status == ERROR and by_site[site].error, site
    assert "neither fetched nor expanded" in by_site["billion laughs"].error
    assert "not a feed" in by_site["html"].error
    assert "redirect" in by_site["redirect loop"].error
    assert by_site["404"].http_status == 404
    assert "decompression" in by_site["gzip bomb"].error
    for site in recovering:
        assert by_site[site].status == OK and by_site[site].new == 1, by_site[site]
    assert "invalid UTF-8" in by_site["invalid utf-8"].error
    assert "UTF-8" in by_site["wrong charset"].error
    assert "中文" in "".join(p for p in posts(vault))
    assert report.exit_code == 0


def test_every_feed_failing_exits_1(server: FeedServer, tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path,
        [
            {"site": "a", "url": server.url("/nope")},
            {"site": "b", "url": str(tmp_path / "missing.xml")},
        ],
    )
    report = run(vault)
    assert [f.status for f in report.feeds] == [ERROR, ERROR]
    assert report.exit_code == 1


def test_bad_content_settings_are_a_config_error(tmp_path: Path) -> None:
    from newsvault.config import ContentConfig
    from newsvault.errors import ConfigError

    vault = make_vault(tmp_path, [{"site": "S", "url": "feed.xml", "images": "proxy"}])
    bad = replace(FAST, content=ContentConfig(image_proxy="https://proxy.example/"))
    with pytest.raises(ConfigError, match="image_proxy"):
        run(vault, bad)


def test_disabled_feeds_and_local_files(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path,
        [
            {"site": "local", "url": "feeds/local.xml"},
            {"site": "off", "url": "feeds/off.xml", "enabled": False},
        ],
    )
    (vault.root / "feeds").mkdir()
    (vault.root / "feeds" / "local.xml").write_bytes(rss(item(1)))
    report = run(vault)
    assert [(f.site, f.new) for f in report.feeds] == [("local", 1)]


def test_should_stop_finishes_cleanly_and_nothing_is_lost(
    server: FeedServer, tmp_path: Path
) -> None:
    body = rss(*(item(i) for i in range(5)))
    url = server.route("/feed", Reply(body=body, headers={"ETag": '"same"'}))
    vault = make_vault(tmp_path, [{"site": "S", "url": url}])
    written = 0

    def progress(phase: str, done: int, total: int) -> None:
        nonlocal written
        written = done if phase == "write" else written

    report = run(vault, progress=progress, should_stop=lambda: written >= 2)
    assert report.stopped and report.feeds[0].new == 2 and len(posts(vault)) == 2
    # the validators were not stored: the next run fetches in full and writes the rest
    again = run(vault)
    assert "if-none-match" not in server.hits("/feed")[1]
    assert (again.feeds[0].new, again.feeds[0].seen) == (3, 2)


def test_should_stop_cancels_feeds_in_flight(server: FeedServer, tmp_path: Path) -> None:
    url = server.route("/silent", never_answers)
    vault = make_vault(tmp_path, [{"site": "S", "url": url}])
    slow = replace(FAST, fetch=replace(FAST.fetch, feed_deadline=60.0, read_timeout=60.0))
    report = run(vault, slow, should_stop=lambda: True)
    assert report.stopped
    assert [(f.status, f.error) for f in report.feeds] == [
        (ERROR, "not fetched: the run was stopped")
    ]


def test_results_are_kept_in_the_index(server: FeedServer, tmp_path: Path) -> None:
    ok = server.route("/ok", Reply(body=rss(item(1))))
    vault = make_vault(
        tmp_path, [{"site": "ok", "url": ok}, {"site": "bad", "url": server.url("/404")}]
    )
    run(vault)
    run(vault)
    from newsvault.archive.index import read_only
    from newsvault.fetch import state

    with read_only(vault) as db:
        assert db is not None and state.has_state(db)
        success = state.last_success_by_site(db)
        bad = state.feed_health(db, server.url("/404"), "bad")
        good = state.feed_health(db, ok, "ok")
    assert list(success) == ["ok"] and success["ok"] == NOW
    assert (bad.consecutive_failures, bad.last_success, bad.archived) == (2, None, 0)
    assert "404" in (bad.last_error or "")
    assert (good.consecutive_failures, good.archived, good.runs) == (0, 1, 2)


def test_author_override_tags_and_future_dates(server: FeedServer, tmp_path: Path) -> None:
    url = server.route(
        "/feed",
        Reply(
            body=rss(
                item(1, **{"dc:creator": "Feed Author"}),
                item(2, date="Fri, 29 Jan 2021 00:00:00 GMT"),
            )
        ),
    )
    vault = make_vault(
        tmp_path, [{"site": "S", "url": url, "author": "Override", "tags": ["x", "S"]}]
    )
    run(vault)
    texts = [(vault.posts_dir / p).read_text() for p in posts(vault)]
    assert all("author: Override\n" in t and "tags: [ S, x ]" in t for t in texts)
    future = next(t for t in texts if "a/2" in t)
    assert "date: 2021-01-28T00:00:00.000Z" in future
    assert "<!--1611878400000-->" in future  # MS keeps the item's own (future) time


def test_entry_rules() -> None:
    sub = Subscription("Site", "u")
    e = Entry("t", "https://x/1", None, None, None, None, None)
    assert article_date(e, NOW) == NOW and article_ms(e, NOW) == epoch_ms(NOW)
    updated = datetime(2021, 1, 1, 1, 2, 3, 456789, tzinfo=timezone.utc)
    e2 = replace(e, updated=updated)
    assert article_date(e2, NOW) == updated.replace(microsecond=456000)
    assert article_ms(e2, article_date(e2, NOW)) == 1609462923456
    assert article_author(e, sub) == "Site"
    assert article_author(replace(e, author=" A "), sub) == "A"
    assert article_author(replace(e, author="A"), replace(sub, author="B")) == "B"
    assert epoch_ms(datetime(1969, 12, 31, 23, 59, 59, tzinfo=timezone.utc)) == -1000


def test_report_exit_codes() -> None:
    ok, bad = FeedResult("a", "u", OK, new=2), FeedResult("b", "v", ERROR, error="x")
    assert FetchReport(NOW, (ok, bad)).exit_code == 0
    assert FetchReport(NOW, (bad,)).exit_code == 1
    assert FetchReport(NOW, ()).exit_code == 0
    data = FetchReport(NOW, (ok, bad)).to_json()
    assert (
        data["new_by_site"] == {"a": 2}
        and data["failed"] == 1
        and data["now"] == "2021-01-28T00:00:00Z"
    )


@pytest.mark.slow
def test_every_fixture_feed_in_one_run(server: FeedServer, tmp_path: Path) -> None:
    from conftest import FEEDS

    files = sorted(
        p for p in FEEDS.rglob("*") if p.is_file() and p.name not in ("LICENSE", "MANIFEST.json")
    )
    subs = []
    for n, path in enumerate(files):
        url = server.route(
            f"/f/{n}", Reply(body=path.read_bytes(), headers={"Content-Type": "application/xml"})
        )
        subs.append({"site": f"feed{n}", "url": url})
    vault = make_vault(tmp_path, subs)
    report = run(vault)
    assert len(report.feeds) == len(files)
    for feed in report.feeds:
        assert feed.status in (OK, ERROR)
        assert feed.status == OK or (feed.error and "internal error" not in feed.error), feed
    ok = [f for f in report.feeds if f.status == OK]
    assert len(ok) > 0.9 * len(files)
    assert (
        report.new > 400 and len(posts(vault)) == report.new
    )  # 420 from the 339 feeds of tests/data
    assert report.exit_code == 0
