"""Fixtures of the site tests: the real sample built once by Jekyll and by newsvault, and
the headless Chromium the browser tests drive."""

from __future__ import annotations

from pathlib import Path

import pytest

from .site_helpers import SAMPLE_POSTS, SEED_DIR, jekyll_build, jekyll_urls, make_vault

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (a module's pages share it, each in its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def jekyll_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    site = jekyll_build(sorted(SAMPLE_POSTS.iterdir()), tmp_path_factory.mktemp("jekyll"))
    return site, jekyll_urls(site)


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory):
    """The real sample plus the seed post, built by newsvault with its search index (one
    segment: the index's layout over several is tested on its own)."""
    from newsvault.config import load_config
    from newsvault.site.build import build_site
    from newsvault.vault import Vault

    root = make_vault(
        tmp_path_factory.mktemp("vault"),
        sorted(SAMPLE_POSTS.iterdir()) + sorted(SEED_DIR.glob("*.md")),
        '[site]\ntitle = "Sample"\nbase_url = "https://example.org"\n',
    )
    vault = Vault(root)
    report = build_site(vault, load_config(root), full=True)
    return vault, report
