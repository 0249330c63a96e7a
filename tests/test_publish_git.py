"""Publishing with real git: a bare remote, clones, races and conflicts."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from automation_helpers import clone, isolate_git, make_remote_and_clone, remote_files, sh
from newsvault.errors import ConfigError, PublishError
from newsvault.publish.archive_branch import commit_archive, push_archive
from newsvault.publish.recovery import git_session, rebase_in_progress, recover_interrupted_rebase
from newsvault.publish.site_branch import deploy_site_branch

NOW = datetime(2021, 1, 28, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)


def _post(vault: Path, name: str, site: str, body: str = "text") -> Path:
    path = vault / "_posts" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"---\ntags: [ {site} ]\n---\n{body}\n", encoding="utf-8")
    return path


def _sites(paths: list[Path]) -> Counter[str]:
    return Counter(p.read_text().split("tags: [ ")[1].split(" ]")[0] for p in paths)


def _push_from_elsewhere(tmp_path: Path, remote: Path, name: str, body: str = "text") -> Path:
    """Another clone archives and pushes a post: the remote moves under our feet."""
    other = clone(tmp_path, remote, "other")
    _post(other, name, "BBC", body=body)
    commit_archive(other, now=NOW, count_sites=_sites)
    push_archive(other, remote="origin")
    return other


def test_commit_new_posts_message_counts_per_source(tmp_path: Path) -> None:
    _, vault = make_remote_and_clone(tmp_path)
    _post(vault, "2021-01-27-a.md", "CNA")
    _post(vault, "2021-01-27-b.md", "CNA")
    _post(vault, "2021-01-27-c.md", "BBC")
    (vault / "notes.txt").write_text("the user's own file, not part of the archive")
    (vault / "_posts" / ".2021-01-27-d.md.123.tmp").write_text("half a post")  # crash leftover
    result = commit_archive(vault, now=NOW, count_sites=_sites)
    assert result is not None
    assert sh(vault, "log", "-1", "--format=%s") == "update 2021-01-28T00:00:00Z"
    body = sh(vault, "log", "-1", "--format=%b")
    assert "3 new articles" in body and "CNA: 2" in body and "BBC: 1" in body
    assert body.index("CNA: 2") < body.index("BBC: 1")
    committed = sh(vault, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert sorted(committed) == [
        "_posts/2021-01-27-a.md",
        "_posts/2021-01-27-b.md",
        "_posts/2021-01-27-c.md",
    ]
    assert "?? notes.txt" in sh(vault, "status", "--porcelain")


def test_nothing_new_makes_no_commit(tmp_path: Path) -> None:
    _, vault = make_remote_and_clone(tmp_path)
    head = sh(vault, "rev-parse", "HEAD")
    assert commit_archive(vault, now=NOW, count_sites=_sites) is None  # no _posts/ at all
    _post(vault, "2021-01-27-a.md", "CNA")
    assert commit_archive(vault, now=NOW, count_sites=_sites) is not None
    head2 = sh(vault, "rev-parse", "HEAD")
    assert head2 != head
    assert commit_archive(vault, now=NOW, count_sites=_sites) is None
    assert sh(vault, "rev-parse", "HEAD") == head2


def test_commit_without_any_identity_uses_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, vault = make_remote_and_clone(tmp_path)
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    _post(vault, "2021-01-27-a.md", "CNA")
    assert commit_archive(vault, now=NOW, count_sites=_sites) is not None
    assert sh(vault, "log", "-1", "--format=%ae") == "newsvault@localhost"


def test_push_plain(tmp_path: Path) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    _post(vault, "2021-01-27-a.md", "CNA")
    commit_archive(vault, now=NOW, count_sites=_sites)
    result = push_archive(vault, remote="origin")
    assert result.pushed and result.attempts == 1 and not result.rebased
    assert "_posts/2021-01-27-a.md" in remote_files(remote)


def test_remote_moved_rebase_keeps_both_sides(tmp_path: Path) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    _push_from_elsewhere(tmp_path, remote, "2021-01-27-theirs.md")
    _post(vault, "2021-01-27-ours.md", "CNA")
    commit_archive(vault, now=NOW, count_sites=_sites)
    result = push_archive(vault, remote="origin", backoff=0)
    assert result.pushed and result.rebased and result.attempts == 2
    files = remote_files(remote)
    assert "_posts/2021-01-27-theirs.md" in files and "_posts/2021-01-27-ours.md" in files
    # history is linear: our update sits on top of theirs, nothing was forced
    log = sh(remote, "log", "--format=%s", "main").splitlines()
    assert log == ["update 2021-01-28T00:00:00Z", "update 2021-01-28T00:00:00Z", "initial"]


def test_same_name_added_on_both_sides_keeps_both(tmp_path: Path) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    other = _push_from_elsewhere(tmp_path, remote, "2021-01-27-same.md", body="their article")
    _post(vault, "2021-01-27-same.md", "CNA", body="our article")
    _post(vault, "2021-01-27-same-2.md", "CNA", body="our earlier clash")  # -2 is taken
    commit_archive(vault, now=NOW, count_sites=_sites)
    result = push_archive(vault, remote="origin", backoff=0)
    assert result.pushed and result.rebased
    assert result.renamed == (("_posts/2021-01-27-same.md", "_posts/2021-01-27-same-3.md"),)
    sh(other, "pull", "-q")
    posts = {p.name: p.read_text() for p in (other / "_posts").iterdir()}
    assert "their article" in posts["2021-01-27-same.md"]
    assert "our earlier clash" in posts["2021-01-27-same-2.md"]
    assert "our article" in posts["2021-01-27-same-3.md"]
    assert sh(vault, "status", "--porcelain") == ""


def test_conflict_that_cannot_be_kept_both_fails_loudly_and_loses_nothing(tmp_path: Path) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    other = clone(tmp_path, remote, "other")
    (other / "README.md").write_text("theirs\n")
    sh(other, "commit", "-qam", "edit readme")
    sh(other, "push", "-q")
    (vault / "README.md").write_text("ours\n")
    sh(vault, "commit", "-qam", "edit readme too")
    _post(vault, "2021-01-27-a.md", "CNA")
    ours = commit_archive(vault, now=NOW, count_sites=_sites)
    assert ours is not None
    with pytest.raises(PublishError, match="README.md.*nothing was lost"):
        push_archive(vault, remote="origin", backoff=0)
    assert sh(vault, "rev-parse", "HEAD") == ours.sha  # rebase aborted, commits intact
    assert (vault / "_posts" / "2021-01-27-a.md").exists()
    assert sh(vault, "status", "--porcelain") == ""


def test_push_failure_that_is_not_a_race_is_reported(tmp_path: Path) -> None:
    _, vault = make_remote_and_clone(tmp_path)
    sh(vault, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    _post(vault, "2021-01-27-a.md", "CNA")
    commit_archive(vault, now=NOW, count_sites=_sites)
    with pytest.raises(PublishError, match="git push to origin main failed"):
        push_archive(vault, remote="origin", backoff=0)


def _site(vault: Path, text: str) -> Path:
    site = vault / "_site"
    (site / "posts").mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(text)
    (site / "posts" / "a.html").write_text("a post")
    return site


@pytest.mark.parametrize("history", [False, True])
def test_site_branch_receives_the_site_without_touching_worktree(
    tmp_path: Path, history: bool
) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    site = _site(vault, "v1")
    (vault / "dirty.txt").write_text("uncommitted work")
    sh(vault, "add", "dirty.txt")  # something staged in the real index
    status_before = sh(vault, "status", "--porcelain")
    first = deploy_site_branch(
        vault, site, branch="gh-pages", message="site 1", history=history, remote="origin"
    )
    assert first.sha and first.pushed
    assert sorted(remote_files(remote, "gh-pages")) == [".nojekyll", "index.html", "posts/a.html"]
    assert sh(vault, "status", "--porcelain") == status_before
    assert sh(vault, "symbolic-ref", "--short", "HEAD") == "main"
    again = deploy_site_branch(
        vault, site, branch="gh-pages", message="site 1b", history=history, remote="origin"
    )
    assert again.sha is None  # unchanged site: no new commit
    (site / "index.html").write_text("v2")
    (site / "posts" / "a.html").unlink()
    second = deploy_site_branch(
        vault, site, branch="gh-pages", message="site 2", history=history, remote="origin"
    )
    assert sorted(remote_files(remote, "gh-pages")) == [".nojekyll", "index.html"]
    assert sh(remote, "show", "gh-pages:index.html") == "v2"
    commits = sh(remote, "rev-list", "--count", "gh-pages")
    assert commits == ("2" if history else "1")
    assert second.sha == sh(remote, "rev-parse", "gh-pages")


def test_site_branch_must_not_be_the_archive_branch(tmp_path: Path) -> None:
    _, vault = make_remote_and_clone(tmp_path)
    with pytest.raises(ConfigError, match="archive's own branch"):
        deploy_site_branch(vault, _site(vault, "x"), branch="main", message="m")


def _start_conflicting_rebase(tmp_path: Path) -> tuple[Path, Path]:
    """A vault left in the middle of a rebase stopped on an add/add post conflict."""
    remote, vault = make_remote_and_clone(tmp_path)
    _push_from_elsewhere(tmp_path, remote, "2021-01-27-same.md", body="their article")
    _post(vault, "2021-01-27-same.md", "CNA", body="our article")
    commit_archive(vault, now=NOW, count_sites=_sites)
    sh(vault, "fetch", "-q")
    proc = subprocess.run(["git", "-C", str(vault), "rebase", "origin/main"], capture_output=True)
    assert proc.returncode != 0 and rebase_in_progress(vault)
    return remote, vault


def test_rebase_left_by_a_killed_run_is_rolled_back_and_publishing_goes_on(tmp_path: Path) -> None:
    remote, vault = _start_conflicting_rebase(tmp_path)
    marker = vault / ".newsvault" / "rebasing"
    marker.parent.mkdir()
    marker.write_text("refs/remotes/origin/main\n")  # what newsvault writes while rebasing
    assert recover_interrupted_rebase(vault, marker) is True
    assert not rebase_in_progress(vault) and not marker.exists()
    assert sh(vault, "symbolic-ref", "--short", "HEAD") == "main"
    result = push_archive(vault, remote="origin", backoff=0, marker=marker)
    assert result.pushed and result.renamed and not marker.exists()
    assert {"_posts/2021-01-27-same.md", "_posts/2021-01-27-same-2.md"} <= set(remote_files(remote))


def test_a_persons_rebase_in_progress_is_never_aborted(tmp_path: Path) -> None:
    _, vault = _start_conflicting_rebase(tmp_path)
    with pytest.raises(PublishError, match="rebase is in progress"):
        recover_interrupted_rebase(vault, vault / ".newsvault" / "rebasing")
    assert rebase_in_progress(vault)


def test_rebase_keeps_the_users_uncommitted_edits(tmp_path: Path) -> None:
    remote, vault = make_remote_and_clone(tmp_path)
    _push_from_elsewhere(tmp_path, remote, "2021-01-27-theirs.md")
    (vault / "README.md").write_text("an edit in progress\n")  # tracked, not committed
    _post(vault, "2021-01-27-ours.md", "CNA")
    commit_archive(vault, now=NOW, count_sites=_sites)
    assert push_archive(vault, remote="origin", backoff=0).rebased
    assert (vault / "README.md").read_text() == "an edit in progress\n"
    assert sh(vault, "status", "--porcelain") == "M README.md"


def test_git_locks_left_by_a_killed_session_are_removed_a_persons_are_not(tmp_path: Path) -> None:
    _, vault = make_remote_and_clone(tmp_path)
    marker = vault / ".newsvault" / "git-session"
    index_lock = vault / ".git" / "index.lock"
    index_lock.write_text("")  # a person's git at work: no marker
    with git_session(vault, marker) as removed:
        assert removed == [] and marker.exists()
    assert index_lock.exists() and not marker.exists()
    marker.write_text("12345\n")  # a session that never ended: it was killed
    (vault / ".git" / "refs" / "heads" / "main.lock").write_text("")
    with git_session(vault, marker) as removed:
        assert sorted(removed) == ["index.lock", "refs/heads/main.lock"]
        _post(vault, "2021-01-27-a.md", "CNA")
        assert commit_archive(vault, now=NOW, count_sites=_sites) is not None


def test_keep_both_uses_the_archives_suffix_rule_and_its_name_limit(tmp_path: Path) -> None:
    """The rebase's ``-N`` name is the store's (``naming.with_suffix``): a name already
    at MAX_NAME_BYTES gets its suffix inside the limit (publish/git had its own rule,
    which made a 242-byte name the file system refuses on some systems)."""
    from newsvault.archive.naming import MAX_NAME_BYTES, with_suffix

    long = "2021-01-27-" + "國" * ((MAX_NAME_BYTES - 14) // 3) + ".md"
    assert len(long.encode()) <= MAX_NAME_BYTES < len(long.encode()) + 2
    remote, vault = make_remote_and_clone(tmp_path)
    other = _push_from_elsewhere(tmp_path, remote, long, body="their article")
    _post(vault, long, "CNA", body="our article")
    commit_archive(vault, now=NOW, count_sites=_sites)
    result = push_archive(vault, remote="origin", backoff=0)
    assert result.renamed == ((f"_posts/{long}", f"_posts/{with_suffix(long, 2)}"),)
    assert len(with_suffix(long, 2).encode()) <= MAX_NAME_BYTES
    sh(other, "pull", "-q")
    assert "our article" in (other / "_posts" / with_suffix(long, 2)).read_text()
