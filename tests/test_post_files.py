"""Which files are posts: one rule (``archive/files.py``) for every stage, and it is Jekyll's.

The differential test builds a Jekyll source with every case that matters (subfolders of
``_posts/``, hidden and underscore entries, backup files, any extension, ``D/_posts/``,
symbolic links in and out of the source) and compares Jekyll's ``site.posts`` with ours.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import make_article
from newsvault.archive.checker import check_archive
from newsvault.archive.files import is_post_path, post_files
from newsvault.archive.importer import import_archive
from newsvault.archive.index import Index
from newsvault.archive.store import save_post
from newsvault.config import load_config
from newsvault.vault import Vault

JEKYLL = shutil.which("jekyll") or "/usr/bin/jekyll"
FM = "---\ntitle: T\n---\nbody\n"
CASES = [
    "_posts/2021-01-01-a.md",
    "_posts/2021/2021-01-02-b.md",
    "_posts/2021/01/2021-01-03-c.md",
    "_posts/.hid/2021-01-04-d.md",
    "_posts/_und/2021-01-05-e.md",
    "_posts/.2021-01-06-f.md",
    "_posts/_2021-01-07-g.md",
    "_posts/2021-01-08-h.markdown",
    "_posts/2021-01-09-i.html",
    "_posts/2021-01-10-j.txt",
    "_posts/2021-01-11-k.MD",
    "_posts/notdated.md",
    "_posts/2021-01-12-l.md~",
    "_posts/#2021-01-13-m.md",
    "cat/_posts/2021-01-14-n.md",
    "_posts/2021-1-5-q.md",
    "_posts/2021-01-16-p.mkd",
    "_posts/2020/_deep/2021-01-18-s.md",
    "_priv/_posts/2021-01-19-t.md",
    ".dot/_posts/2021-01-20-u.md",
    "_posts/#hash/2021-01-21-v.md",
    "_posts/~tilde/2021-01-22-w.md",
    "deep/er/_posts/2021-01-23-x.md",
    "_posts/cat2/_posts/2021-01-24-y.md",
    "_posts/2021-01-25-z.md.bak",
    "_posts/2021-01-26-noext",
    "_posts/2021-01-28-sp ace.md",
    "_posts/2021/2021-01-29-b2.json",
    "_posts/a/#b/2021-03-05-hb.md",
    "_posts/node_modules/2021-03-03-pnm.md",
    "node_modules/_posts/2021-03-02-nm.md",
    "vendor/x/_posts/2021-03-04-v.md",
    "_posts/21-3-7-short.md",
    "_posts/2021-03-08-two.dots.md",
    "_posts/linkdir_real/2021-02-01-ld.md",
    "_posts/2021-02-02-中文 標題.md",
]


def _jekyll_source(root: Path, outside: Path) -> None:
    for rel in CASES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(FM, encoding="utf-8")
    (root / "_posts" / "2021-01-15-o.md").write_text("no front matter\n", encoding="utf-8")
    (root / "_posts" / "2021-01-30-empty.md").write_text("", encoding="utf-8")
    os.symlink("../cat/_posts/2021-01-14-n.md", root / "_posts" / "2021-01-31-link.md")
    os.symlink("linkdir_real", root / "_posts" / "linkdir")  # Jekyll does not follow it
    outside.write_text(FM, encoding="utf-8")
    os.symlink(outside, root / "_posts" / "2021-03-01-out.md")  # --safe drops it
    (root / "_posts" / "2099-01-01-future.md").write_text(FM, encoding="utf-8")


@pytest.mark.jekyll
def test_post_files_are_exactly_the_posts_jekyll_reads(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _jekyll_source(src, tmp_path / "outside.md")
    (src / "list.txt").write_text(
        "---\n---\n{% for p in site.posts %}{{ p.path }}\n{% endfor %}", encoding="utf-8"
    )
    out = subprocess.run(
        [JEKYLL, "build", "--safe", "--future", "-s", str(src), "-d", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8"),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    jekyll = sorted(
        line
        for line in (tmp_path / "out" / "list.txt").read_text(encoding="utf-8").splitlines()
        if line
    )
    ours = post_files(src)
    assert ours == jekyll
    # the cases that decide the rule are really among them (the test is not vacuous)
    for rel in (
        "_posts/2021/2021-01-02-b.md",
        "_posts/2020/_deep/2021-01-18-s.md",
        "cat/_posts/2021-01-14-n.md",
        "_posts/2021-01-10-j.txt",
        "_posts/2021-01-15-o.md",
    ):
        assert rel in ours
    for rel in (
        "_posts/_und/2021-01-05-e.md",
        "_posts/2021-01-12-l.md~",
        "_posts/notdated.md",
        "_priv/_posts/2021-01-19-t.md",
        "_posts/2021-03-01-out.md",
        "node_modules/_posts/2021-03-02-nm.md",
    ):
        assert rel not in ours
    # and the predicate for known paths agrees with the listing
    listed = set(ours)
    for rel in CASES:
        if not (src / rel).is_symlink():
            assert is_post_path(rel) == (rel in listed), rel


@example(["_posts", "2021", ".h"], "2021-01-02-t.md")  # Ruby's glob does not enter .h/
@given(
    st.lists(
        st.sampled_from(["_posts", "2021", "_x", ".h", "#a", "b~", "c", "node_modules"]),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(
        [
            "2021-01-02-t.md",
            "_2021-01-02-t.md",
            "t.md",
            "2021-01-02-t.md~",
            "21-1-2-t.txt",
            ".2021-01-02-t.md",
        ]
    ),
)
def test_is_post_path_agrees_with_the_listing(
    tmp_path_factory: pytest.TempPathFactory, folders: list[str], name: str
) -> None:
    root = tmp_path_factory.mktemp("v")
    rel = "/".join([*folders, name])
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(FM, encoding="utf-8")
    assert is_post_path(rel) == (rel in post_files(root))


def test_a_post_in_a_year_folder_is_seen_by_dedup_check_and_the_site(tmp_path: Path) -> None:
    """The defect this rule fixes: a post in ``_posts/2021/`` was built into the site
    but invisible to the index (so it would be archived again) and to ``check``."""
    vault = Vault(tmp_path / "v")
    article = make_article()
    saved = save_post(vault.posts_dir, article, layout="year")
    assert saved.path.parent == vault.posts_dir / "2021"
    with Index.open(vault) as index:
        assert index.count() == 1
        assert index.knows(article.link)
        assert [r.file for r in index.rows()] == [f"_posts/2021/{saved.path.name}"]
    assert check_archive(vault.root).posts == 1
    # the same article coming back is not written again, whatever the layout
    assert not save_post(vault.posts_dir, article, layout="year").written
    from newsvault.site.build import build_site

    report = build_site(vault, load_config(vault.root), search=False)
    assert report.posts == 1


def test_import_places_posts_by_the_layout_and_skips_known_ones(tmp_path: Path) -> None:
    source = tmp_path / "old"
    save_post(source / "_posts", make_article("one", link="https://e.org/1"))
    save_post(source / "_posts" / "2020", make_article("two", link="https://e.org/2"))
    vault = Vault(tmp_path / "v")
    vault.posts_dir.mkdir(parents=True)
    report = import_archive(vault, source, layout="year/month")
    assert sorted(report.copied) == [
        "_posts/2021/01/2021-01-27-one.md",
        "_posts/2021/01/2021-01-27-two.md",
    ]
    again = import_archive(vault, source, layout="flat")
    assert again.copied == [] and len(again.skipped) == 2


def test_a_name_taken_in_another_layouts_folder_is_taken(tmp_path: Path) -> None:
    """Jekyll gives _posts/x.md and _posts/2021/x.md one URL: after a layout change
    without migrate-layout, a different article with the same name takes -2."""
    posts = tmp_path / "_posts"
    old = save_post(posts, make_article("same title", link="https://e.org/1"))  # flat
    new = save_post(posts, make_article("same title", link="https://e.org/2"), layout="year")
    assert old.path == posts / "2021-01-27-same title.md"
    assert new.path == posts / "2021" / "2021-01-27-same title-2.md"
    again = save_post(
        posts, make_article("same title", link="https://e.org/1"), layout="year/month"
    )
    assert not again.written and again.path == old.path
