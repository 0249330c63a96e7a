"""Every HTTP outcome → what the fetcher does about it, in one table.

A status code or a transport exception becomes a :class:`Rule`: ``OK`` (use the body),
``NOT_MODIFIED`` (304: nothing new), ``RETRY`` (transient: back off and try again
within the feed's deadline) or ``FAIL`` (report it as that feed's error). Keeping the
whole mapping here means "what happens on a 429?" has exactly one answer to read.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from enum import Enum

import httpx

from newsvault.errors import LimitExceeded


class Action(Enum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    RETRY = "retry"
    FAIL = "fail"


@dataclass(frozen=True)
class Rule:
    action: Action
    reason: str


# (first status, last status, action, reason) — the first matching row wins.
STATUS_TABLE: tuple[tuple[int, int, Action, str], ...] = (
    (200, 299, Action.OK, "ok"),
    (304, 304, Action.NOT_MODIFIED, "not modified"),
    (300, 399, Action.FAIL, "redirect without a usable Location"),
    (401, 401, Action.FAIL, "authentication required"),
    (403, 403, Action.FAIL, "access forbidden"),
    (404, 404, Action.FAIL, "feed not found"),
    (408, 408, Action.RETRY, "server timed out the request"),
    (410, 410, Action.FAIL, "feed is gone for good"),
    (425, 425, Action.RETRY, "server asked to retry later"),
    (429, 429, Action.RETRY, "rate limited"),
    (400, 499, Action.FAIL, "request refused"),
    (501, 501, Action.FAIL, "server does not support GET"),
    (505, 505, Action.FAIL, "HTTP version not supported"),
    (500, 599, Action.RETRY, "server error"),
)

# Transport exceptions, most specific first (isinstance order matters).
EXCEPTION_TABLE: tuple[tuple[type[BaseException], Action, str], ...] = (
    (LimitExceeded, Action.FAIL, "limit exceeded"),
    (httpx.TooManyRedirects, Action.FAIL, "too many redirects"),
    (httpx.ProxyError, Action.FAIL, "proxy error"),
    (httpx.UnsupportedProtocol, Action.FAIL, "unsupported URL scheme"),
    (httpx.DecodingError, Action.FAIL, "broken compressed body"),
    (httpx.InvalidURL, Action.FAIL, "invalid URL"),
    (ssl.SSLError, Action.FAIL, "TLS error"),
    (httpx.ConnectTimeout, Action.RETRY, "connect timeout"),
    (httpx.ReadTimeout, Action.RETRY, "read timeout"),
    (httpx.WriteTimeout, Action.RETRY, "write timeout"),
    (httpx.PoolTimeout, Action.RETRY, "connection pool timeout"),
    (httpx.ConnectError, Action.RETRY, "cannot connect"),
    (httpx.RemoteProtocolError, Action.RETRY, "server broke the connection"),
    (httpx.ReadError, Action.RETRY, "connection lost while reading"),
    (httpx.WriteError, Action.RETRY, "connection lost while sending"),
    (httpx.TransportError, Action.FAIL, "transport error"),
)


def classify_status(status: int) -> Rule:
    for first, last, action, reason in STATUS_TABLE:
        if first <= status <= last:
            return Rule(action, reason)
    return Rule(Action.FAIL, "unexpected status")


def classify_exception(exc: BaseException) -> Rule:
    if isinstance(exc, httpx.ConnectError) and _is_tls(exc):
        return Rule(Action.FAIL, "TLS error")
    for kind, action, reason in EXCEPTION_TABLE:
        if isinstance(exc, kind):
            return Rule(action, reason)
    return Rule(Action.FAIL, "unexpected error")


def _is_tls(exc: BaseException) -> bool:
    """httpx reports certificate and handshake failures as ConnectError; retrying is useless."""
    text = str(exc).upper()
    return isinstance(exc.__cause__, ssl.SSLError) or "SSL" in text or "CERTIFICATE" in text
