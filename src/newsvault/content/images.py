"""Image modes: keep the source URL, route it through an image proxy, or archive a copy.

* ``keep``: the (absolute) source URL, unchanged.
* ``proxy``: the template with ``{url}`` replaced by the image URL *without its scheme*,
  the form the reference archive uses (``https://images.weserv.nl/?url=imgcdn.cna.com.tw/…jpg``).
  Characters that would end or split the proxy's query parameter (``? & # % +``, spaces,
  non-ASCII) are percent-encoded; a plain URL stays as readable as in the seed post.
  A URL that already goes through the proxy is not proxied twice.
* ``local``: each image is downloaded once into ``assets/img/<sha256[:32]>.<ext>`` and the
  post refers to ``<site_base_path>assets/img/…``; the site build copies ``assets/``.
  The type comes from the bytes (an HTML error page served as ``image/jpeg`` is rejected,
  and so is SVG, which can carry script when opened from the site's origin), the size is
  capped, and a failure falls back to the proxy (or the original URL) with a note.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from selectolax.lexbor import LexborHTMLParser

from newsvault.errors import FetchError
from newsvault.fsutil import write_atomic
from newsvault.urls import is_absolute_http, map_srcset, parse_srcset

if TYPE_CHECKING:
    from newsvault.content.fetcher import Fetcher

DEFAULT_PROXY = "https://images.weserv.nl/?url={url}"
ASSETS_SUBDIR = "assets/img"
IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8"
_PROXY_SAFE = "/:@!$'()*,;=-._~"

# (tag, attribute) pairs that load an image.
IMAGE_PLACES = frozenset({("img", "src"), ("img", "srcset"), ("source", "srcset")})


def strip_scheme(url: str) -> str:
    return url.split("://", 1)[1] if "://" in url else url.lstrip("/")


def is_proxied(url: str, template: str) -> bool:
    """True when ``url`` already points at the proxy (with or without a scheme)."""
    prefix = template.split("{url}", 1)[0]
    return bool(prefix) and strip_scheme(url).startswith(strip_scheme(prefix))


def proxy_url(url: str, template: str = DEFAULT_PROXY) -> str:
    """``url`` through the proxy ``template``; non-http(s) and already-proxied URLs as they are."""
    if not is_absolute_http(url) or is_proxied(url, template):
        return url
    return template.replace("{url}", quote(strip_scheme(url), safe=_PROXY_SAFE))


def image_rewriter(mapping: Callable[[str], str]) -> Callable[[str, str, str], str | None]:
    """An attribute rewriter applying ``mapping`` to every image URL (src and srcset)."""

    def rewrite(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) not in IMAGE_PLACES:
            return value
        if attr == "srcset":
            return map_srcset(value, mapping)
        return mapping(value)

    return rewrite


def image_urls(html: str) -> list[str]:
    """Distinct absolute http(s) image URLs in (already cleaned) HTML, in document order."""
    found: dict[str, None] = {}
    for node in LexborHTMLParser(html).css("img, picture source"):
        attrs = node.attributes
        if node.tag == "img" and attrs.get("src"):
            found[str(attrs["src"]).strip()] = None
        for url, _ in parse_srcset(str(attrs.get("srcset") or "")):
            found[url] = None
    return [u for u in found if is_absolute_http(u)]


# Magic bytes → file extension. SVG is deliberately absent (script in a same-origin file).
def sniff_image(data: bytes) -> str | None:
    """The image type of ``data`` by its first bytes, or None when it is not an image we keep."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "avif"
    if data.startswith(b"BM") and len(data) > 26:
        return "bmp"
    if data.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    return None


@dataclass(frozen=True)
class Stored:
    """Outcome of archiving one image: a site path, or a failure message."""

    path: str | None
    error: str | None = None


@dataclass
class ImageStore:
    """Downloads images for ``local`` mode, once per URL per store, once per content on disk.

    Share one store across a run (the fetch stage may pass it to ``prepare_content``)
    so an image used by many articles is downloaded once; files are named by content
    hash, so the same bytes from different URLs are stored once too.
    """

    fetcher: Fetcher
    assets_dir: Path
    max_bytes: int
    site_base_path: str = "/"
    concurrency: int = 8
    max_run_bytes: int | None = None  # bytes this store may download in all (None: no limit)
    _done: dict[str, asyncio.Future[Stored]] = field(default_factory=dict, init=False)
    _limit: asyncio.Semaphore | None = field(default=None, init=False)
    _run: _Budget | None = field(default=None, init=False)
    over_run_budget: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._run = _Budget(self.max_run_bytes) if self.max_run_bytes is not None else None

    async def store(self, url: str, budget: _Budget | None = None) -> Stored:
        if url not in self._done:
            self._done[url] = asyncio.ensure_future(self._download(url, budget))
        return await asyncio.shield(self._done[url])

    async def store_all(
        self, urls: list[str], *, max_bytes: int | None = None
    ) -> Mapping[str, Stored]:
        """Each URL once; ``max_bytes``: what these downloads may add up to (one article's)."""
        budget = _Budget(max_bytes) if max_bytes is not None else None
        results = await asyncio.gather(*(self.store(u, budget) for u in urls))
        return dict(zip(urls, results, strict=True))

    async def _download(self, url: str, budget: _Budget | None) -> Stored:
        if self._limit is None:
            self._limit = asyncio.Semaphore(self.concurrency)
        async with self._limit:
            budgets = [b for b in (budget, self._run) if b is not None]
            # Bytes are reserved before the download (the cap it is fetched under), and
            # what it did not use is given back: concurrent downloads never overshoot.
            allowed, grants = self.max_bytes, []
            for b in budgets:
                grants.append(await b.reserve(allowed))
                allowed = min(allowed, grants[-1])
            for b, grant in zip(budgets, grants, strict=True):
                b.trim(grant, allowed)
            if allowed <= 0:
                run_out = self._run is not None and self._run.left <= 0
                self.over_run_budget |= run_out
                which = "of the run" if run_out else "per article"
                return Stored(
                    None, f"image not archived: {url}: the image budget {which} is used up"
                )
            got = None
            try:
                got = await self.fetcher.get(url, max_bytes=allowed, accept=IMAGE_ACCEPT)
            except FetchError as exc:
                if allowed < self.max_bytes and "larger than" in str(exc):
                    run_out = self._run is not None and grants[-1] == allowed
                    self.over_run_budget |= run_out
                    return Stored(
                        None,
                        f"image not archived: {url}: over the image budget "
                        f"{'of the run' if run_out else 'per article'} left "
                        f"({allowed:,} bytes)",
                    )
                return Stored(None, f"image download failed: {url}: {exc}")
            finally:
                used = len(got.body) if got is not None and got.status < 400 else 0
                for b in budgets:
                    await b.release(allowed, used)
        if got.status >= 400:
            return Stored(None, f"image download failed: {url}: HTTP {got.status}")
        if len(got.body) > self.max_bytes:
            return Stored(None, f"image too large: {url}: over {self.max_bytes} bytes")
        ext = sniff_image(got.body)
        if ext is None:
            kind = got.content_type or "no type"
            return Stored(None, f"not an image: {url}: {kind} with non-image content")
        name = f"{hashlib.sha256(got.body).hexdigest()[:32]}.{ext}"
        try:
            _write_once(self.assets_dir / "img" / name, got.body)
        except OSError as exc:  # a full or read-only disk loses the copy, not the article
            return Stored(None, f"image not stored: {url}: {exc}")
        return Stored(site_path(name, self.site_base_path))


class _Budget:
    """Bytes that downloads may still use, shared by the downloads it is passed to.

    A download reserves its cap, or what is left when that is less — but only once the
    downloads in flight have given back what they did not use: so downloads run side by
    side while the budget is roomy, and one at a time when it is nearly spent."""

    def __init__(self, left: int) -> None:
        self.left = left
        self.held = 0  # reserved by downloads in flight
        self._cond = asyncio.Condition()

    async def reserve(self, cap: int) -> int:
        async with self._cond:
            while True:
                grant = max(0, min(cap, self.left))
                if grant >= cap or self.held == 0:
                    self.left -= grant
                    self.held += grant
                    return grant
                await self._cond.wait()

    def trim(self, grant: int, allowed: int) -> None:
        """Give back what was reserved beyond ``allowed`` (another budget granted less)."""
        self.left += grant - allowed
        self.held -= grant - allowed

    async def release(self, allowed: int, used: int) -> None:
        async with self._cond:
            self.left += allowed - used
            self.held -= allowed
            self._cond.notify_all()


def site_path(name: str, base_path: str) -> str:
    """The path posts use for an archived image: ``<base_path>assets/img/<name>``."""
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    return f"{base}{ASSETS_SUBDIR}/{name}"


def _write_once(path: Path, data: bytes) -> None:
    """Write atomically (temporary file, then rename); an existing file is the same bytes."""
    if not path.exists():
        write_atomic(path, data)  # 0644: served by web servers like any site file


__all__ = [
    "ASSETS_SUBDIR",
    "DEFAULT_PROXY",
    "ImageStore",
    "Stored",
    "image_rewriter",
    "image_urls",
    "is_proxied",
    "proxy_url",
    "site_path",
    "sniff_image",
]
