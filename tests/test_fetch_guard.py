"""What a feed may make newsvault fetch: web addresses on global IPs only (issue 12.2, 12.9).

Real servers on 127.0.0.1 and 127.0.0.2; the client allows only the addresses a test
names, as a keeper would in ``[fetch] allow_addresses``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from newsvault.config import ConfigError, FetchConfig, config_from_dict
from newsvault.errors import BlockedAddress, FetchError
from newsvault.fetch.addresses import AddressGuard
from newsvault.fetch.http import HttpClient
from servers import FeedServer, Reply

BASE = FetchConfig(
    connect_timeout=1.0, read_timeout=1.0, feed_deadline=2.0, retries=0, backoff=0.05
)


def get(url: str, config: FetchConfig) -> bytes:
    async def run() -> bytes:
        async with HttpClient(config) as client:
            return (await client.get(url)).body

    return asyncio.run(run())


def feed(url: str, config: FetchConfig) -> bytes:
    async def run() -> bytes:
        async with HttpClient(config) as client:
            return (await client.fetch_feed(url)).body

    return asyncio.run(run())


def test_pages_and_images_never_come_from_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root:x:0:0")
    for url in (secret.as_uri(), "file:///etc/passwd", str(secret), "javascript:alert(1)"):
        with pytest.raises(FetchError, match="not a web address"):
            get(url, BASE)
    assert feed(secret.as_uri(), BASE) == b"root:x:0:0"  # a subscription may be a local file


def test_loopback_is_refused_unless_allowed(server: FeedServer) -> None:
    url = server.route("/page", Reply(body=b"<html>page</html>"))
    with pytest.raises(BlockedAddress, match="127.0.0.1, a loopback address.*allow_addresses"):
        get(url, BASE)
    assert get(url, replace(BASE, allow_addresses=("127.0.0.1",))) == b"<html>page</html>"
    assert get(url, replace(BASE, allow_addresses=("127.0.0.0/8",))) == b"<html>page</html>"
    assert feed(url, BASE) == b"<html>page</html>"  # the keeper's own subscriptions may be local


def test_the_resolved_address_is_checked_not_the_name(server: FeedServer) -> None:
    """``localhost`` is a name; what it resolves to (127.0.0.1) is what is refused."""
    url = server.url("/page").replace("127.0.0.1", "localhost")
    server.route("/page", Reply(body=b"ok"))
    with pytest.raises(BlockedAddress, match="localhost is 127.0.0.1"):
        get(url, replace(BASE, allow_addresses=("127.0.0.2",)))
    assert get(url, replace(BASE, allow_addresses=("127.0.0.1", "::1"))) == b"ok"


def test_a_redirect_to_a_private_address_is_refused() -> None:
    with FeedServer() as public, FeedServer("127.0.0.2") as private:
        private.route("/admin", Reply(body=b"secret"))
        url = public.route("/go", Reply(302, headers={"Location": private.url("/admin")}))
        with pytest.raises(BlockedAddress, match="127.0.0.2, a loopback address"):
            get(url, replace(BASE, allow_addresses=("127.0.0.1",)))
        assert private.hits("/admin") == []


def test_a_redirect_to_data_or_file_says_so(server: FeedServer) -> None:
    config = replace(BASE, allow_addresses=("127.0.0.1",))
    url = server.route("/data", Reply(302, headers={"Location": "data:text/html,<b>x</b>"}))
    with pytest.raises(
        FetchError, match=r"redirected to data:text/html.*unsupported URL scheme 'data'"
    ):
        get(url, config)
    with pytest.raises(FetchError, match=r"redirected to data:"):
        feed(url, config)  # a feed too: no "internal error: InvalidURL"


def test_guard_rules() -> None:
    guard = AddressGuard(["10.1.0.0/16"])
    import ipaddress

    ip = ipaddress.ip_address
    assert guard.permits(ip("93.184.216.34"))
    assert guard.permits(ip("10.1.2.3"))
    for bad in (
        "127.0.0.1",
        "10.2.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
        "224.0.0.1",
    ):
        assert not guard.permits(ip(bad)), bad


def test_allow_addresses_is_checked_at_load() -> None:
    assert config_from_dict(
        {"fetch": {"allow_addresses": ["127.0.0.1"]}}
    ).fetch.allow_addresses == ("127.0.0.1",)
    with pytest.raises(ConfigError, match="allow_addresses must be a list"):
        config_from_dict({"fetch": {"allow_addresses": "127.0.0.1"}})
    with pytest.raises(ConfigError, match="not an IP address or network"):
        AddressGuard(["localhost"])
