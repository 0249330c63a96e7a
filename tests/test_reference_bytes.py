"""Ordinary inputs render byte-identically to the reference system.

The table is every real "link"-layout post in the fixture whose fields are ordinary
(POST_FORMAT.md rule 1): a title, author and site name without YAML, Markdown or HTML
special characters, a valid date in the DATE format, a numeric marker that equals the date,
the site as the only tag and category, and no extra front-matter keys.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import REAL_MANIFEST, REAL_POSTS
from newsvault.archive.naming import post_filename
from newsvault.archive.posts import read_post, render_post

SPECIAL = re.compile(r'[\\:*?"<>|\[\]&#_`{}\'\x00-\x1f\x7f-\x9f\u00a0\u2000-\u200f\u2028-\u202f]')
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


HARMLESS_FLAGS = {"front_matter_value_contains_---"}  # Medium URLs: ordinary for rendering
KEYS = {"layout", "title", "date", "author", "from", "tags", "categories"}


def _ordinary_field(value: str) -> bool:
    return (bool(value) and value == value.strip() and "  " not in value
            and not SPECIAL.search(value) and value[0] not in "-?!%@")


def _ordinary(record: dict) -> bool:
    if not record["body_layout"].startswith("epoch") or set(record["flags"]) - HARMLESS_FLAGS:
        return False
    post = read_post(REAL_POSTS / record["file"])
    art = post.article
    return (not post.problems and set(post.front_matter) == KEYS
            and all(_ordinary_field(f) for f in (art.title, art.author, art.site))
            and art.tags == art.categories == (art.site,)
            and DATE.fullmatch(record["date_raw"]) is not None)


ORDINARY = [r["file"] for r in json.loads(REAL_MANIFEST.read_text(encoding="utf-8"))["files"]
            if _ordinary(r)]


def test_the_table_is_large_enough() -> None:
    assert len(ORDINARY) >= 90  # 97 of the 229 link-layout posts qualify


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_post_renders_byte_identically(name: str) -> None:
    path = REAL_POSTS / name
    post = read_post(path)
    assert render_post(post.article).encode("utf-8") == path.read_bytes()
    assert post_filename(post.article) == name
