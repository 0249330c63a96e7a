"""The one HTTP client of newsvault (httpx underneath), with every limit a hostile server needs.

- a global concurrency limit and a per-host limit (politeness, and fairness across feeds);
- connect/read timeouts per attempt and a total deadline per URL, retries included;
- a size cap enforced while streaming, on the wire and after decompression (body.py);
- at most ``max_redirects`` redirects, followed here: only to http(s) URLs;
- HTTP/2 where the server offers it (a host that speaks it gets ``per_host_http2``
  requests at once instead of ``per_host``; ``[fetch] hosts`` sets a host's own limit);
- gzip/deflate/brotli; conditional GET;
- retries with exponential backoff for the transient outcomes of outcomes.py, honouring
  ``Retry-After`` up to ``max_retry_after``;
- proxies from ``[fetch] proxy`` or, when that is empty, the usual environment variables;
- ``file://`` URLs and plain local paths for subscriptions, read under the same size cap.

:meth:`HttpClient.get` is the ``Fetcher`` protocol the content stage uses for full-text
pages and images (web addresses on allowed IPs only); :meth:`HttpClient.fetch_feed` adds
the conditional-GET validators and local files.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ssl
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

import httpcore
import httpx

from newsvault.config import FetchConfig
from newsvault.errors import BlockedAddress, FetchError, HttpError, LimitExceeded
from newsvault.fetch.addresses import AddressGuard, GuardedBackend
from newsvault.fetch.body import BoundedBody
from newsvault.fetch.outcomes import Action, classify_exception, classify_status
from newsvault.fetch.validators import Validators
from newsvault.models import Fetched

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


class HostSlots:
    """How many requests may be in flight to one host; the limit can grow (a host that
    answers over HTTP/2 multiplexes many requests on one connection)."""

    def __init__(self, limit: int, fixed: bool = False) -> None:
        self.limit = max(1, limit)
        self.fixed = fixed  # set by the keeper ([fetch] hosts): never widened
        self.busy = 0
        self._cond = asyncio.Condition()

    async def __aenter__(self) -> "HostSlots":
        async with self._cond:
            await self._cond.wait_for(lambda: self.busy < self.limit)
            self.busy += 1
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._cond:
            self.busy -= 1
            self._cond.notify()

    async def widen(self, limit: int) -> None:
        if self.fixed or limit <= self.limit:
            return
        async with self._cond:
            self.limit = limit
            self._cond.notify_all()


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The certificate store, loaded once per process: loading it costs ~35 ms, and every
    client made three (a run makes two clients: fetch, then revisits)."""
    return httpx.create_ssl_context()


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that connects only to allowed addresses."""

    def __init__(self, guard: AddressGuard, *, http2: bool, limits: httpx.Limits) -> None:
        super().__init__(http2=http2, limits=limits, verify=ssl_context())
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=GuardedBackend(guard),
        )


class HttpClient:
    """Async client; use ``async with HttpClient(config) as client``.

    Two connection pools: one for subscriptions (the keeper's URLs: any address, and
    local files), one for what feeds point at — full-text pages and images — which
    reaches only web addresses on global IPs (see :mod:`newsvault.fetch.addresses`).
    Both share the global and per-host limits.
    """

    def __init__(
        self,
        config: FetchConfig,
        *,
        base_dir: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.base_dir = base_dir or Path.cwd()
        self.guard = AddressGuard(config.allow_addresses)
        self._global = asyncio.Semaphore(config.concurrency)
        self._hosts: dict[str, HostSlots] = {}
        self.sent = 0  # HTTP requests sent (each redirect hop and retry is one): run costs
        # Through a proxy the proxy connects, so names are checked here before each request.
        self._precheck = transport is not None or bool(config.proxy or urllib.request.getproxies())
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=16)
        self._feeds = self._client(transport, limits)
        self._content = self._client(
            transport
            or (
                None
                if self._precheck
                else GuardedTransport(self.guard, http2=config.http2, limits=limits)
            ),
            limits,
        )

    def _client(
        self, transport: httpx.AsyncBaseTransport | None, limits: httpx.Limits
    ) -> httpx.AsyncClient:
        config = self.config
        return httpx.AsyncClient(
            proxy=config.proxy or None,
            trust_env=True,
            verify=ssl_context(),
            transport=transport,
            http2=config.http2,
            follow_redirects=False,  # followed here, hop by hop: each target is checked
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout, pool=None),
            limits=limits,
            headers={"User-Agent": config.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            # httpx parses a redirect's Location even when not following it; a hook sees
            # it first, so a data: or broken target is named instead of an InvalidURL.
            event_hooks={"response": [_check_redirect]},
        )

    async def __aenter__(self) -> "HttpClient":
        return self

    async def __aexit__(self, *exc: object | TracebackType) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._feeds.aclose()
        await self._content.aclose()

    async def get(
        self, url: str, *, max_bytes: int | None = None, accept: str | None = None
    ) -> Fetched:
        """A successful (2xx) response body from the web; anything else raises FetchError.

        This is what feeds point at (full-text pages, images): http(s) only — never a
        local file — and only on allowed addresses."""
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise HttpError(
                f"{_short(url)}: not a web address (only http and https links are "
                "fetched for articles and images)",
                None,
                url=url,
            )
        fetched = await self._fetch(self._content, url, {"Accept": accept or "*/*"}, max_bytes)
        if fetched.status == 304:
            raise HttpError(f"{url}: unexpected 304 Not Modified", 304, url=url)
        return fetched

    async def fetch_feed(self, url: str, validators: Validators | None = None) -> Fetched:
        """The feed's body, or a Fetched with status 304 when the server says it is unchanged."""
        local = local_path(url, self.base_dir)
        if local is not None:
            return await asyncio.to_thread(read_local, local, self.config.max_bytes)
        headers = {"Accept": FEED_ACCEPT, **(validators.headers() if validators else {})}
        return await self._fetch(self._feeds, url, headers, None)

    async def fetch_page(
        self, url: str, validators: Validators | None = None, *, max_bytes: int | None = None
    ) -> Fetched:
        """An article page again (a revisit, docs/evidence.md): conditional GET, web
        addresses on allowed IPs only, same limits; a 304 comes back as is, a final
        error status raises HttpError with it."""
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise HttpError(f"{_short(url)}: not a web address", None)
        headers = {
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            **(validators.headers() if validators else {}),
        }
        return await self._fetch(self._content, url, headers, max_bytes)

    def slots(self, host: str) -> HostSlots:
        """The per-host limit of ``host`` (``netloc``): the keeper's for it, else the default."""
        slots = self._hosts.get(host)
        if slots is None:
            hosts = self.config.hosts
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            limit = hosts.get(host, hosts.get(name))
            slots = self._hosts[host] = HostSlots(limit or self.config.per_host, limit is not None)
        return slots

    async def _fetch(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int | None
    ) -> Fetched:
        cap = max_bytes or self.config.max_bytes
        deadline = self.config.feed_deadline
        host = urllib.parse.urlsplit(url).netloc.lower()
        # The slots are held across retries (a rate-limited host gets no other request
        # meanwhile); the deadline starts once they are ours, so queueing is not counted.
        # Host slot first: a feed queued behind its host must not hold a global slot.
        async with self.slots(host), self._global:
            try:
                async with asyncio.timeout(deadline):
                    return await self._with_retries(
                        client, url, headers, cap, time.monotonic() + deadline
                    )
            except TimeoutError:
                raise LimitExceeded(f"no complete response within {deadline:g} s") from None

    async def _with_retries(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        cap: int,
        deadline: float,
    ) -> Fetched:
        attempt = 0
        while True:
            try:
                fetched = await self._attempt(client, url, headers, cap)
                rule = classify_status(fetched.status)
                problem: str = f"HTTP {fetched.status} ({rule.reason})"
                status: int | None = fetched.status
            except (LimitExceeded, BlockedAddress) as exc:
                exc.url = exc.url or url
                raise  # final, and their message says everything
            except (httpx.HTTPError, httpx.InvalidURL, FetchError, ssl.SSLError) as exc:
                rule = classify_exception(exc)
                problem, status, fetched = _describe(exc, rule.reason), None, None
            if rule.action in (Action.OK, Action.NOT_MODIFIED) and fetched is not None:
                return fetched
            if rule.action is Action.FAIL or attempt >= self.config.retries:
                raise HttpError(problem + _tries(attempt), status, url=url)
            wait = self._backoff(attempt, fetched)
            if wait is None or time.monotonic() + wait > deadline:
                raise HttpError(problem + _tries(attempt) + _why_stop(wait), status, url=url)
            await asyncio.sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int, fetched: Fetched | None) -> float | None:
        """Seconds to wait before the next try; None when Retry-After asks for too long."""
        wait = self.config.backoff * (2**attempt)
        asked = retry_after(fetched) if fetched is not None else None
        if asked is not None:
            if asked > self.config.max_retry_after:
                return None
            wait = max(wait, asked)
        return min(wait, self.config.max_retry_after)

    async def _attempt(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], cap: int
    ) -> Fetched:
        """One try: the request and its redirects (each target checked before it is asked)."""
        current = url
        for _hop in range(self.config.max_redirects + 1):
            if client is self._content and self._precheck:
                parts = urllib.parse.urlsplit(current)
                await self.guard.resolve(parts.hostname or "", parts.port or 443)
            self.sent += 1
            async with client.stream("GET", current, headers=headers) as response:
                if response.status_code in _REDIRECTS and response.headers.get("location"):
                    current = redirect_target(current, response.headers["location"])
                    continue
                if response.http_version == "HTTP/2":
                    await self.slots(urllib.parse.urlsplit(url).netloc.lower()).widen(
                        self.config.per_host_http2
                    )
                body = b""
                if 200 <= response.status_code < 300:
                    if _too_long(response, cap):
                        raise LimitExceeded(
                            f"response larger than {cap:,} bytes "
                            f"(Content-Length {response.headers['content-length']})"
                        )
                    body = await _read(response, cap)
                return Fetched(
                    url=str(response.url),
                    status=response.status_code,
                    content_type=response.headers.get("content-type", ""),
                    body=body,
                    headers=tuple(response.headers.items()),
                )
        raise httpx.TooManyRedirects(f"more than {self.config.max_redirects} redirects")


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


async def _check_redirect(response: httpx.Response) -> None:
    if response.status_code in _REDIRECTS and response.headers.get("location"):
        target = redirect_target(str(response.request.url), response.headers["location"])
        try:
            httpx.URL(target)
        except (httpx.InvalidURL, ValueError) as exc:
            raise FetchError(
                f"redirected to {_short(target)}, which is not a valid URL ({exc})"
            ) from None


def redirect_target(current: str, location: str) -> str:
    """Where a redirect leads, refused unless it is an http(s) URL: a server must not send
    newsvault to ``file:`` (local files), ``data:`` or anything else."""
    target = urllib.parse.urljoin(current, location.strip())
    scheme = urllib.parse.urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(
            f"redirected to {_short(target)}: unsupported URL scheme {scheme!r} "
            "(only http and https redirects are followed)"
        )
    return target


def _short(url: str, width: int = 80) -> str:
    return url if len(url) <= width else url[: width - 1] + "…"


async def _read(response: httpx.Response, cap: int) -> bytes:
    body = BoundedBody(response.headers.get("content-encoding", ""), cap)
    async for chunk in response.aiter_raw():
        body.feed(chunk)
    return body.result()


def _too_long(response: httpx.Response, cap: int) -> bool:
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) > cap


def _describe(exc: BaseException, reason: str) -> str:
    detail = str(exc).strip()
    if isinstance(exc, FetchError) or not detail:
        return detail or reason
    return f"{reason}: {detail}"


def _tries(attempt: int) -> str:
    return f" after {attempt + 1} attempts" if attempt else ""


def _why_stop(wait: float | None) -> str:
    return " (Retry-After is beyond the allowed wait)" if wait is None else " (deadline reached)"


def retry_after(fetched: Fetched) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None when absent or bad."""
    value = next((v for k, v in fetched.headers if k.lower() == "retry-after"), "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def local_path(url: str, base_dir: Path) -> Path | None:
    """The file a ``file://`` URL or a plain path names (relative to the vault); None for http(s)."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return None
    if scheme == "file":
        return Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
    if len(scheme) > 1:  # a one-letter "scheme" is a Windows drive letter
        raise HttpError(
            f"{url}: unsupported URL scheme {scheme!r} (use http, https, file or a path)",
            None,
            url=url,
        )
    return base_dir / url


def local_url(path: Path) -> str:
    return path.resolve().as_uri()


def read_local(path: Path, cap: int) -> Fetched:
    try:
        with path.open("rb") as fh:
            body = fh.read(cap + 1)
    except OSError as exc:
        raise HttpError(f"cannot read {path}: {exc.strerror or exc}", None) from None
    if len(body) > cap:
        raise LimitExceeded(f"{path} is larger than {cap:,} bytes")
    return Fetched(url=local_url(path), status=200, content_type="", body=body)
