"""The one HTTP client of newsvault (httpx underneath), with every limit a hostile server needs.

- a global concurrency limit and a per-host limit (politeness, and fairness across feeds);
- connect/read timeouts per attempt and a total deadline per URL, retries included;
- a size cap enforced while streaming, on the wire and after decompression (body.py);
- at most ``max_redirects`` redirects; gzip/deflate/brotli; conditional GET;
- retries with exponential backoff for the transient outcomes of outcomes.py, honouring
  ``Retry-After`` up to ``max_retry_after``;
- proxies from ``[fetch] proxy`` or, when that is empty, the usual environment variables;
- ``file://`` URLs and plain local paths, read under the same size cap.

:meth:`HttpClient.get` is the ``Fetcher`` protocol the content stage uses for full-text
pages and images; :meth:`HttpClient.fetch_feed` adds the conditional-GET validators.
"""

from __future__ import annotations

import asyncio
import email.utils
import ssl
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

import httpx

from newsvault.config import FetchConfig
from newsvault.errors import FetchError, LimitExceeded
from newsvault.fetch.body import BoundedBody
from newsvault.fetch.outcomes import Action, classify_exception, classify_status
from newsvault.fetch.validators import Validators
from newsvault.models import Fetched

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
               "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")


class HttpError(FetchError):
    """A final HTTP status that is not a success; ``status`` is kept for the report."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class HttpClient:
    """Async client; use ``async with HttpClient(config) as client``."""

    def __init__(self, config: FetchConfig, *, base_dir: Path | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.base_dir = base_dir or Path.cwd()
        self._global = asyncio.Semaphore(config.concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(config.per_host))
        self._client = httpx.AsyncClient(
            proxy=config.proxy or None,
            trust_env=True,
            transport=transport,
            follow_redirects=True,
            max_redirects=config.max_redirects,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout, pool=None),
            limits=httpx.Limits(max_connections=None,
                                max_keepalive_connections=config.concurrency),
            headers={"User-Agent": config.user_agent, "Accept-Encoding": "gzip, deflate, br"},
        )

    async def __aenter__(self) -> "HttpClient":
        return self

    async def __aexit__(self, *exc: object | TracebackType) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, url: str, *, max_bytes: int | None = None,
                  accept: str | None = None) -> Fetched:
        """A successful (2xx) response body; anything else raises FetchError."""
        fetched = await self._fetch(url, {"Accept": accept or "*/*"}, max_bytes)
        if fetched.status == 304:
            raise HttpError(f"{url}: unexpected 304 Not Modified", 304)
        return fetched

    async def fetch_feed(self, url: str, validators: Validators | None = None) -> Fetched:
        """The feed's body, or a Fetched with status 304 when the server says it is unchanged."""
        headers = {"Accept": FEED_ACCEPT, **(validators.headers() if validators else {})}
        return await self._fetch(url, headers, None)

    async def _fetch(self, url: str, headers: dict[str, str], max_bytes: int | None) -> Fetched:
        cap = max_bytes or self.config.max_bytes
        local = local_path(url, self.base_dir)
        if local is not None:
            return await asyncio.to_thread(read_local, local, cap)
        deadline = self.config.feed_deadline
        host = urllib.parse.urlsplit(url).netloc.lower()
        # The slots are held across retries (a rate-limited host gets no other request
        # meanwhile); the deadline starts once they are ours, so queueing is not counted.
        # Host slot first: a feed queued behind its host must not hold a global slot.
        async with self._hosts[host], self._global:
            try:
                async with asyncio.timeout(deadline):
                    return await self._with_retries(url, headers, cap, time.monotonic() + deadline)
            except TimeoutError:
                raise LimitExceeded(f"no complete response within {deadline:g} s") from None

    async def _with_retries(self, url: str, headers: dict[str, str], cap: int,
                            deadline: float) -> Fetched:
        attempt = 0
        while True:
            try:
                fetched = await self._attempt(url, headers, cap)
                rule = classify_status(fetched.status)
                problem: str = f"HTTP {fetched.status} ({rule.reason})"
                status: int | None = fetched.status
            except LimitExceeded:
                raise  # size caps are final, and their message says everything
            except (httpx.HTTPError, FetchError, ssl.SSLError) as exc:
                rule = classify_exception(exc)
                problem, status, fetched = _describe(exc, rule.reason), None, None
            if rule.action in (Action.OK, Action.NOT_MODIFIED) and fetched is not None:
                return fetched
            if rule.action is Action.FAIL or attempt >= self.config.retries:
                raise HttpError(problem + _tries(attempt), status)
            wait = self._backoff(attempt, fetched)
            if wait is None or time.monotonic() + wait > deadline:
                raise HttpError(problem + _tries(attempt) + _why_stop(wait), status)
            await asyncio.sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int, fetched: Fetched | None) -> float | None:
        """Seconds to wait before the next try; None when Retry-After asks for too long."""
        wait = self.config.backoff * (2 ** attempt)
        asked = retry_after(fetched) if fetched is not None else None
        if asked is not None:
            if asked > self.config.max_retry_after:
                return None
            wait = max(wait, asked)
        return min(wait, self.config.max_retry_after)

    async def _attempt(self, url: str, headers: dict[str, str], cap: int) -> Fetched:
        async with self._client.stream("GET", url, headers=headers) as response:
            body = b""
            if 200 <= response.status_code < 300:
                if _too_long(response, cap):
                    raise LimitExceeded(f"response larger than {cap:,} bytes "
                                        f"(Content-Length {response.headers['content-length']})")
                body = await _read(response, cap)
            return Fetched(url=str(response.url), status=response.status_code,
                           content_type=response.headers.get("content-type", ""),
                           body=body, headers=tuple(response.headers.items()))


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
        raise HttpError(f"{url}: unsupported URL scheme {scheme!r} (use http, https, file or a path)", None)
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
