"""The index is a self-healing cache of _posts/."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conftest import REAL_POSTS, SEED_DIR, make_article
from newsvault.archive.index import SCHEMA_VERSION, Index
from newsvault.archive.store import save_post, write_post
from newsvault.vault import Vault


def _vault(tmp_path: Path) -> Vault:
    vault = Vault(tmp_path / "v")
    vault.posts_dir.mkdir(parents=True)
    return vault


def test_fresh_clone_knows_every_link(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    for f in list(REAL_POSTS.iterdir())[:40] + list(SEED_DIR.glob("*.md")):
        shutil.copyfile(f, vault.posts_dir / f.name)
    with Index.open(vault) as index:
        assert index.last_sync is not None and index.last_sync.rebuilt
        assert index.count() == 41
        assert index.knows("https://www.cna.com.tw/news/firstnews/202101280007.aspx#utm_source=x")
        assert not index.knows(
            "https://www.cna.com.tw/news/firstnews/202101280007.aspx#x"
        )  # anchor
        assert index.knows("HTTPS://WWW.CNA.COM.TW/news/firstnews/202101280007.aspx?utm_source=t")
        assert not index.knows("https://www.cna.com.tw/news/firstnews/20210128")  # no prefix match
        assert index.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert index.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_crash_between_write_and_add_is_healed(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    Index.open(vault).close()
    write_post(vault.posts_dir, make_article(link="https://x.org/new"))  # never add()ed
    with Index.open(vault) as index:
        assert index.last_sync is not None and index.last_sync.added == 1
        assert index.knows("https://x.org/new")


def test_add_keeps_guid_and_sync_tracks_changes(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    with Index.open(vault) as index:
        art = make_article(link="https://x.org/1", guid="tag:x.org,1")
        path = write_post(vault.posts_dir, art)
        index.add(path, art)
        assert index.knows(None, "tag:x.org,1")
        assert index.knows("https://x.org/1")
    # edit the file (new link), remove nothing yet: only that file is re-read
    text = path.read_text(encoding="utf-8").replace("https://x.org/1", "https://x.org/2")
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(1, 1))
    with Index.open(vault) as index:
        assert index.last_sync is not None and index.last_sync.changed == 1
        assert index.knows("https://x.org/2") and not index.knows("https://x.org/1")
        assert index.knows(None, "tag:x.org,1")  # guid survives a re-read of the file
    path.unlink()
    with Index.open(vault) as index:
        assert index.last_sync is not None and index.last_sync.removed == 1
        assert index.count() == 0


def test_known_answers_like_knows_for_many_pairs(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    with Index.open(vault) as index:
        for n in range(3):
            art = make_article(title=f"T{n}", link=f"https://x.org/{n}", guid=f"tag:x.org,{n}")
            index.add(write_post(vault.posts_dir, art), art)
        pairs = [
            ("HTTPS://X.ORG/1#", None),
            (None, "tag:x.org,2"),
            ("https://x.org/9", None),
            ("https://x.org/1", "tag:x.org,9"),
            (None, None),
            ("https://x.org/", "other"),
        ]
        pairs += [(f"https://y.org/{n}", f"tag:y.org,{n}") for n in range(1200)]  # > one chunk
        assert index.known(pairs) == [index.knows(link, guid) for link, guid in pairs]
        assert index.known(pairs)[:6] == [True, True, False, True, False, False]


def test_batched_adds_commit_once_and_a_lost_batch_heals(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    arts = [
        make_article(title=f"T{n}", link=f"https://x.org/{n}", guid=f"tag:x.org,{n}")
        for n in range(3)
    ]
    with Index.open(vault) as index:
        with index.batch():
            for art in arts[:2]:
                saved = save_post(vault.posts_dir, art)
                index.add(saved.path, art, saved.data)
            assert index.db.in_transaction
        assert not index.db.in_transaction
        assert index.knows(None, "tag:x.org,1")
        for row in index.rows():  # the hash of the passed bytes is the file's own
            data = (vault.root / row.file).read_bytes()
            assert row.hash == hashlib.blake2b(data, digest_size=16).hexdigest()
    with Index.open(vault) as index:  # a batch that never commits (a crash) costs only rows
        index.db.execute("BEGIN IMMEDIATE")
        saved = save_post(vault.posts_dir, arts[2])
        index.add(saved.path, arts[2], saved.data)
        index.db.rollback()
    with Index.open(vault) as index:
        assert index.last_sync is not None and index.last_sync.added == 1
        assert index.knows("https://x.org/2")


def test_rebuild_keeps_other_stages_tables(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    write_post(vault.posts_dir, make_article())
    with Index.open(vault) as index:
        index.db.execute("CREATE TABLE feed_cache (url TEXT PRIMARY KEY, etag TEXT)")
        index.db.execute("INSERT INTO feed_cache VALUES ('u', 'e')")
        index.db.execute("PRAGMA user_version=0")  # pretend an older schema
    with Index.open(vault) as index:
        assert index.last_sync is not None and index.last_sync.rebuilt
        assert index.count() == 1
        assert index.db.execute("SELECT etag FROM feed_cache").fetchone() == ("e",)


def test_missing_database_is_rebuilt(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    write_post(vault.posts_dir, make_article())
    Index.open(vault).close()
    shutil.rmtree(vault.state_dir)
    with Index.open(vault) as index:
        assert index.knows("https://example.com/a/1")
        row = index.rows()[0]
        assert (row.title, row.site, row.date) == (
            "Hello world",
            "Example News",
            "2021-01-27T23:57:20.000Z",
        )
        assert len(row.hash) == 32


def test_damaged_database_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    write_post(vault.posts_dir, make_article())
    vault.state_dir.mkdir()
    vault.index_file.write_bytes(b"not a database" * 100)
    with Index.open(vault) as index:
        assert index.knows("https://example.com/a/1")
    assert (vault.state_dir / "index.sqlite.damaged").read_bytes().startswith(b"not a database")


def test_bom_and_crlf_posts_are_indexed(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    seed = next(SEED_DIR.glob("*.md"))
    data = seed.read_bytes().replace(b"\n", b"\r\n")
    (vault.posts_dir / seed.name).write_bytes(b"\xef\xbb\xbf" + data)
    with Index.open(vault) as index:
        assert index.knows("https://www.cna.com.tw/news/firstnews/202101280007.aspx")
        assert index.rows()[0].title == "美國務卿與英德外長通話 同意就中國議題緊密合作"


def test_parallel_rebuild_gives_the_same_rows(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from newsvault.archive import index as index_module

    vault = _vault(tmp_path)
    for f in list(REAL_POSTS.iterdir())[:30]:
        shutil.copyfile(f, vault.posts_dir / f.name)
    with Index.open(vault) as index:
        serial = index.rows()
    shutil.rmtree(vault.state_dir)
    monkeypatch.setattr(index_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(index_module, "CHUNK", 7)
    monkeypatch.setattr(index_module.os, "cpu_count", lambda: 2)
    with Index.open(vault) as index:
        assert index.rows() == serial and len(serial) == 30


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_index_is_rekeyed_and_keeps_its_guids(tmp_path: Path, version: int) -> None:
    """Links keep their fragment since schema 3, and files are named from the vault root
    since schema 2: an old index re-reads every post (its link keys were cut at '#') but
    keeps the guids, which only the index holds."""
    vault = _vault(tmp_path)
    with Index.open(vault) as index:
        art = make_article(link="https://x.org/day#a", guid="tag:x.org,a")
        index.add(write_post(vault.posts_dir, art), art)
        index.db.execute("UPDATE posts SET link = 'https://x.org/day'")  # as versions 1-2 keyed it
        if version == 1:  # and version 1 named files inside _posts/
            index.db.execute("UPDATE posts SET file = substr(file, length('_posts/') + 1)")
        index.db.execute(f"PRAGMA user_version={version}")
    with Index.open(vault) as index:
        assert not index.last_sync.rebuilt and index.last_sync.changed == 1
        assert index.knows("https://x.org/day#a") and not index.knows("https://x.org/day#b")
        assert index.knows(None, "tag:x.org,a")
        assert index.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_only_the_archive_index_opens_the_index_file() -> None:
    """One owner of ``index.sqlite`` (issue 13.4): other stages get a connection from
    ``archive/index.py`` (``Index.open``, ``read_only``) and never open the file."""
    src = Path(__file__).resolve().parent.parent / "src" / "newsvault"
    openers = sorted(
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if "sqlite3.connect(" in p.read_text(encoding="utf-8")
    )
    assert openers == ["archive/index.py", "site/entrystore.py"]  # the site's own cache file
    users = sorted(
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if ".index_file" in p.read_text(encoding="utf-8")
    )
    assert users == ["archive/index.py"]
