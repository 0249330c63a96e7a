"""What publishing costs every hour in an archive of real size (5,685 posts, like oped2).

Real git in a temporary folder: a bare remote and a clone holding 5,685 posts. Medians of
``RUNS`` repetitions of: the hourly no-op (nothing new: ``git add`` + diff over the whole
``_posts/``, no commit), committing and pushing 20 new posts, the same when the remote
moved meanwhile (fetch + rebase + push again), deploying a 6,000-file site as an orphan
``gh-pages`` commit, and taking/releasing the vault lock.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

POSTS = 5_685
NEW = 20
SITE_FILES = 6_000
RUNS = 5
NOW = datetime(2025, 3, 1, tzinfo=timezone.utc)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


def _write_posts(folder: Path, start: int, count: int, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        (folder / f"2020-01-{1 + i % 28:02d}-{tag} article {i}.md").write_text(
            f'---\nlayout: post\ntitle: "{tag} article {i}"\ntags: [ {tag} ]\n---\n'
            + "<div><p>"
            + "內容 text " * 300
            + "</p></div>\n",
            encoding="utf-8",
        )


def _sites(paths: list[Path]) -> Counter[str]:
    return Counter(p.name.split("-")[3].split(" ")[0] for p in paths)


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 4)


def main() -> dict[str, object]:
    from newsvault.lock import VaultLock
    from newsvault.publish.archive_branch import commit_archive, push_archive
    from newsvault.publish.site_branch import deploy_site_branch
    from newsvault.vault import Vault

    os.environ.update(
        {
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "b@example.org",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "b@example.org",
        }
    )
    with tempfile.TemporaryDirectory(prefix="newsvault-bench-") as tmp:
        base = Path(tmp)
        remote, vault, other = base / "remote.git", base / "vault", base / "other"
        _git(base, "init", "-q", "--bare", "-b", "main", str(remote))
        _git(base, "clone", "-q", str(remote), str(vault))
        _write_posts(vault / "_posts", 0, POSTS, "archive")
        commit_archive(vault, now=NOW, count_sites=_sites)
        _git(vault, "push", "-q", "origin", "HEAD:main")
        _git(base, "clone", "-q", str(remote), str(other))
        noop, push, race, deploy, lock = [], [], [], [], []
        next_id = POSTS
        for _ in range(RUNS):
            t = time.perf_counter()
            assert commit_archive(vault, now=NOW, count_sites=_sites) is None
            noop.append(time.perf_counter() - t)

            _write_posts(vault / "_posts", next_id, NEW, "ours")
            next_id += NEW
            t = time.perf_counter()
            commit_archive(vault, now=NOW, count_sites=_sites)
            push_archive(vault, remote="origin", backoff=0)
            push.append(time.perf_counter() - t)

            _git(other, "pull", "-q")
            _write_posts(other / "_posts", next_id, NEW, "theirs")
            next_id += NEW
            commit_archive(other, now=NOW, count_sites=_sites)
            push_archive(other, remote="origin", backoff=0)
            _write_posts(vault / "_posts", next_id, NEW, "ours")
            next_id += NEW
            t = time.perf_counter()
            commit_archive(vault, now=NOW, count_sites=_sites)
            result = push_archive(vault, remote="origin", backoff=0)
            race.append(time.perf_counter() - t)
            assert result.rebased

        site = base / "_site"
        for i in range(SITE_FILES):
            page = site / f"{i // 100}" / f"{i}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f"<html>page {i}</html>")
        for run in range(RUNS):
            (site / "index.html").write_text(f"home {run}")
            t = time.perf_counter()
            deploy_site_branch(vault, site, branch="gh-pages", message="site", remote="origin")
            deploy.append(time.perf_counter() - t)
        for _ in range(200):
            t = time.perf_counter()
            with VaultLock(Vault(vault)):
                pass
            lock.append(time.perf_counter() - t)
    return {
        "posts_in_archive": POSTS,
        "new_posts_per_run": NEW,
        "runs": RUNS,
        "noop_commit_check_s": _median(noop),
        "commit_and_push_s": _median(push),
        "commit_rebase_and_push_s": _median(race),
        "site_files": SITE_FILES,
        "deploy_site_branch_orphan_s": _median(deploy),
        "lock_acquire_release_ms": round(statistics.median(lock) * 1000, 3),
    }
