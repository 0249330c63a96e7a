"""Which network addresses a feed may make newsvault reach (server-side request forgery).

A subscription is the keeper's choice: it may live on localhost or the keeper's own
network (a self-hosted RSSHub). The links *inside* a feed are not: an item whose page or
image is ``http://169.254.169.254/…`` (a cloud's metadata service), ``http://127.0.0.1:…``
or ``http://10.0.0.1/admin`` would make newsvault fetch from the keeper's network and
publish the answer. So full-text pages and images are fetched only from global
addresses, unless ``[fetch] allow_addresses`` lists the address or its network.

The check is made on the address actually connected to (:class:`GuardedBackend`, under
httpx's connection pool: a name that resolves to a public address when checked and a
private one when connecting cannot slip through), on every redirect hop, and — when a
proxy does the connecting — on the name resolved here before the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from newsvault.errors import BlockedAddress, ConfigError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressGuard:
    """Global addresses pass; others only when a network of ``allowed`` holds them."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed: tuple[Network, ...] = tuple(_network(a) for a in allowed)

    def permits(self, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(address in net for net in self.allowed if net.version == address.version):
            return True
        return address.is_global and not address.is_multicast

    def check(self, host: str, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not self.permits(ip):
            raise BlockedAddress(
                f"{host} is {ip}, a {_kind(ip)} address: newsvault does not fetch pages or "
                "images from it for a feed (add it to [fetch] allow_addresses to allow it)"
            )

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` that may be connected to; raises BlockedAddress when
        it has some but none is allowed."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            self.check(host, str(literal))
            return [str(literal)]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from None
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        good = [a for a in found if self.permits(ipaddress.ip_address(a.split("%", 1)[0]))]
        if found and not good:
            self.check(host, found[0])
        return good


def _network(text: str) -> Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ConfigError(
            f"[fetch] allow_addresses: {text!r} is not an IP address or network "
            '(examples: "127.0.0.1", "10.1.0.0/16", "::1")'
        ) from None


def _kind(ip: Address) -> str:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    return "reserved"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the guard allows (the
    TLS handshake still names the host, so certificates are checked as usual)."""

    def __init__(self, guard: AddressGuard) -> None:
        from httpcore._backends.auto import AutoBackend  # httpcore's own default

        self.guard = guard
        self._inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.resolve(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error  # type: ignore[misc]

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are never used for pages or images")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
