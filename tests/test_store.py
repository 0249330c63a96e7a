"""Atomic, collision-safe, idempotent writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import make_article
from newsvault.archive.posts import read_post
from newsvault.archive.store import save_post, write_post


def test_write_and_read_back(tmp_path: Path) -> None:
    art = make_article()
    path = write_post(tmp_path, art)
    assert path == tmp_path / "2021-01-27-Hello world.md"
    assert read_post(path).article == art


def test_same_name_different_article_gets_suffix(tmp_path: Path) -> None:
    a = write_post(tmp_path, make_article(link="https://x.org/1"))
    b = write_post(tmp_path, make_article(link="https://x.org/2"))
    c = write_post(tmp_path, make_article(link="https://x.org/3"))
    assert [a.name, b.name, c.name] == [
        "2021-01-27-Hello world.md",
        "2021-01-27-Hello world-2.md",
        "2021-01-27-Hello world-3.md",
    ]
    assert read_post(b).article.link == "https://x.org/2"


def test_same_article_is_not_written_twice(tmp_path: Path) -> None:
    first = save_post(tmp_path, make_article(link="https://x.org/1?utm_source=a"))
    again = save_post(tmp_path, make_article(link="HTTPS://X.org/1", content="<p>new</p>"))
    assert first.written and not again.written
    assert again.path == first.path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-01-27-Hello world.md"]
    assert "<p>Body</p>" in first.path.read_text(encoding="utf-8")


def test_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    seen: list[Path] = []

    def crash(temp: Path) -> None:
        assert temp.exists() and temp.parent == tmp_path
        seen.append(temp)
        raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        write_post(tmp_path, make_article(), after_temp=crash)
    assert seen
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_existing_posts(tmp_path: Path) -> None:
    kept = write_post(tmp_path, make_article(link="https://x.org/1"))
    before = kept.read_bytes()
    with pytest.raises(RuntimeError):
        write_post(
            tmp_path,
            make_article(link="https://x.org/2"),
            after_temp=lambda t: (_ for _ in ()).throw(RuntimeError("boom")),
        )
    assert [p.name for p in tmp_path.iterdir()] == [kept.name]
    assert kept.read_bytes() == before


def test_names_stay_inside_posts_dir(tmp_path: Path) -> None:
    posts = tmp_path / "_posts"
    path = write_post(posts, make_article("../../etc/passwd"))
    assert path.parent == posts
    assert path.name == "2021-01-27-..--..--etc--passwd.md"


def test_one_atomic_writer(tmp_path: Path) -> None:
    """Files are replaced through ``fsutil.write_atomic`` only (issue 13.4): the copies
    that wrote a fixed ``NAME.tmp`` could be mixed up by two writers, and the .gitignore
    extension was not atomic at all. The other renames are not file writes: the store's
    no-clobber fallback, a damaged index moved aside, a finished search segment folder."""
    src = Path(__file__).resolve().parent.parent / "src" / "newsvault"
    renamers = sorted(
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if "os.replace(" in p.read_text(encoding="utf-8")
    )
    assert renamers == ["archive/index.py", "archive/store.py", "fsutil.py", "site/search/index.py"]
    from newsvault.fsutil import write_atomic

    long = "2021-01-27-" + "國" * 76 + ".md"  # 240 bytes: the longest post name
    write_atomic(tmp_path / long, b"x")
    assert (tmp_path / long).read_bytes() == b"x" and os.listdir(tmp_path) == [long]
