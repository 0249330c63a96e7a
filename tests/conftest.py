"""Shared test helpers: where the real fixtures are, a small article factory, a local
feed server, and a clean proxy environment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsvault.models import Article
from paths import FIXTURES, REAL_SAMPLE, REPO
from s3server import CREDENTIALS, S3Server
from servers import FeedServer

pytest_plugins = ["optional"]  # the jekyll/browser/node/corpus markers skip when missing

__all__ = ["REPO", "FIXTURES", "SEED_DIR", "REAL_POSTS", "REAL_MANIFEST", "FEEDS", "make_article"]

SEED_DIR = FIXTURES / "posts" / "seed"
REAL_POSTS = REAL_SAMPLE / "_posts"
REAL_MANIFEST = REAL_SAMPLE / "MANIFEST.json"
FEEDS = FIXTURES / "feeds"


def make_article(
    title: str = "Hello world",
    *,
    link: str = "https://example.com/a/1",
    author: str = "Example News",
    site: str = "Example News",
    date: datetime | None = None,
    content: str = "<p>Body</p>",
    ms: int | None = None,
    guid: str | None = None,
) -> Article:
    date = date or datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)
    return Article(
        title=title,
        date=date,
        author=author,
        link=link,
        site=site,
        content=content,
        ms=int(date.timestamp() * 1000) if ms is None else ms,
        tags=(site,),
        categories=(site,),
        guid=guid,
    )


@pytest.fixture
def seed_path() -> Path:
    return next(SEED_DIR.glob("*.md"))


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 directly unless a test sets a proxy itself."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    """A real S3-compatible server process (moto_server) for a test module, with boto3's
    credentials set in the environment meanwhile."""
    with pytest.MonkeyPatch.context() as patch, S3Server() as server:
        for key, value in CREDENTIALS.items():
            patch.setenv(key, value)
        yield server
