"""The site's search: a static index the browser reads a few files of per query.

Readers type Simplified or Traditional Chinese (and variants: 台/臺, 裏/裡/里), English,
or both; they expect the article that contains what they typed, and nothing else. So
the index and the query are folded to one script by the same table (:mod:`.fold`, made
from OpenCC by :mod:`.maketable`), CJK text is indexed as pairs of characters with
their positions (:mod:`.encode`), and a query of CJK characters matches the articles
that contain that sequence. The files are split into segments and buckets
(:mod:`.index`) so that a query fetches a few kilobytes per segment, and an hourly build
rewrites only the last segment. ``site/static/search-core.js`` is the reading side.
``docs/search.md`` says what was measured and why this replaced Pagefind.
"""

from __future__ import annotations

from typing import Any

from newsvault.site.search.files import DATA

__all__ = ["DATA", "SearchResult", "build_index"]


def __getattr__(name: str) -> Any:
    """The builder on first use: it needs numpy, which a build without search does not."""
    if name in ("SearchResult", "build_index"):
        from newsvault.site.search import index

        return getattr(index, name)
    raise AttributeError(name)
