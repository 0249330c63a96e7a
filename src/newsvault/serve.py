"""``newsvault serve``: the built site on localhost, for offline reading (search included).

The standard library's threaded HTTP server with the right MIME types (the search
index's ``.bin`` and ``.json`` files among them), the site's ``404.html`` for missing pages
and no directory listings. It binds to 127.0.0.1 by default: this is a reader's tool, not a
public web server.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path
from typing import Any

from newsvault.errors import UsageError

EXTRA_TYPES = {
    ".bin": "application/octet-stream",
    ".xml": "application/xml",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
}


IDLE_TIMEOUT = 30.0  # seconds a connection may sit without a request before it is closed
BACKLOG = 256  # connections the kernel queues while the server is busy (the default is 5)


class SiteServer(http.server.ThreadingHTTPServer):
    """One thread per connection, a listen queue that takes a page's burst of requests
    (a search loads dozens of fragments at once) and idle connections that time out."""

    request_queue_size = BACKLOG
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closes a kept-open connection (a tab closed) resets it while its
        thread waits for the next request: nothing went wrong, so no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves one folder at ``base_path`` (as the public site is: a GitHub Pages project
    site lives under ``/<repository>/``); ``/`` redirects there, unknown paths get the
    site's own 404 page."""

    base_path = "/"
    # HTTP/1.1: the browser keeps its (at most 6) connections open, so a search's ~20-40
    # fragment requests reuse them instead of a new connection and thread each (HTTP/1.0);
    # every answer carries its Content-Length, which keeping a connection open needs
    protocol_version = "HTTP/1.1"
    # and TCP_NODELAY: an answer is two writes (headers, then the file); on a kept-open
    # connection Nagle's algorithm held the second until the browser's delayed ACK, 40 ms
    # each time (45 ms a request on 127.0.0.1, 0.15 ms without)
    disable_nagle_algorithm = True

    def send_head(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if self.base_path != "/" and not path.startswith(self.base_path):
            if path in ("/", self.base_path.rstrip("/")):
                self.send_response(302)
                self.send_header("Location", self.base_path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            self.send_error(404)
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        if self.base_path != "/" and path.startswith(self.base_path):
            path = "/" + path[len(self.base_path) :]
        return super().translate_path(path)

    timeout = IDLE_TIMEOUT  # socket timeout: a silent client is dropped, not kept forever
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}

    def list_directory(self, path: object) -> None:
        self.send_error(404)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def normal_base_path(base_path: str) -> str:
    """``oped2``, ``/oped2`` or ``/oped2/`` → ``/oped2/``; empty → ``/``."""
    inner = base_path.strip("/")
    return f"/{inner}/" if inner else "/"


def check_built(site_dir: Path) -> None:
    if not (site_dir / "index.html").is_file():
        raise UsageError(f"{site_dir} has no index.html: run `newsvault build` first")


def make_server(
    site_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    verbose: bool = False,
    idle_timeout: float = IDLE_TIMEOUT,
    base_path: str = "/",
) -> SiteServer:
    """A server for ``site_dir`` under ``base_path`` (port 0 picks a free port; see
    ``server_address``)."""
    check_built(site_dir)
    handler = type(
        "Handler",
        (SiteHandler,),
        {"timeout": idle_timeout, "base_path": normal_base_path(base_path)},
    )
    try:
        server = SiteServer((host, port), functools.partial(handler, directory=str(site_dir)))
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def serve_in_thread(
    site_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    idle_timeout: float = IDLE_TIMEOUT,
    base_path: str = "/",
) -> tuple[SiteServer, str]:
    """Start serving in a background thread; returns the server and the site's URL (for tests)."""
    server = make_server(site_dir, host, port, idle_timeout=idle_timeout, base_path=base_path)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}{normal_base_path(base_path)}"
