"""``newsvault migrate-layout``: the real sample into year folders in one commit, with
Jekyll's own URLs unchanged, every post still seen, and nothing archived twice after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from automation_helpers import GIT_IDENTITY, isolate_git, newsvault_cmd, newsvault_env, sh
from conftest import REAL_POSTS, make_article
from newsvault.archive.index import Index
from newsvault.archive.migrate import detect_layout, migrate_layout, set_layout_setting
from newsvault.archive.store import save_post
from newsvault.errors import ArchiveError, UsageError
from newsvault.vault import Vault
from paths import REPO

JEKYLL = shutil.which("jekyll") or "/usr/bin/jekyll"
FEEDS = REPO / "examples" / "feeds"
NOW = "2030-01-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)


def nv(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        newsvault_cmd(*args, "--vault", str(vault), "--now", NOW),
        env={**newsvault_env(), **GIT_IDENTITY},
        capture_output=True,
        text=True,
        timeout=300,
    )


def sample_vault(tmp_path: Path) -> Path:
    """The real sample as an adopted, committed archive (flat, as the older system left it)."""
    vault = tmp_path / "vault"
    shutil.copytree(REAL_POSTS, vault / "_posts")
    out = nv(vault, "init")
    assert out.returncode == 0, out.stderr
    sh(vault, "add", "-A")
    sh(vault, "commit", "-q", "-m", "adopted archive")
    return vault


def jekyll_urls(vault: Path, out: Path) -> dict[str, str]:
    """file name → URL, as Jekyll builds them (its own listing of site.posts)."""
    src = out.with_name(out.name + "-src")
    src.mkdir()
    os.symlink(vault / "_posts", src / "_posts")
    (src / "_config.yml").write_text("permalink: /:year-:month-:day/:title/\n", encoding="utf-8")
    (src / "urls.json").write_text(
        "---\n---\n[{% for p in site.posts %}[{{ p.path | jsonify }}, {{ p.url | jsonify }}]"
        "{% unless forloop.last %},{% endunless %}{% endfor %}]\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [JEKYLL, "build", "--safe", "-s", str(src), "-d", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pairs = json.loads((out / "urls.json").read_text(encoding="utf-8"))
    return {path.rpartition("/")[2]: url for path, url in pairs}


@pytest.mark.jekyll
@pytest.mark.slow
def test_real_sample_moves_to_year_folders_in_one_commit_with_jekylls_urls_unchanged(
    tmp_path: Path,
) -> None:
    vault = sample_vault(tmp_path)
    assert 'layout = "flat"' in (vault / "newsvault.toml").read_text(
        encoding="utf-8"
    )  # adopted: kept
    n = len(list(REAL_POSTS.iterdir()))  # the real posts in tests/data (196)
    assert n > 150
    before = jekyll_urls(vault, tmp_path / "before")
    assert len(before) == n
    head = sh(vault, "rev-parse", "HEAD")

    out = nv(vault, "migrate-layout", "year")
    assert out.returncode == 0, out.stderr
    assert f"moved {n} of {n} posts into the year layout" in out.stdout

    # one commit, made of renames and the setting only
    assert sh(vault, "rev-list", "--count", f"{head}..HEAD") == "1"
    status = sh(vault, "show", "--format=", "--name-status", "-M100%", "HEAD").splitlines()
    renames = [line for line in status if line.startswith("R100")]
    assert len(renames) == n and "M\tnewsvault.toml" in status
    assert len(status) == n + 1
    assert sh(vault, "status", "--porcelain", "--", "_posts", "newsvault.toml") == ""
    top = [p for p in (vault / "_posts").iterdir()]
    assert all(p.is_dir() and p.name.isdigit() and len(p.name) == 4 for p in top)
    config = tomllib.loads((vault / "newsvault.toml").read_text(encoding="utf-8"))
    assert config["archive"]["layout"] == "year"

    after = jekyll_urls(vault, tmp_path / "after")
    assert after == before  # every post, the same URL

    # check and the index see every post; a run over a feed of sample articles adds none
    check = nv(vault, "check", "--json")
    assert json.loads(check.stdout)["posts"] == n
    with Index.open(Vault(vault)) as index:
        assert index.count() == n
        assert all(r.file.startswith("_posts/20") and r.file.count("/") == 2 for r in index.rows())
    (vault / "subs.json").write_text(
        json.dumps([{"site": "medium", "url": (FEEDS / "medium.rss").as_uri()}]), encoding="utf-8"
    )
    run = nv(vault, "run", "--no-publish", "--json")
    report = json.loads(run.stdout)
    assert report["new_articles"] == 0, run.stderr
    assert report["fetch"]["feeds"][0]["seen"] == 6


def test_new_posts_follow_the_layout_and_a_round_trip_restores_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "v"
    vault = Vault(root)
    for i, day in enumerate(("2019-12-31", "2020-01-01", "2021-06-30")):
        from datetime import datetime, timezone

        when = datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc)
        save_post(vault.posts_dir, make_article(f"t{i}", link=f"https://e.org/{i}", date=when))
    sh(tmp_path, "init", "-q", str(root))
    (root / "newsvault.toml").write_text('# my settings\n[site]\ntitle = "x"\n', encoding="utf-8")
    sh(root, "add", "-A")
    sh(root, "commit", "-q", "-m", "start")
    tree = sh(root, "rev-parse", "HEAD:_posts")

    report = migrate_layout(vault, "year/month")
    assert sorted(b for _, b in report.moved) == [
        "_posts/2019/12/2019-12-31-t0.md",
        "_posts/2020/01/2020-01-01-t1.md",
        "_posts/2021/06/2021-06-30-t2.md",
    ]
    assert report.commit == sh(root, "rev-parse", "HEAD")
    text = (root / "newsvault.toml").read_text(encoding="utf-8")
    assert (
        text.startswith('# my settings\n[site]\ntitle = "x"\n') and 'layout = "year/month"' in text
    )
    assert detect_layout(vault) == "year/month"
    # the fetch stage writes where the layout says
    from newsvault.config import load_config

    layout = load_config(root).archive.layout
    saved = save_post(vault.posts_dir, make_article("new", link="https://e.org/new"), layout=layout)
    assert saved.path.parent == vault.posts_dir / "2021" / "01"
    saved.path.unlink()
    # and back: the same tree as at the start, empty folders gone
    migrate_layout(vault, "flat")
    assert sh(root, "rev-parse", "HEAD:_posts") == tree
    assert sorted(p.name for p in vault.posts_dir.iterdir()) == [
        "2019-12-31-t0.md",
        "2020-01-01-t1.md",
        "2021-06-30-t2.md",
    ]
    with Index.open(vault) as index:
        assert index.last_sync is not None and index.count() == 3
        assert index.last_sync.added == 0  # rows renamed in place: no post read again


def test_refuses_uncommitted_posts_and_name_clashes_before_moving_anything(tmp_path: Path) -> None:
    root = tmp_path / "v"
    vault = Vault(root)
    save_post(vault.posts_dir, make_article("a", link="https://e.org/a"))
    sh(tmp_path, "init", "-q", str(root))
    sh(root, "add", "-A")
    sh(root, "commit", "-q", "-m", "start")
    save_post(vault.posts_dir, make_article("b", link="https://e.org/b"))
    with pytest.raises(UsageError, match="uncommitted"):
        migrate_layout(vault, "year")
    sh(root, "add", "-A")
    sh(root, "commit", "-q", "-m", "b")
    clash = vault.posts_dir / "2021" / "2021-01-27-a.md"
    clash.parent.mkdir()
    clash.write_text("---\ntitle: other\n---\nx\n", encoding="utf-8")
    sh(root, "add", "-A")
    sh(root, "commit", "-q", "-m", "clash")
    with pytest.raises(ArchiveError, match="already has that name"):
        migrate_layout(vault, "year")
    assert (vault.posts_dir / "2021-01-27-a.md").exists()  # nothing moved
    assert (vault.posts_dir / "2021-01-27-b.md").exists()


def test_layout_setting_is_written_into_any_config(tmp_path: Path) -> None:
    cfg = tmp_path / "newsvault.toml"
    assert set_layout_setting(cfg, "year")
    assert tomllib.loads(cfg.read_text())["archive"] == {"layout": "year"}
    cfg.write_text('[archive]  # where posts go\nlayout = "flat"  # old\n\n[site]\ntitle = "t"\n')
    assert set_layout_setting(cfg, "year/month")
    assert (
        cfg.read_text()
        == '[archive]  # where posts go\nlayout = "year/month"\n\n[site]\ntitle = "t"\n'
    )
    assert not set_layout_setting(cfg, "year/month")
    cfg.write_text('# [archive]\n# layout = "flat"\n[site]\ntitle = "t"\n')
    set_layout_setting(cfg, "year")
    assert tomllib.loads(cfg.read_text()) == {"site": {"title": "t"}, "archive": {"layout": "year"}}


def test_bad_layout_setting_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "newsvault.toml").write_text('[archive]\nlayout = "decade"\n', encoding="utf-8")
    out = nv(tmp_path, "build")
    assert out.returncode == 2
    assert (
        "[archive]: layout must be one of 'flat', 'year', 'year/month', not 'decade'" in out.stderr
    )


def test_new_vault_gets_year_folders(tmp_path: Path) -> None:
    out = nv(tmp_path / "new", "init")
    assert out.returncode == 0, out.stderr
    config = tomllib.loads((tmp_path / "new" / "newsvault.toml").read_text(encoding="utf-8"))
    assert config["archive"]["layout"] == "year"


def test_dry_run_only_says_what_would_move(tmp_path: Path) -> None:
    root = tmp_path / "v"
    save_post(Vault(root).posts_dir, make_article("a", link="https://e.org/a"))
    (root / "newsvault.toml").write_text("", encoding="utf-8")
    out = nv(root, "migrate-layout", "year/month", "--dry-run", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["moves"] == [
        {"from": "_posts/2021-01-27-a.md", "to": "_posts/2021/01/2021-01-27-a.md"}
    ]
    assert (root / "_posts" / "2021-01-27-a.md").exists()
    assert (root / "newsvault.toml").read_text(encoding="utf-8") == ""
    out = nv(root, "migrate-layout", "year/month")  # not a git repository: moved, no commit
    assert (
        out.returncode == 0 and "moved 1 of 1 posts" in out.stdout and "committed" not in out.stdout
    )
    assert (root / "_posts" / "2021" / "01" / "2021-01-27-a.md").exists()
