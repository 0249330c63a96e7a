"""The simulated world of the replay test: 20 news sites on 127.0.0.x, each its own real
HTTP server, whose articles appear, are edited, vanish and whose hosts go down, all on
a clock the test sets before each hourly run (tests/test_evidence_replay.py)."""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from servers import start_quiet, stop

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
DAYS = 40
SITES = 20
PER_SITE = 50
FEED_WINDOW = timedelta(days=10)  # a feed lists the site's articles of the last 10 days
STEPS = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=30),
)
KINDS = ("404", "410", "451", "home", "marker", "dropped")
# Sites whose feed carries the whole article (content:encoded), as 6 of the 15 real
# feeds with items in the fixture corpus's benchmark set do; the others give a summary
# and newsvault takes the text from the page ("fulltext": "article").
FULL_FEEDS = frozenset(s for s in range(SITES) if s % 5 in (1, 3))
EXPECTED = {
    "404": "gone",
    "410": "gone",
    "451": "blocked",
    "home": "redirected",
    "marker": "removed",
    "dropped": "dropped",
}


@dataclass
class Article:
    site: int
    n: int
    published: datetime
    edits: list[datetime] = field(default_factory=list)
    vanish: datetime | None = None
    kind: str | None = None

    @property
    def path(self) -> str:
        return f"/news/{self.n}.html"

    @property
    def seen(self) -> datetime:
        """The hourly run that archives it (the first at or after publication)."""
        hour = self.published.replace(minute=0, second=0, microsecond=0)
        return hour if hour == self.published else hour + timedelta(hours=1)

    def version(self, now: datetime) -> int:
        return sum(1 for e in self.edits if e <= now)

    def gone(self, now: datetime) -> bool:
        return self.vanish is not None and now >= self.vanish


@dataclass
class Outage:
    start: datetime
    end: datetime
    mode: str  # timeout | 503 | refused


class World:
    def __init__(self, seed: int = 14) -> None:
        rng = random.Random(seed)
        self.now = T0
        self.articles: list[Article] = []
        span = (DAYS - 8) * 24 * 60  # minutes: every article gets a week of revisits
        for site in range(SITES):
            for n in range(PER_SITE):
                self.articles.append(
                    Article(site, n, T0 + timedelta(minutes=rng.randrange(30, span)))
                )
        chosen = rng.sample(self.articles, len(self.articles) // 5)
        vanishing, edited = chosen[: len(chosen) // 2], chosen[len(chosen) // 2 :]
        for i, art in enumerate(vanishing):
            art.kind = KINDS[i % len(KINDS)]
            # ages as WeChat removals go: most within 3 days, some later (WeChatscope)
            age = timedelta(
                hours=rng.choice(
                    [rng.uniform(2, 24), rng.uniform(24, 72), rng.uniform(72, 24 * 10)]
                )
            )
            art.vanish = art.published + timedelta(hours=1) + age
        end = T0 + timedelta(days=DAYS)
        for art in edited:
            # An edit falls between two revisits, 13 h clear of each (an outage of up to
            # 12 h may delay one): what no schedule can see is not asked of it.
            windows = [
                (a, b) for a, b in zip(STEPS[2:], STEPS[3:], strict=False) if art.seen + b < end
            ]
            picks = sorted(rng.sample(windows, min(len(windows), rng.choice([1, 2]))))
            for a, b in picks:
                start, stop = art.seen + a + timedelta(hours=13), art.seen + b - timedelta(hours=13)
                art.edits.append(start + (stop - start) * rng.random())
        self.outages: dict[int, list[Outage]] = {}
        for site in rng.sample(range(SITES), 8):
            spells = []
            for _ in range(3):
                start = T0 + timedelta(hours=rng.randrange(24, DAYS * 24 - 24))
                spells.append(
                    Outage(
                        start,
                        start + timedelta(hours=rng.randint(1, 12)),
                        rng.choice(["timeout", "503", "refused"]),
                    )
                )
            self.outages[site] = spells
        self.servers: list[SiteServer] = [SiteServer(self, s) for s in range(SITES)]

    def outage(self, site: int) -> Outage | None:
        return next((o for o in self.outages.get(site, ()) if o.start <= self.now < o.end), None)

    def set_time(self, now: datetime) -> None:
        self.now = now
        for server in self.servers:
            server.listen(
                self.outage(server.site) is None or self.outage(server.site).mode != "refused"
            )  # type: ignore[union-attr]

    def close(self) -> None:
        for server in self.servers:
            server.listen(False)

    # --- what the sites serve ---------------------------------------------------------
    def feed(self, site: int) -> bytes:
        items = []
        for art in self.articles:
            if (
                art.site != site
                or art.published > self.now
                or art.published < self.now - FEED_WINDOW
            ):
                continue
            if art.gone(self.now):
                continue  # a deleted article leaves its feed (the page: by its kind)
            full = (
                f"<content:encoded><![CDATA[{self.article(art)}]]></content:encoded>"
                if site in FULL_FEEDS
                else ""
            )
            items.append(
                f"<item><title>Site {site} story {art.n}</title><link>{self.servers[site].base}{art.path}</link>"
                f"<guid>s{site}-{art.n}</guid><pubDate>{format_datetime(art.published, usegmt=True)}</pubDate>"
                f"<description>summary {art.n}</description>{full}</item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Site {site}</title>"
            f"<link>{self.servers[site].base}/</link>{''.join(items)}</channel></rss>"
        ).encode()

    def article(self, art: Article, tracking: str = "") -> str:
        """The article's text as it stands now (the page's <article>, the full feeds' entry)."""
        v = art.version(self.now)
        text = f"Story {art.n} of site {art.site}: the facts as first reported, paragraph one."
        if v:
            text = f"Story {art.n} of site {art.site}: the facts as corrected (edit {v}), paragraph one."
        return (
            f"<h2>Story {art.n}</h2><p>{text}</p>"
            f"<p>More: <a href='/news/{art.n}.html{tracking}'>link</a></p>"
        )

    def page(self, site: int, path: str) -> tuple[int, bytes, dict[str, str]]:
        if path == "/":
            return 200, b"<html><body><h1>Home</h1><p>Latest news</p></body></html>", {}
        art = next((a for a in self.articles if a.site == site and a.path == path), None)
        if art is None or art.published > self.now:
            return 404, b"not found", {}
        if art.gone(self.now) and art.kind != "dropped":
            if art.kind in ("404", "410", "451"):
                return int(art.kind), b"<html><body>unavailable</body></html>", {}
            if art.kind == "home":
                return 302, b"", {"Location": "/"}
            return (
                200,
                "<html><body><div class='msg'>该内容已被发布者删除</div></body></html>".encode(),
                {},
            )
        clock = self.now.strftime("%H:%M")  # ticks every hour: must not count as an edit
        body = (
            f"<html><body><nav>Updated {clock}</nav>"
            f"<article>{self.article(art, f'?utm_source=hour{self.now.hour}')}</article>"
            f"<div class='ad-slot'>Ad {self.now.hour}</div></body></html>"
        )
        return 200, body.encode(), {}


class SiteServer:
    def __init__(self, world: World, site: int) -> None:
        self.world, self.site = world, site
        self.host = f"127.0.0.{site + 2}"
        self.httpd: ThreadingHTTPServer | None = None
        self.port = 0
        self.requests = 0  # every GET it answered (or timed out on)
        self.feed_requests = 0  # of them, for its feed
        self.listen(True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def listen(self, on: bool) -> None:
        if on and self.httpd is None:
            httpd = start_quiet(_Handler, self.host, self.port)  # quiet: timeouts are the point
            httpd.site = self  # type: ignore[attr-defined]
            self.port = httpd.server_address[1]
            self.httpd = httpd
        elif not on and self.httpd is not None:
            stop(self.httpd)
            self.httpd = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        site: SiteServer = self.server.site  # type: ignore[attr-defined]
        world = site.world
        path = self.path.split("?", 1)[0]
        site.requests += 1
        site.feed_requests += path == "/feed.xml"
        outage = world.outage(site.site)
        if outage is not None and outage.mode == "timeout":
            time.sleep(1.0)
            self.close_connection = True
            return
        if outage is not None and outage.mode == "503":
            return self.reply(503, b"busy", {})
        if path == "/feed.xml":
            return self.reply(200, world.feed(site.site), {"Content-Type": "application/rss+xml"})
        status, body, headers = world.page(site.site, path)
        self.reply(status, body, {"Content-Type": "text/html; charset=utf-8", **headers})

    def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status in (200, 304):
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
