"""Test helpers for the content stage: a real 127.0.0.1 HTTP server, an httpx Fetcher,
and an executable-vector checker that walks a parsed page (independent of the sanitizer)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from selectolax.lexbor import LexborHTMLParser

from newsvault.errors import FetchError, LimitExceeded
from newsvault.models import Fetched
from paths import FIXTURES  # noqa: F401 - the content tests import it from here

DATA = Path(__file__).resolve().parent / "data"


# ---------------------------------------------------------------- local HTTP server
@dataclass
class Route:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    location: str | None = None


@dataclass
class Site:
    """Routes served by the test server, plus a log of the paths requested."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def add(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(status, content_type, data)
        return self.url(path)


@contextmanager
def serve(site: Site) -> Iterator[Site]:
    """Serve ``site`` on 127.0.0.1 (an ephemeral port) in a thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            site.hits.append(self.path)
            route = site.routes.get(self.path, Route(404, "text/html", b"<h1>Not found</h1>"))
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.location:
                self.send_header("Location", route.location)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


class HttpxFetcher:
    """A minimal Fetcher over httpx: follows redirects, caps the body, raises FetchError."""

    def __init__(self, default_max: int = 5 * 1024 * 1024) -> None:
        self.default_max = default_max
        self.requests: list[str] = []

    async def get(
        self, url: str, *, max_bytes: int | None = None, accept: str | None = None
    ) -> Fetched:
        self.requests.append(url)
        cap = max_bytes or self.default_max
        headers = {"Accept": accept} if accept else {}
        try:
            async with httpx.AsyncClient(
                follow_redirects=True, timeout=10, trust_env=False
            ) as client:
                async with client.stream("GET", url, headers=headers) as response:
                    if response.status_code >= 400:
                        raise FetchError(f"{url}: HTTP {response.status_code}")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > cap:
                            raise LimitExceeded(f"{url}: body over {cap} bytes")
                    return Fetched(
                        url=str(response.url),
                        status=response.status_code,
                        content_type=response.headers.get("content-type", ""),
                        body=bytes(body),
                    )
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {exc}") from exc


# ---------------------------------------------------------------- executable-vector checker
FORBIDDEN_ELEMENTS = frozenset(
    {
        "applet", "base", "bgsound", "button", "embed", "form", "frame", "frameset", "iframe",
        "input", "isindex", "keygen", "link", "math", "meta", "noscript", "object", "portal",
        "script", "select", "style", "svg", "template",
    }
)  # fmt: skip
URL_ATTRS = frozenset(
    {"action", "background", "cite", "codebase", "data", "dynsrc", "formaction", "href",
     "longdesc", "lowsrc", "ping", "poster", "src", "xlink:href"}
)  # fmt: skip
IMAGE_DATA = re.compile(r"data:image/(png|jpe?g|gif|webp|avif|bmp|svg\+xml)[;,]", re.I)
_SCRIPTY = ("javascript", "vbscript", "livescript", "mocha")


def _scheme(url: str) -> str:
    view = re.sub(r"[\t\n\r]", "", url.strip("".join(chr(c) for c in range(0x21))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", view)
    return match.group(1).lower() if match else ""


def _bad_url(tag: str, attr: str, url: str) -> bool:
    scheme = _scheme(url)
    if scheme in _SCRIPTY:
        return True
    if scheme == "data":
        image_place = (tag, attr) in {
            ("img", "src"),
            ("source", "srcset"),
            ("img", "srcset"),
            ("video", "poster"),
        }
        return not (image_place and IMAGE_DATA.match(url.strip()))
    return False


def _bad_style(style: str) -> bool:
    text = re.sub(r"/\*.*?(\*/|$)", "", style, flags=re.S)
    text = re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16) or 0xFFFD), text)
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"\s+", "", text).lower()
    if any(k in text for k in ("expression(", "behavior", "-moz-binding", "@import")):
        return True
    return any(
        _scheme(u.strip("'\"")) in _SCRIPTY + ("data",) for u in re.findall(r"url\(([^)]*)", text)
    )


def srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def find_executable(fragment: str) -> list[str]:
    """Every executable vector in ``fragment`` as a post body: parse it inside a page the
    way a browser does and walk every element and attribute."""
    page = LexborHTMLParser(
        "<!DOCTYPE html><html><head></head><body><div>" + fragment + "</div></body></html>"
    )
    found = []
    for node in page.root.traverse(include_text=False):
        tag = (node.tag or "").lower()
        if tag.startswith(("-", "_")):
            continue
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"element <{tag}>")
        for name, value in node.attributes.items():
            name, value = name.lower(), value or ""
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif name == "srcdoc":
                found.append(f"<{tag} srcdoc>")
            elif name == "style" and _bad_style(value):
                found.append(f"<{tag} style={value!r}>")
            elif name in URL_ATTRS and _bad_url(tag, name, value):
                found.append(f"<{tag} {name}={value!r}>")
            elif name in ("srcset", "imagesrcset") and any(
                _bad_url(tag, "srcset", u) for u in srcset_urls(value)
            ):
                found.append(f"<{tag} srcset={value!r}>")
            elif name == "http-equiv":
                found.append(f"<{tag} http-equiv>")
    return found


def xss_corpus() -> list[str]:
    lines = (DATA / "xss_corpus.txt").read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line]
