"""Shared test helpers: where the real fixtures are, and a small article factory."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsvault.models import Article

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures"
SEED_DIR = FIXTURES / "posts" / "seed"
REAL_POSTS = FIXTURES / "posts" / "real-sample" / "_posts"
REAL_MANIFEST = FIXTURES / "posts" / "real-sample" / "MANIFEST.json"


def make_article(title: str = "Hello world", *, link: str = "https://example.com/a/1",
                 author: str = "Example News", site: str = "Example News",
                 date: datetime | None = None, content: str = "<p>Body</p>",
                 ms: int | None = None, guid: str | None = None) -> Article:
    date = date or datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)
    return Article(title=title, date=date, author=author, link=link, site=site,
                   content=content, ms=int(date.timestamp() * 1000) if ms is None else ms,
                   tags=(site,), categories=(site,), guid=guid)


@pytest.fixture
def seed_path() -> Path:
    return next(SEED_DIR.glob("*.md"))
