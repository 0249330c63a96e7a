"""Where the search index lives in the site (apart, so that the builder in ``index.py``
and the site build name it without importing the package, which loads the builder)."""

from __future__ import annotations

DATA = "search/data"  # the index's folder in the site

__all__ = ["DATA"]
