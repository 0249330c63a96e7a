"""Content stage throughput: ``clean_html`` over real item HTML.

Inputs: every item of the fixture feeds (rss-parser, fastfeedparser, feedparser cases),
read with feedparser without its own sanitizing, plus the bodies of the real archive
sample's link-layout posts. Reports articles/second (median of RUNS passes, one core),
how many bodies were kept byte for byte, edited in place (only what changed touched),
or re-serialized by the sanitizer, and where the time goes (one-line rule,
nh3 pass, tree comparison) against a bare ``nh3.clean`` with default settings.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from bench._corpus import corpus

REPO = Path(__file__).resolve().parents[1]
FIXTURES = corpus()
RUNS = 7


def feed_items() -> list[tuple[str, str]]:
    """(html, link) for every item of the fixture feeds that has content."""
    import feedparser

    out = []
    for path in sorted((FIXTURES / "feeds").rglob("*")):
        if (
            not path.is_file()
            or path.suffix in (".json", ".txt")
            or path.name.startswith("LICENSE")
        ):
            continue
        feed = feedparser.parse(path.read_bytes(), sanitize_html=False, resolve_relative_uris=False)
        for entry in feed.entries:
            html = (entry.get("content") or [{}])[0].get("value") or entry.get("summary") or ""
            if html:
                out.append((html, entry.get("link") or "https://example.com/"))
    return out


def post_bodies() -> list[tuple[str, str]]:
    out = []
    for path in sorted((FIXTURES / "posts").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if "\n<div>\n" in text and "\nfrom: " in text:
            link = text.split("\nfrom: ", 1)[1].split("\n", 1)[0].strip().strip('"')
            out.append((text.split("\n<div>\n", 1)[1].rsplit("\n</div>", 1)[0], link))
    return out


def _rate(fn, items: list[tuple[str, str]]) -> tuple[float, list[float]]:  # noqa: ANN001
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for html, link in items:
            fn(html, link)
        runs.append(time.perf_counter() - start)
    return len(items) / statistics.median(runs), runs


def measure(items: list[tuple[str, str]]) -> dict[str, object]:
    import nh3

    from newsvault.content import ContentOptions, clean_html
    from newsvault.content.embeds import embeds_to_links
    from newsvault.content.fidelity import same_tree
    from newsvault.content.oneline import js_trim, to_one_line
    from newsvault.content.sanitize import sanitize
    from newsvault.urls import absolutizer

    keep, proxy = ContentOptions(), ContentOptions(images="proxy")
    ones = [(to_one_line(h), link) for h, link in items]
    cleaned = [(sanitize(embeds_to_links(o, link), [absolutizer(link)]), o) for o, link in ones]
    kept = sum(clean_html(h, link, keep).html == to_one_line(h) for h, link in items)
    reserialized = sum(
        clean_html(h, link, keep).html
        == js_trim(sanitize(embeds_to_links(o, link), [absolutizer(link)]))
        != o
        for (h, link), (o, _) in zip(items, ones, strict=True)
    )
    rate_keep, runs = _rate(lambda h, link: clean_html(h, link, keep), items)
    rate_proxy, _ = _rate(lambda h, link: clean_html(h, link, proxy), items)
    rate_oneline, _ = _rate(lambda h, link: to_one_line(h), items)
    rate_sanitize, _ = _rate(
        lambda o, link: sanitize(embeds_to_links(o, link), [absolutizer(link)]), ones
    )
    rate_compare, _ = _rate(lambda c, o: same_tree(o, c), cleaned)
    rate_nh3, _ = _rate(lambda h, link: nh3.clean(h), items)
    return {
        "articles": len(items),
        "mb": round(sum(len(h.encode()) for h, _ in items) / 1e6, 2),
        "kept_byte_for_byte": kept,
        "edited_in_place": len(items) - kept - reserialized,
        "reserialized": reserialized,
        "clean_html_keep_per_s": round(rate_keep),
        "clean_html_proxy_per_s": round(rate_proxy),
        "clean_html_runs_s": [round(r, 3) for r in runs],
        "oneline_per_s": round(rate_oneline),
        "sanitize_pass_per_s": round(rate_sanitize),
        "tree_compare_per_s": round(rate_compare),
        "bare_nh3_default_per_s": round(rate_nh3),
    }


def main() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "runs": RUNS,
        "feed_items": measure(feed_items()),
        "archive_post_bodies": measure(post_bodies()),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=2))
