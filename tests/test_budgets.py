"""Budgets: every limit driven to 80% (a warning, still published) and to 100% (the
target refused whole, with a message naming the limit and the fix, nothing deployed)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from automation_helpers import isolate_git, sh
from conftest import make_article
from newsvault.archive.store import save_post
from newsvault.config import TargetConfig, config_from_dict
from newsvault.publish.archive_branch import commit_archive
from newsvault.publish.budget import HOST_LIMITS, host_of, limits_for, measure_folder, measure_git
from newsvault.publish.publisher import count_sites, publish_vault, target_status
from newsvault.site.build import build_site
from newsvault.vault import Vault
from s3server import S3Server

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)
MESSAGES = {  # what the refusal says: the limit, in words and as the setting, and the fix
    ("git", "max_dir_entries"): ("entries in one directory", "newsvault migrate-layout year"),
    ("git", "max_file_bytes"): ("largest file", "the host would reject the push"),
    ("git", "max_repo_bytes"): ("repository size", "another [targets.NAME]"),
    ("git", "max_files"): ("files in the repository", "repository per period"),
    ("folder", "max_dir_entries"): ("entries in one directory", 'type = "s3"'),
    ("folder", "max_file_bytes"): ("largest file", "take that file out of the site"),
    ("folder", "max_site_bytes"): ("site size", 'type = "s3"'),
    ("folder", "max_files"): ("files in the site", 'type = "s3"'),
    ("s3", "max_files"): ("files in the site", 'type = "s3"'),
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)


def archive(tmp_path: Path) -> tuple[Vault, Path]:
    """A committed vault with a few posts (one with a big body) and its built site."""
    remote = tmp_path / "host.git"
    sh(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    vault = Vault(tmp_path / "vault")
    for i in range(6):
        body = "<p>" + "長文 " * (3000 if i == 0 else 20) + "</p>"
        save_post(
            vault.posts_dir, make_article(f"post {i}", link=f"https://e.org/{i}", content=body)
        )
    sh(tmp_path, "init", "-q", "-b", "main", str(vault.root))
    commit_archive(vault.root, now=NOW, count_sites=count_sites)
    return vault, remote


def usage_of(vault: Vault, kind: str, limit: str) -> int:
    usage = measure_git(vault.root) if kind == "git" else measure_folder(vault.site_dir)
    used = usage.used(limit)[0]
    assert used is not None and used > 0
    return used


def settings(
    kind: str, remote: Path, tmp_path: Path, s3_url: str, limit: str, allowed: int
) -> dict:
    table: dict = {"type": kind, limit: allowed}
    if kind == "git":
        table["remote"] = str(remote)
    elif kind == "folder":
        table["folder"] = str(tmp_path / "www")
    else:
        table.update(bucket="budget", endpoint_url=s3_url, region="us-east-1")
    return {"site": {"search": False}, "targets": {"mirror": table}}


def deployed(kind: str, remote: Path, tmp_path: Path, s3: S3Server) -> bool:
    if kind == "git":
        return bool(sh(remote, "for-each-ref"))
    if kind == "folder":
        return (tmp_path / "www").exists()
    return bool(s3.objects("budget"))


@pytest.mark.parametrize(("kind", "limit"), sorted(MESSAGES))
@pytest.mark.parametrize("level", ["warn", "over"])
def test_each_limit_warns_from_80_percent_and_refuses_at_100(
    tmp_path: Path, s3: S3Server, kind: str, limit: str, level: str
) -> None:
    vault, remote = archive(tmp_path)
    build_site(vault, config_from_dict({"site": {"search": False}}), search=False)
    if kind == "s3":
        s3.client().create_bucket(Bucket="budget")
        for key in [o for o in s3.objects("budget")]:
            s3.client().delete_object(Bucket="budget", Key=key)
    used = usage_of(vault, kind, limit)
    allowed = used if level == "over" else math.floor(used / 0.85)  # 85% or a little more
    assert level == "over" or allowed > used
    config = config_from_dict(settings(kind, remote, tmp_path, s3.url, limit, allowed))
    report = publish_vault(vault, config, now=NOW)
    (result,) = report.targets
    words, fix = MESSAGES[(kind, limit)]
    measure = next(m for m in result.usage if m.limit == limit)
    assert (measure.used, measure.allowed) == (used, allowed)
    if level == "warn":
        assert result.status == "ok" and report.ok
        assert deployed(kind, remote, tmp_path, s3)
        (warning,) = [w for w in report.warnings if limit in w]
        assert words in warning and re.search(r"\((8[5-9]|9\d)%; ", warning) and fix in warning
        status = target_status(vault, config)[0]
        assert status["last"] == "ok" and any(limit in w for w in status["warnings"])
    else:
        assert result.status == "skipped" and not report.ok
        assert not deployed(kind, remote, tmp_path, s3)  # nothing of that target went out
        assert result.detail.startswith("refused by its budget: ")
        assert words in result.detail and f"{limit} of target mirror" in result.detail
        assert "100%" in result.detail and fix in result.detail
        (error,) = report.errors
        assert error.startswith("mirror: refused by its budget") and limit in error
        status = target_status(vault, config)[0]
        assert status["last"] == "skipped" and any(limit in w for w in status["warnings"])


def test_one_target_over_budget_does_not_stop_the_others(tmp_path: Path) -> None:
    vault, remote = archive(tmp_path)
    build_site(vault, config_from_dict({"site": {"search": False}}), search=False)
    config = config_from_dict(
        {
            "targets": {
                "small-pages": {
                    "type": "folder",
                    "folder": str(tmp_path / "small"),
                    "max_files": 3,
                },
                "big": {"type": "folder", "folder": str(tmp_path / "big")},
                "host": {"type": "git", "remote": str(remote)},
            }
        }
    )
    report = publish_vault(vault, config, now=NOW)
    assert {t.name: t.status for t in report.targets} == {
        "small-pages": "skipped",
        "big": "ok",
        "host": "ok",
    }
    assert not (tmp_path / "small").exists() and (tmp_path / "big" / "index.html").is_file()
    assert sh(remote, "rev-parse", "main") == sh(vault.root, "rev-parse", "HEAD")


def test_a_big_file_in_unpushed_history_is_caught(tmp_path: Path) -> None:
    """GitHub rejects a push carrying a blob over 100 MB even when a later commit deleted
    it: the objects a push sends are measured, not only the tree."""
    vault, remote = archive(tmp_path)
    big = vault.assets_dir / "big.bin"
    big.parent.mkdir()
    big.write_bytes(b"x" * 50_000)
    commit_archive(vault.root, now=NOW, count_sites=count_sites)
    big.unlink()
    commit_archive(vault.root, now=NOW, count_sites=count_sites)
    usage = measure_git(vault.root)
    assert usage.largest_file == 50_000 and usage.largest_path == "assets/big.bin (in history)"
    config = config_from_dict(
        {"targets": {"host": {"type": "git", "remote": str(remote), "max_file_bytes": 49_999}}}
    )
    report = publish_vault(vault, config, now=NOW)
    assert (
        report.targets[0].status == "skipped" and "assets/big.bin (in history)" in report.errors[0]
    )
    assert not sh(remote, "for-each-ref")


def test_host_limits_are_the_defaults_and_settings_override_them() -> None:
    github = TargetConfig(name="gh", type="git", remote="git@github.com:me/news.git")
    assert host_of(github, "git@github.com:me/news.git") == "github"
    assert limits_for(github, "git@github.com:me/news.git") == {
        "max_dir_entries": 3000,
        "max_file_bytes": 100 * 10**6,
        "max_repo_bytes": 5 * 10**9,
        "max_site_bytes": 0,
        "max_files": 0,
    }
    pages = TargetConfig(
        name="p", type="site-branch", remote="origin", branch="gh-pages", host="github"
    )
    assert limits_for(pages)["max_site_bytes"] == 10**9
    codeberg = TargetConfig(
        name="cb", type="git", remote="https://codeberg.org/me/news.git", max_repo_bytes="1 GiB"
    )
    assert limits_for(codeberg, codeberg.remote)["max_repo_bytes"] == 2**30
    assert (
        limits_for(
            TargetConfig(name="cb", type="git", remote="x"), "https://codeberg.org/me/n.git"
        )["max_repo_bytes"]
        == 750 * 2**20
    )
    cloudflare = TargetConfig(name="cf", type="folder", folder="out", host="cloudflare-pages")
    assert limits_for(cloudflare)["max_files"] == 20_000
    off = TargetConfig(name="x", type="git", remote="git@github.com:a/b.git", max_dir_entries=0)
    assert limits_for(off, off.remote)["max_dir_entries"] == 0
    assert HOST_LIMITS[("github", "archive")]["max_dir_entries"] == 3000


def test_githubs_recommendations_warn_but_do_not_refuse(tmp_path: Path) -> None:
    """3,000 entries per directory is GitHub's advice, not a rule its servers enforce:
    over it, the push goes through with a warning (a target's own limit would refuse)."""
    from newsvault.publish.budget import Usage, check_budget

    target = TargetConfig(name="gh", type="git", remote="git@github.com:me/news.git")
    usage = Usage(dir_entries=5_685, dir_path="_posts", largest_file=10, repo_bytes=10, files=5_685)
    (entries,) = [
        m for m in check_budget(target, usage, target.remote) if m.limit == "max_dir_entries"
    ]
    assert entries.level == "warn" and not entries.hard
    assert "not refused" in entries.message(target) and "migrate-layout" in entries.message(target)
    strict = TargetConfig(name="gh", type="git", remote=target.remote, max_dir_entries=3000)
    (entries,) = [
        m for m in check_budget(strict, usage, target.remote) if m.limit == "max_dir_entries"
    ]
    assert entries.level == "over"
    big = Usage(largest_file=101 * 10**6, largest_path="assets/x.bin", repo_bytes=1)
    (largest,) = [
        m for m in check_budget(target, big, target.remote) if m.limit == "max_file_bytes"
    ]
    assert largest.level == "over"  # GitHub rejects such a push: refused


def test_the_older_publish_keys_become_one_target_each() -> None:
    from newsvault.errors import ConfigError
    from newsvault.publish.publisher import publish_targets

    config = config_from_dict(
        {
            "publish": {
                "git": True,
                "remote": "up",
                "branch": "main",
                "site_branch": "gh-pages",
                "site_history": True,
                "site_folder": "/srv/www",
            },
            "targets": {"codeberg": {"type": "git", "remote": "cb"}},
        }
    )
    got = [(t.name, t.type, t.remote, t.branch, t.folder) for t in publish_targets(config)]
    assert got == [
        ("archive", "git", "up", "main", ""),
        ("site-branch", "site-branch", "up", "gh-pages", ""),
        ("site-folder", "folder", "", "", "/srv/www"),
        ("codeberg", "git", "cb", "", ""),
    ]
    assert publish_targets(config)[1].history
    assert [
        t.name for t in publish_targets(config_from_dict({"publish": {"git": True, "push": False}}))
    ] == []
    with pytest.raises(ConfigError, match="taken by the"):
        publish_targets(
            config_from_dict(
                {
                    "publish": {"site_folder": "x"},
                    "targets": {"site-folder": {"type": "folder", "folder": "y"}},
                }
            )
        )


def test_the_cached_git_measure_follows_new_commits_exactly(tmp_path: Path) -> None:
    """An hourly run measures only what changed since the last measure; after adds, new
    folders, deletes that empty a folder, it agrees with measuring from scratch."""
    root = tmp_path / "v"
    sh(tmp_path, "init", "-q", "-b", "main", str(root))
    cache = tmp_path / "budget-git.json"
    steps = [
        ({"_posts/2021/a.md": 10, "_posts/2021/b.md": 20, "README.md": 5}, []),
        ({"_posts/2022/c.md": 30, "_posts/2022/d.md": 1, "assets/img/x.png": 7}, []),
        ({"_posts/2023/e.md": 3}, ["_posts/2021/a.md", "_posts/2021/b.md"]),  # 2021/ goes
        ({"_posts/2023/f/g.md": 4}, ["assets/img/x.png"]),
    ]
    for added, removed in steps:
        for rel, size in added.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(b"x" * size)
        for rel in removed:
            (root / rel).unlink()
        sh(root, "add", "-A")
        sh(root, "commit", "-q", "-m", "step")
        cached, fresh = measure_git(root, cache=cache), measure_git(root)
        assert (cached.dir_entries, cached.dir_path, cached.files, cached.repo_bytes) == (
            fresh.dir_entries,
            fresh.dir_path,
            fresh.files,
            fresh.repo_bytes,
        )
        assert cached.largest_file >= fresh.largest_file  # a deleted big file still counts
    import json

    dirs = json.loads(cache.read_text())["dirs"]
    assert "_posts/2021" not in dirs and "assets/img" not in dirs and "assets" not in dirs
    assert dirs["_posts"] == 2 and dirs["_posts/2023"] == 2 and dirs["."] == 2
