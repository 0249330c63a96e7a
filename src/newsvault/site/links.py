"""Relative links: every page links to the others by a path relative to itself.

One built tree then works wherever it is put: at a host's root, under any ``base_path``
(a GitHub Pages project site) and opened from the files (``file://``, a USB stick), where
a browser does not turn ``folder/`` into ``folder/index.html``: links to a folder name the
``index.html`` in it. Feeds and the sitemap keep absolute URLs (``base_url``): they are read
away from the site.
"""

from __future__ import annotations

from newsvault.site.permalink import href


def up(here: str) -> str:
    """From the page at ``here`` (its path in the site, ``a/b/index.html``) to the site root."""
    return "../" * here.count("/")


def with_index(encoded: str) -> str:
    """``encoded`` (a percent-encoded site path), naming the ``index.html`` of a folder."""
    return encoded + "index.html" if not encoded or encoded.endswith("/") else encoded


def relative(here: str, path: str, folder: bool = False) -> str:
    """The href from the page ``here`` to the site path ``path`` (unescaped, ``sources/x/``);
    ``folder`` keeps a folder a folder (for scripts that add file names to it)."""
    encoded = href("/", path)[1:]
    return (up(here) + (encoded if folder else with_index(encoded))) or "./"
