"""The HTTP client against a real server on 127.0.0.1 that misbehaves on purpose.

Limits are small (1 s deadlines, 1 MB caps) so every hostile case ends quickly; each
test asserts the case is reported as an error, not how long it took.
"""

from __future__ import annotations

import asyncio
import gzip
import zlib
from dataclasses import replace
from pathlib import Path

import brotli
import httpx
import pytest

from newsvault.config import FetchConfig
from newsvault.errors import FetchError, HttpError, LimitExceeded
from newsvault.fetch.body import BoundedBody
from newsvault.fetch.http import HttpClient, Validators, local_path, retry_after
from newsvault.fetch.outcomes import Action, classify_exception, classify_status
from newsvault.models import Fetched
from servers import FeedServer, Reply, endless, gzip_bomb, never_answers, redirect_loop, trickle

FAST = FetchConfig(
    connect_timeout=1.0,
    read_timeout=1.0,
    feed_deadline=2.0,
    retries=2,
    allow_addresses=("127.0.0.1",),
    backoff=0.05,
    max_retry_after=2.0,
    max_bytes=1024 * 1024,
)


def fetch(url: str, config: FetchConfig = FAST, validators: Validators | None = None) -> Fetched:
    async def run() -> Fetched:
        async with HttpClient(config) as client:
            return await client.fetch_feed(url, validators)

    return asyncio.run(run())


def test_plain_get_sends_user_agent_and_accept(server: FeedServer) -> None:
    url = server.route("/feed", Reply(body=b"<rss/>"))
    got = fetch(url, replace(FAST, user_agent="tester/1.0"))
    assert (got.status, got.body) == (200, b"<rss/>")
    headers = server.hits("/feed")[0]
    assert headers["user-agent"] == "tester/1.0"
    assert "application/rss+xml" in headers["accept"]
    assert "br" in headers["accept-encoding"]


@pytest.mark.parametrize(
    "coding,compress",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
    ],
)
def test_compressed_bodies_are_decoded(server: FeedServer, coding: str, compress) -> None:
    body = b"<rss>" + "新聞".encode() * 1000 + b"</rss>"
    url = server.route("/c", Reply(body=compress(body), headers={"Content-Encoding": coding}))
    assert fetch(url).body == body


def test_conditional_get_sends_validators_and_handles_304(server: FeedServer) -> None:
    def conditional(handler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_reply(Reply(304))
        else:
            handler.send_reply(
                Reply(
                    body=b"<rss/>",
                    headers={"ETag": '"v1"', "Last-Modified": "Wed, 27 Jan 2021 23:57:20 GMT"},
                )
            )

    url = server.route("/cond", conditional)
    first = fetch(url)
    validators = Validators.of(first)
    assert validators == Validators('"v1"', "Wed, 27 Jan 2021 23:57:20 GMT")
    second = fetch(url, validators=validators)
    assert second.status == 304
    sent = server.hits("/cond")[1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Wed, 27 Jan 2021 23:57:20 GMT"


def test_server_errors_are_retried_until_success(server: FeedServer) -> None:
    url = server.route("/flaky", Reply(500), Reply(503), Reply(body=b"<rss/>"))
    assert fetch(url).body == b"<rss/>"
    assert len(server.hits("/flaky")) == 3


def test_server_errors_give_up_after_the_retries(server: FeedServer) -> None:
    url = server.route("/down", Reply(502))
    with pytest.raises(HttpError, match="HTTP 502") as err:
        fetch(url)
    assert err.value.status == 502
    assert len(server.hits("/down")) == FAST.retries + 1


def test_429_waits_for_retry_after(server: FeedServer) -> None:
    url = server.route("/busy", Reply(429, headers={"Retry-After": "1"}), Reply(body=b"<rss/>"))
    assert fetch(url).body == b"<rss/>"
    assert len(server.hits("/busy")) == 2


def test_retry_after_beyond_the_bound_is_not_waited_for(server: FeedServer) -> None:
    url = server.route("/later", Reply(429, headers={"Retry-After": "3600"}))
    with pytest.raises(HttpError, match="Retry-After") as err:
        fetch(url)
    assert err.value.status == 429
    assert len(server.hits("/later")) == 1


def test_404_is_not_retried(server: FeedServer) -> None:
    with pytest.raises(HttpError, match="404"):
        fetch(server.url("/missing"))
    assert len(server.hits("/missing")) == 1


def test_server_that_never_answers_hits_the_deadline(server: FeedServer) -> None:
    url = server.route("/silent", never_answers)
    with pytest.raises(FetchError, match="timeout|within"):
        fetch(url)


def test_trickling_server_hits_the_total_deadline(server: FeedServer) -> None:
    url = server.route("/trickle", trickle(0.2))
    with pytest.raises(LimitExceeded, match="no complete response within 2 s"):
        fetch(url, replace(FAST, retries=0))


def test_endless_body_hits_the_size_cap(server: FeedServer) -> None:
    url = server.route("/endless", endless)
    with pytest.raises(LimitExceeded, match="larger than 1,048,576 bytes"):
        fetch(url)


def test_gzip_bomb_is_stopped_after_decompression(server: FeedServer) -> None:
    url = server.route("/bomb", gzip_bomb())
    with pytest.raises(FetchError, match="after decompression"):
        fetch(url)


def test_content_length_over_the_cap_is_refused_before_reading(server: FeedServer) -> None:
    url = server.route("/big", Reply(body=b"x" * (FAST.max_bytes + 1)))
    with pytest.raises(FetchError, match=r"\(Content-Length 1048577\)"):
        fetch(url)


def test_redirects_are_followed_up_to_the_limit(server: FeedServer) -> None:
    server.route("/final", Reply(body=b"<rss/>"))
    url = server.route("/r1", Reply(301, headers={"Location": "/final"}))
    got = fetch(url)
    assert got.url == server.url("/final")
    loop = server.route("/loop", redirect_loop("/loop"))
    with pytest.raises(FetchError, match="redirect"):
        fetch(loop)
    assert len(server.hits("/loop")) == FAST.max_redirects + 1


def test_a_redirect_cannot_reach_local_files(server: FeedServer) -> None:
    url = server.route("/sneaky", Reply(302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetch(url)


def test_per_host_limit_is_respected(server: FeedServer) -> None:
    active, peak = 0, 0
    import threading

    lock = threading.Lock()

    def slow(handler) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        handler.app.stop.wait(0.1)
        with lock:
            active -= 1
        handler.send_reply(Reply(body=b"<rss/>"))

    server.route("/slow", slow)

    async def run() -> None:
        async with HttpClient(replace(FAST, per_host=2, concurrency=16)) as client:
            await asyncio.gather(*(client.get(server.url("/slow")) for _ in range(8)))

    asyncio.run(run())
    assert peak == 2


def test_a_busy_host_does_not_starve_the_others() -> None:
    """20 slow requests to one host and one request to another, global limit 2: the other
    host is served at once instead of after the busy host's queue."""
    with FeedServer() as busy, FeedServer() as other:

        def slow(handler) -> None:
            handler.app.stop.wait(0.3)
            handler.send_reply(Reply(body=b"<rss/>"))

        busy.route("/slow", slow)
        other.route("/quick", Reply(body=b"<rss/>"))
        order: list[str] = []

        async def get(client: HttpClient, url: str, name: str) -> None:
            await client.get(url)
            order.append(name)

        async def run() -> None:
            async with HttpClient(replace(FAST, concurrency=2, per_host=1)) as client:
                jobs = [get(client, busy.url("/slow"), "busy") for _ in range(6)]
                await asyncio.gather(*jobs, get(client, other.url("/quick"), "other"))

        asyncio.run(run())
    assert order.index("other") <= 1


def test_get_is_the_content_fetcher(server: FeedServer) -> None:
    url = server.route(
        "/img", Reply(body=b"\x89PNG" + b"0" * 5000, headers={"Content-Type": "image/png"})
    )

    async def run() -> Fetched:
        async with HttpClient(FAST) as client:
            with pytest.raises(FetchError, match="larger than 1,000 bytes"):
                await client.get(url, max_bytes=1000)
            return await client.get(url, accept="image/*")

    got = asyncio.run(run())
    assert got.content_type == "image/png" and len(got.body) == 5004
    assert server.hits("/img")[-1]["accept"] == "image/*"


def test_file_urls_and_local_paths(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(b"<rss/>")
    assert fetch(feed.as_uri()).body == b"<rss/>"

    async def relative() -> Fetched:
        async with HttpClient(FAST, base_dir=tmp_path) as client:
            return await client.fetch_feed("feed.xml")

    assert asyncio.run(relative()).body == b"<rss/>"
    with pytest.raises(FetchError, match="cannot read"):
        fetch((tmp_path / "missing.xml").as_uri())
    with pytest.raises(FetchError, match="larger than"):
        fetch(feed.as_uri(), replace(FAST, max_bytes=3))
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        local_path("ftp://example.com/feed", tmp_path)


def test_http_proxy_from_config(server: FeedServer) -> None:
    """A forward proxy on 127.0.0.1 (the test server itself) receives the absolute URL."""
    server.routes["http://feeds.invalid/feed.xml"] = [Reply(body=b"<rss>via proxy</rss>")]
    got = fetch("http://feeds.invalid/feed.xml", replace(FAST, proxy=server.base))
    assert got.body == b"<rss>via proxy</rss>"


def test_http_proxy_from_environment(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.routes["http://env.invalid/feed.xml"] = [Reply(body=b"<rss>env</rss>")]
    monkeypatch.setenv("HTTP_PROXY", server.base)
    assert fetch("http://env.invalid/feed.xml").body == b"<rss>env</rss>"


def test_socks5_proxy(server: FeedServer) -> None:
    from socks5 import Socks5Server

    url = server.route("/socks", Reply(body=b"<rss>socks</rss>"))
    with Socks5Server() as proxy:
        got = fetch(url, replace(FAST, proxy=f"socks5://127.0.0.1:{proxy.port}"))
    assert got.body == b"<rss>socks</rss>"
    assert proxy.connections == [("127.0.0.1", int(url.split(":")[2].split("/")[0]))]


def test_bounded_body_counts_raw_and_decoded_bytes() -> None:
    body = BoundedBody("gzip", 100)
    with pytest.raises(FetchError, match="after decompression"):
        body.feed(gzip.compress(b"a" * 1000))
    raw = BoundedBody("", 10)
    raw.feed(b"12345")
    with pytest.raises(FetchError, match="larger than 10 bytes"):
        raw.feed(b"678901")
    with pytest.raises(FetchError, match="unsupported Content-Encoding"):
        BoundedBody("zstd", 10)
    with pytest.raises(FetchError, match="broken compressed body"):
        BoundedBody("gzip", 100).feed(b"not gzip at all")
    for coding, data in (("gzip", gzip.compress(b"x" * 500)), ("br", brotli.compress(b"x" * 500))):
        cut = BoundedBody(coding, 1000)
        cut.feed(data[:-6])
        with pytest.raises(FetchError, match="ends before its end marker"):
            cut.result()
        whole = BoundedBody(coding, 1000)
        whole.feed(data)
        assert whole.result() == b"x" * 500
    assert BoundedBody("gzip", 10).result() == b""  # an empty body (e.g. a 204) is fine


def test_status_table() -> None:
    assert classify_status(200).action is Action.OK
    assert classify_status(304).action is Action.NOT_MODIFIED
    assert classify_status(429).action is Action.RETRY
    assert classify_status(503).action is Action.RETRY
    assert classify_status(501).action is Action.FAIL
    assert classify_status(404).action is Action.FAIL
    assert classify_status(410).reason == "feed is gone for good"
    assert classify_status(999).action is Action.FAIL
    assert classify_exception(httpx.ReadTimeout("x")).action is Action.RETRY
    assert (
        classify_exception(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]")).reason
        == "TLS error"
    )
    assert classify_exception(httpx.TooManyRedirects("x")).action is Action.FAIL


def test_retry_after_parsing() -> None:
    def f(value: str) -> Fetched:
        return Fetched("u", 429, "", b"", (("Retry-After", value),))

    assert retry_after(f("7")) == 7.0
    assert retry_after(f("Wed, 27 Jan 2021 23:57:20 GMT")) == 0.0  # a past date: now
    assert retry_after(f("soon")) is None
    assert retry_after(Fetched("u", 429, "", b"")) is None


def test_host_slots_widen_for_http2_unless_the_keeper_fixed_them() -> None:
    from newsvault.fetch.http import HostSlots

    async def run() -> tuple[int, int]:
        slots, fixed = HostSlots(2), HostSlots(3, fixed=True)
        await slots.widen(32)
        await fixed.widen(32)
        held = [await slots.__aenter__() for _ in range(32)]
        assert len(held) == 32 and slots.busy == 32
        return slots.limit, fixed.limit

    assert asyncio.run(run()) == (32, 3)


def test_host_limits_come_from_the_config() -> None:
    client = HttpClient(replace(FAST, per_host=6, hosts={"rss.lan": 16, "127.0.0.1:8080": 2}))
    assert client.slots("rss.lan:443").limit == 16
    assert client.slots("127.0.0.1:8080").limit == 2
    assert client.slots("other.example").limit == 6
    asyncio.run(client.aclose())
