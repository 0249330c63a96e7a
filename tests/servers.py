"""A real HTTP server on 127.0.0.1 for the tests, able to misbehave on request.

Routes map a path to a behaviour: a list of canned responses played in order (the last
one repeats), or a function that writes whatever it likes to the socket (never answer,
trickle, endless body, …). Every request's path and headers are recorded.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    """A threaded server for handlers of a test's own, with no traceback when a client
    hangs up: the tests that use it kill clients, time them out or cut them by a budget
    on purpose."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def start_quiet(
    handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0
) -> QuietServer:
    """A :class:`QuietServer` serving in a thread of its own; :func:`stop` ends it."""
    httpd = QuietServer((host, port), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd


def stop(httpd: ThreadingHTTPServer) -> None:
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Behaviour = Callable[["Handler"], None]


class FeedServer:
    """``with FeedServer() as srv: srv.route("/feed", Reply(body=…)); srv.url("/feed")``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, list[Reply] | Behaviour] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stop = threading.Event()
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.app = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "FeedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply | Behaviour) -> str:
        if len(replies) == 1 and callable(replies[0]):
            self.routes[path] = replies[0]  # type: ignore[assignment]
        else:
            self.routes[path] = list(replies)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    @property
    def app(self) -> FeedServer:
        return self.server.app  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.app.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.app.routes.get(self.path)
        if route is None:
            self.send_reply(Reply(404, b"not found"))
        elif callable(route):
            route(self)
        else:
            reply = route.pop(0) if len(route) > 1 else route[0]
            self.send_reply(reply)

    def send_reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        headers = {"Content-Type": "application/xml", **reply.headers}
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


# --- misbehaviours -------------------------------------------------------------------


def never_answers(handler: Handler) -> None:
    handler.app.stop.wait(60)
    handler.close_connection = True


def trickle(interval: float = 1.0) -> Behaviour:
    """Headers at once, then one byte per ``interval`` for as long as the client listens."""

    def run(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            while not handler.app.stop.is_set():
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass
        handler.close_connection = True

    return run


def endless(handler: Handler) -> None:
    """A body without end (no Content-Length, connection close framing)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Connection", "close")
    handler.end_headers()
    chunk = b"<rss><channel>" + b"<item><title>x</title></item>" * 2000
    try:
        while not handler.app.stop.is_set():
            handler.wfile.write(chunk)
    except OSError:
        pass
    handler.close_connection = True


def gzip_bomb(decompressed: int = 64 * 1024 * 1024) -> Reply:
    """A small gzip body that inflates to ``decompressed`` bytes of spaces."""
    body = gzip.compress(b"<rss>" + b" " * decompressed, compresslevel=9)
    return Reply(200, body, {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"})


def redirect_loop(path: str) -> Reply:
    return Reply(302, b"", {"Location": path})


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://example.com/lol</link></item></channel></rss>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>http://example.com/x</link>
</item></channel></rss>
"""


def rss(*items: dict[str, str], extra_ns: str = "") -> bytes:
    """A small RSS 2.0 document; each item dict maps element name → raw XML text."""
    parts = []
    for item in items:
        parts.append(
            "<item>" + "".join(f"<{k}>{v}</{k.split(' ')[0]}>" for k, v in item.items()) + "</item>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        f'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" {extra_ns}>'
        f"<channel><title>t</title><link>http://example.com/</link>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode("utf-8")
