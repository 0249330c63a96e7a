"""site stage: the archive in ``_posts/`` as a fast, searchable, readable website.

Entry point: :func:`build_site` (``newsvault build``); ``newsvault.serve`` serves the result.
"""

from newsvault.site.build import BuildReport, build_site

__all__ = ["BuildReport", "build_site"]
