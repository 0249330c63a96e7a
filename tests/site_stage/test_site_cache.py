"""The post cache: a snapshot plus appended changes must read back as what was saved."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsvault.site.posts import PostCache, _Meta

WHEN = datetime(2024, 5, 1, tzinfo=timezone.utc)


def record(name: str, version: int) -> tuple[int, int, _Meta]:
    meta = _Meta(
        name=name,
        title=f"title {version}",
        date=WHEN,
        url_date=WHEN,
        site="s",
        author="a",
        link="https://e.com/",
        tags=("s",),
        categories=(),
        slug=name,
        digest=f"{version}.7",
    )
    return version, 7, meta


def state(cache: PostCache) -> tuple:
    return cache.entries, cache.url_setting, cache.urls


OPS = st.lists(
    st.tuples(
        st.sampled_from(["put", "drop", "url", "setting", "save", "reopen"]),
        st.integers(0, 3),
        st.integers(0, 2),
    ),
    max_size=40,
)


@given(OPS)
@example([("put", 1, 1), ("save", 0, 0), ("drop", 1, 0), ("save", 0, 0), ("reopen", 0, 0)])
@example([("url", 1, 1), ("save", 0, 0), ("url", 1, 2), ("save", 0, 0), ("reopen", 0, 0)])
@example([("put", 1, 1), ("save", 0, 0), ("setting", 0, 1), ("save", 0, 0), ("reopen", 0, 0)])
@settings(max_examples=300, deadline=None)
def test_what_was_saved_reads_back(ops):
    """Builds replace the cache's dicts, then save; any sequence of that, with reopening
    in between, reads back exactly what the last save saw."""
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder, "posts.pickle")
        cache = PostCache(file)
        # an archive already built: most saves then append, as hourly builds do
        cache.entries = {f"old-{i}.md": record(f"old-{i}.md", i) for i in range(200)}
        cache.save()
        saved: tuple = (dict(cache.entries), "", {})
        for op, n, v in ops:
            name = f"post-{n}.md"
            if op == "put":
                cache.entries = {**cache.entries, name: record(name, v)}
            elif op == "drop":
                cache.entries = {k: e for k, e in cache.entries.items() if k != name}
                cache.urls = {k: u for k, u in cache.urls.items() if k != name}
            elif op == "url":
                cache.urls = {
                    **cache.urls,
                    name: (f"{v}.7", f"/{n}/", f"/{n}-{v}/", f"/x/{n}-{v}/"),
                }
            elif op == "setting":
                cache.url_setting = f"pattern {v}"
            elif op == "save":
                cache.save()
                saved = (dict(cache.entries), cache.url_setting, dict(cache.urls))
            else:
                cache = PostCache(file)
                assert state(cache) == saved


def test_an_hourly_save_appends_and_a_torn_append_is_dropped(tmp_path):
    file = tmp_path / "posts.pickle"
    cache = PostCache(file)
    cache.entries = {f"p{i}.md": record(f"p{i}.md", i) for i in range(200)}
    cache.save()
    snapshot = file.stat().st_size
    before = dict(cache.entries)

    cache.entries = {**cache.entries, "new.md": record("new.md", 1)}
    cache.save()
    assert snapshot < file.stat().st_size < snapshot * 1.1  # appended, not rewritten
    assert PostCache(file).entries == cache.entries

    with open(file, "r+b") as fh:  # a crash in the middle of that append
        fh.truncate(file.stat().st_size - 5)
    torn = PostCache(file)
    assert torn.entries == before
    torn.save()  # rewrites the file whole
    assert PostCache(file).entries == before and file.stat().st_size < snapshot * 1.1


def test_many_changes_rewrite_the_snapshot(tmp_path):
    file = tmp_path / "posts.pickle"
    cache = PostCache(file)
    cache.entries = {f"p{i}.md": record(f"p{i}.md", i) for i in range(80)}
    cache.save()
    sizes = []
    for i in range(12):  # 12 changed records: more than an eighth of 80
        cache.entries = {**cache.entries, f"p{i}.md": record(f"p{i}.md", 100 + i)}
        cache.save()
        sizes.append(file.stat().st_size)
    assert any(
        b < a for a, b in zip(sizes, sizes[1:], strict=False)
    )  # the file was rewritten, and shrank
    assert PostCache(file).entries == cache.entries
