"""The content stage: an item's HTML in, the post body (one safe line) out.

The stage order is fixed, and this module is where it is enforced:

    1. fulltext    replace the feed's HTML by the article page's body (when asked)
    2. oneline     the reference's one-line rule (``oneline.py``)
    3. sanitize    lazy images promoted, embeds → links, then nh3 with the allowlist and URL/style checks
    4. absolutize  href/src/srcset/poster against the article (or page) URL
    5. images      keep / proxy / local

Full text runs first so that fetched pages get every later stage; sanitizing runs
before the URL rewriters so that they only ever see values already judged safe (and a
``javascript:`` image is removed, never proxied); absolutizing runs before the image
stage so that relative images are proxied or downloaded by their real address.
Stages 3–5 run in one nh3 pass: nh3 drops elements and attributes, then each
surviving attribute goes through ``check_attribute`` and the rewriters, in that order
(``_rewriters`` below). Finally the untouched input — or the input edited in place
with just those changes (``minimal.py``) — is kept instead of the cleaned string when
it parses to the same page (``fidelity.py``).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsvault.content.embeds import embeds_to_links
from newsvault.content.fidelity import keep_faithful
from newsvault.content.fulltext import fetch_fulltext
from newsvault.content.images import (
    DEFAULT_PROXY,
    ImageStore,
    image_rewriter,
    image_urls,
    proxy_url,
)
from newsvault.content.lazyimages import promote_lazy_images
from newsvault.content.minimal import minimal_edit
from newsvault.content.oneline import js_trim, to_one_line
from newsvault.content.sanitize import AttributeRewriter, sanitize
from newsvault.errors import ConfigError, FetchError
from newsvault.models import IMAGE_MODES
from newsvault.urls import absolutizer

if TYPE_CHECKING:
    from newsvault.config import ContentConfig
    from newsvault.content.fetcher import Fetcher
    from newsvault.models import Subscription

STAGES = ("fulltext", "oneline", "sanitize", "absolutize", "images")
MAX_DEPTH = 512  # elements open at once; HTML5 parsers take time quadratic in the depth
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*>")
# elements that do not nest (void) or that the parser closes by itself (p, li, td…)
_FLAT = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen "
    "p li dt dd option optgroup tr td th thead tbody tfoot rb rt rp rtc colgroup "
    "caption html head body".split()
)


def nesting_depth(html: str, stop: int | None = None) -> int:
    """How deep elements nest in ``html``, by a linear scan of its tags (close enough to
    what a parser builds: it is a guard, not a parser); the scan ends once past ``stop``."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if name in _FLAT or match.group(0).endswith("/>"):
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
            if stop is not None and deepest > stop:
                break
    return deepest


def as_text(html: str) -> str:
    """``html`` reduced to its text, escaped, as one paragraph per line break (linear time)."""
    text = html_lib.unescape(_TAG.sub(" ", re.sub(r"<!--.*?-->", "", html, flags=re.S)))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "".join(f"<p>{html_lib.escape(line, quote=False)}</p>" for line in lines if line)


def _bounded(html: str, link: str) -> tuple[str, tuple[str, ...]]:
    """The HTML to clean: as it is, or as text when it nests too deeply to parse in
    bounded time (80,000 nested ``<div>`` took 14 s, doubling with each doubling)."""
    if html.count("<") <= MAX_DEPTH:
        return html, ()
    if nesting_depth(html, stop=MAX_DEPTH) <= MAX_DEPTH:
        return html, ()
    return as_text(html), (
        f"the body of {link} nests elements more than {MAX_DEPTH} deep: archived as plain text",
    )


@dataclass(frozen=True)
class ContentOptions:
    """How one subscription's content is prepared.

    ``fulltext``: False, "auto", or a CSS selector. ``site_base_path``: the site's base
    path (``/`` or ``/repo/``); local images are referenced as
    ``<site_base_path>assets/img/<hash>.<ext>``.
    """

    images: str = "keep"
    image_proxy: str = DEFAULT_PROXY
    fulltext: bool | str = False
    max_image_bytes: int = 10 * 1024 * 1024
    site_base_path: str = "/"
    max_images: int = 100  # images archived per article (local mode); the rest stay remote
    max_image_bytes_per_article: int = 50 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.images not in IMAGE_MODES:
            raise ConfigError(
                f"images must be one of {', '.join(IMAGE_MODES)}, not {self.images!r}"
            )
        if self.images == "proxy" and "{url}" not in self.image_proxy:
            raise ConfigError(f"image_proxy must contain {{url}}: {self.image_proxy!r}")

    @property
    def fulltext_rule(self) -> str | None:
        """ "auto", a CSS selector, or None (True means "auto")."""
        if self.fulltext is True:
            return "auto"
        if isinstance(self.fulltext, str) and self.fulltext.strip():
            return self.fulltext.strip()
        return None

    @classmethod
    def for_subscription(
        cls, config: ContentConfig, sub: Subscription | None = None, site_base_path: str = "/"
    ) -> ContentOptions:
        """The vault's ``[content]`` defaults, overridden by a subscription's own keys."""
        return cls(
            images=(sub.images if sub and sub.images else config.images),
            image_proxy=config.image_proxy,
            fulltext=sub.fulltext if sub else False,
            max_image_bytes=config.max_image_bytes,
            site_base_path=site_base_path,
            max_images=config.max_images_per_article,
            max_image_bytes_per_article=config.max_image_bytes_per_article,
        )


@dataclass(frozen=True)
class ContentResult:
    html: str  # the post body: one line, safe
    notes: tuple[str, ...] = ()  # failures to report (full text, image downloads)
    # Where the body came from, for the provenance record: "feed", "fulltext" (auto
    # extraction of the page) or "selector" (a CSS selector on the page); for a page,
    # its final URL after redirects and its HTTP status.
    source: str = "feed"
    final_url: str | None = None
    status: int | None = None


def _rewriters(
    base: str, options: ContentOptions, image_map: Mapping[str, str] | None
) -> list[AttributeRewriter]:
    """Stages 4 and 5 as attribute rewriters, in stage order."""
    rewriters = [absolutizer(base)]
    mapping: Callable[[str], str] | None = None
    if image_map is not None:
        mapping = lambda url: image_map.get(url, url)  # noqa: E731
    elif options.images == "proxy":
        mapping = lambda url: proxy_url(url, options.image_proxy)  # noqa: E731
    if mapping is not None:
        rewriters.append(image_rewriter(mapping))
    return rewriters


def _clean_one_line(
    one: str, base: str, options: ContentOptions, image_map: Mapping[str, str] | None
) -> str:
    """Stages 3–5 over one-line HTML, then the byte-for-byte rule."""
    rewriters = _rewriters(base, options, image_map)
    prepared = embeds_to_links(promote_lazy_images(one), base)
    # removed markup can leave whitespace at the ends; trim it as the one-line rule would,
    # so cleaning a cleaned body changes nothing
    cleaned = js_trim(sanitize(prepared, rewriters))
    if cleaned == one:
        return one
    return keep_faithful(one, lambda: js_trim(minimal_edit(prepared, rewriters)), cleaned)


def clean_html(html: str | None, link: str, options: ContentOptions) -> ContentResult:
    """Stages 2–5 with no network: ``keep`` and ``proxy`` image modes (``local`` is
    treated as ``keep`` here; ``prepare_content`` does the downloads)."""
    bounded, notes = _bounded(html or "", link)
    return ContentResult(_clean_one_line(to_one_line(bounded), link, options, None), notes)


async def prepare_content(
    html: str | None,
    link: str,
    *,
    options: ContentOptions,
    fetcher: Fetcher | None,
    assets_dir: Path | None,
    image_store: ImageStore | None = None,
) -> ContentResult:
    """All five stages. Failures never lose the article: the feed's content (or the
    image's remote URL) is used instead and the failure is returned in ``notes``."""
    notes: list[str] = []
    base = link
    rule = options.fulltext_rule
    origin: dict[str, Any] = {}
    if rule is not None:  # 1. fulltext
        if fetcher is None:
            notes.append(
                f"full text not fetched for {link}: no HTTP client; kept the feed's content"
            )
        else:
            try:
                page = await fetch_fulltext(link, rule, fetcher)
                html, base = page.html, page.base_url
                origin = {
                    "source": "fulltext" if rule == "auto" else "selector",
                    "final_url": page.final_url,
                    "status": page.status,
                }
            except FetchError as exc:
                notes.append(f"full text failed for {link}: {exc}; kept the feed's content")
    html, bound_notes = _bounded(html or "", link)
    notes.extend(bound_notes)
    one = to_one_line(html)  # 2. oneline
    if options.images != "local":
        return ContentResult(
            _clean_one_line(one, base, options, None), tuple(notes), **origin
        )  # 3–5
    if image_store is None and (fetcher is None or assets_dir is None):
        notes.append(
            "local images not possible without an HTTP client and assets folder; used the proxy"
        )
        proxied = replace(options, images="proxy")
        return ContentResult(_clean_one_line(one, base, proxied, None), tuple(notes), **origin)
    store = image_store
    if store is None:
        assert fetcher is not None and assets_dir is not None  # the branch above
        store = ImageStore(fetcher, assets_dir, options.max_image_bytes, options.site_base_path)
    image_map, image_notes = await _localize(one, base, options, store)
    html_out = _clean_one_line(one, base, options, image_map)
    return ContentResult(html_out, tuple(notes + image_notes), **origin)


async def _localize(
    one: str, base: str, options: ContentOptions, store: ImageStore
) -> tuple[dict[str, str], list[str]]:
    """Download the images a cleaned body uses; map each URL to its site path or fallback."""
    keep = replace(options, images="keep")
    urls = image_urls(_clean_one_line(one, base, keep, None))
    notes: list[str] = []
    if len(urls) > options.max_images:
        notes.append(
            f"{len(urls) - options.max_images} of the {len(urls)} images of {base} "
            f"not archived (at most {options.max_images} per article): remote URLs kept"
        )
    results = await store.store_all(
        urls[: options.max_images], max_bytes=options.max_image_bytes_per_article
    )
    image_map: dict[str, str] = {}
    for url, stored in results.items():
        if stored.path is not None:
            image_map[url] = stored.path
            continue
        fallback = proxy_url(url, options.image_proxy) if options.image_proxy else url
        image_map[url] = fallback
        notes.append(f"{stored.error}; fell back to {fallback}")
    return image_map, notes


__all__ = ["STAGES", "ContentOptions", "ContentResult", "clean_html", "prepare_content"]
