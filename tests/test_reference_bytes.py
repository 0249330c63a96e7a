"""Ordinary inputs render byte-identically to the reference system.

The table is every real "link"-layout post in the fixture whose fields are ordinary
(docs/post-format.md, rule 1): a title, author and site name without YAML, Markdown or HTML
special characters, a valid date in the DATE format, a numeric marker that equals the date,
the site as the only tag and category, and no extra front-matter keys.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REAL_MANIFEST, REAL_POSTS
from newsvault.archive.naming import post_filename
from newsvault.archive.posts import read_post, render_post
from paths import CORPUS

SPECIAL = re.compile(r'[\\:*?"<>|\[\]&#_`{}\'\x00-\x1f\x7f-\x9f\u00a0\u2000-\u200f\u2028-\u202f]')
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


HARMLESS_FLAGS = {"front_matter_value_contains_---"}  # Medium URLs: ordinary for rendering
KEYS = {"layout", "title", "date", "author", "from", "tags", "categories"}


def _ordinary_field(value: str) -> bool:
    return (
        bool(value)
        and value == value.strip()
        and "  " not in value
        and not SPECIAL.search(value)
        and value[0] not in "-?!%@"
    )


def _ordinary(record: dict, posts: Path) -> bool:
    if not record["body_layout"].startswith("epoch") or set(record["flags"]) - HARMLESS_FLAGS:
        return False
    post = read_post(posts / record["file"])
    art = post.article
    return (
        not post.problems
        and set(post.front_matter) == KEYS
        and all(_ordinary_field(f) for f in (art.title, art.author, art.site))
        and art.tags == art.categories == (art.site,)
        and DATE.fullmatch(record["date_raw"]) is not None
    )


def _table(sample: Path) -> list[dict]:
    return json.loads((sample / "MANIFEST.json").read_text(encoding="utf-8"))["files"]


RECORDS = _table(REAL_MANIFEST.parent)
ORDINARY = [r["file"] for r in RECORDS if _ordinary(r, REAL_POSTS)]
# With NEWSVAULT_CORPUS: the full sample's ordinary posts that tests/data leaves out.
CORPUS_POSTS = CORPUS / "posts" / "real-sample" / "_posts" if CORPUS else None
CORPUS_ORDINARY = (
    [
        r["file"]
        for r in _table(CORPUS_POSTS.parent)
        if not (REAL_POSTS / r["file"]).exists() and _ordinary(r, CORPUS_POSTS)
    ]
    if CORPUS_POSTS and CORPUS_POSTS.is_dir()
    else []
)


def test_the_table_is_large_enough() -> None:
    # tests/data keeps 40 posts for this table (kept_because "reference_bytes"); all qualify.
    # (97 of the 229 link-layout posts of the full sample do.)
    chosen = {r["file"] for r in RECORDS if "reference_bytes" in r.get("kept_because", ())}
    assert len(chosen) == 40 and chosen <= set(ORDINARY)


@pytest.mark.parametrize(
    "path",
    [REAL_POSTS / n for n in ORDINARY]
    + [pytest.param(CORPUS_POSTS / n, marks=pytest.mark.corpus) for n in CORPUS_ORDINARY],
    ids=lambda p: p.name,
)
def test_ordinary_post_renders_byte_identically(path: Path) -> None:
    name = path.name
    post = read_post(path)
    assert render_post(post.article).encode("utf-8") == path.read_bytes()
    assert post_filename(post.article) == name
