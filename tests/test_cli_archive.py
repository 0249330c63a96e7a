"""The archive commands, run as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REAL_POSTS, REPO, SEED_DIR, make_article
from newsvault.archive.store import write_post
from newsvault.config import Config, config_from_dict
from test_checker import EXPECTED


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, "-m", "newsvault", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_real_sample_json() -> None:
    out = run("check", str(REAL_POSTS), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    expected = EXPECTED["data"]  # counted from the MANIFEST flags
    assert (data["posts"], data["ok"], data["with_warnings"], data["broken"]) == (
        expected.posts,
        expected.ok,
        expected.warnings,
        0,
    )
    assert len(data["problems"]) == data["with_warnings"]


def test_check_exits_1_on_broken_post(tmp_path: Path) -> None:
    posts = tmp_path / "_posts"
    posts.mkdir()
    write_post(posts, make_article())
    (posts / "2021-01-01-bad.md").write_text(
        '---\ntitle: "C:\\dir"\ndate: 2021-01-01T00:00:00Z\n---\nx\n', encoding="utf-8"
    )
    out = run("check", "--vault", str(tmp_path))
    assert out.returncode == 1
    assert (
        "BROKEN  _posts/2021-01-01-bad.md: front matter is not valid YAML: unescaped backslash in "
        "title"
    ) in out.stdout
    assert "2 posts: 1 ok, 0 with warnings, 1 broken" in out.stdout


def test_init_new_vault_and_never_overwrite(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    out = run("init", str(vault))
    assert out.returncode == 0, out.stderr
    examples = json.loads((vault / "subs.json").read_text())  # the automation stage's examples
    assert examples and all(set(s) >= {"site", "url"} for s in examples)
    assert (vault / "_posts").is_dir() and (vault / ".newsvault" / "index.sqlite").exists()
    text = (vault / "newsvault.toml").read_text(encoding="utf-8")
    # everything commented (defaults), except committing posts in the new git repository
    # and year folders for a new archive
    assert tomllib.loads(text) == {"archive": {"layout": "year"}, "publish": {"git": True}}
    assert (vault / ".git").is_dir()
    # the other settings are the defaults, commented out (tests/test_config.py: each one)
    text = re.sub(r"^(git = true|layout = \"year\").*$", "", text, flags=re.M)
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and "=" in line or line.startswith("# [") else line
        for line in text.splitlines()
    )
    assert config_from_dict(tomllib.loads(uncommented)) == Config()
    (vault / "subs.json").write_text('[{"site": "A", "url": "https://a.org/feed"}]')
    again = run("init", str(vault))
    assert again.returncode == 0 and "kept    subs.json" in again.stdout
    assert "a.org" in (vault / "subs.json").read_text()


def test_init_adopts_an_old_archive(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / "_posts").mkdir(parents=True)
    for f in sorted(REAL_POSTS.iterdir())[:25]:
        shutil.copyfile(f, old / "_posts" / f.name)
    (old / "subs.json").write_text('[{"site": "x", "url": "https://x.org/rss"}]\n')
    out = run("init", "--vault", str(old), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["adopted"] and data["posts"] == 25
    assert data["created"] == [
        ".gitignore",
        ".gitattributes",
        "README.md",
        ".github/workflows/newsvault.yml",
        "newsvault.toml",
    ] and data["kept"] == ["subs.json"]


def test_import_copies_skips_and_reports(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    assert run("init", str(vault)).returncode == 0
    src = tmp_path / "src" / "_posts"
    src.mkdir(parents=True)
    names = [f.name for f in sorted(REAL_POSTS.iterdir())[:12]]
    for name in names:
        shutil.copyfile(REAL_POSTS / name, src / name)
    seed = next(SEED_DIR.glob("*.md"))
    shutil.copyfile(seed, vault / "_posts" / seed.name)  # already in the vault
    shutil.copyfile(seed, src / "2021-01-27-same article other name.md")
    (src / "2021-01-01-bad.md").write_text("no front matter\n", encoding="utf-8")
    out = run("import", str(src.parent), "--vault", str(vault), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["copied"], data["skipped"], data["broken"]) == (12, 1, 1)
    # a new vault has year folders: imported posts go there
    for name in names:
        assert (vault / "_posts" / name[:4] / name).read_bytes() == (REAL_POSTS / name).read_bytes()
    again = json.loads(run("import", str(src), "--vault", str(vault), "--json").stdout)
    assert (again["copied"], again["skipped"]) == (0, 13)


def test_check_outside_a_vault_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# not a post\n", encoding="utf-8")
    out = run("check", cwd=tmp_path)
    assert out.returncode == 2
    assert "has no _posts/ folder" in out.stderr and "Traceback" not in out.stderr


def test_other_stages_can_register_init_files(tmp_path: Path) -> None:
    from newsvault import init as vaultinit

    saved = list(vaultinit.VAULT_FILES)
    try:
        vaultinit.register_vault_file(".github/workflows/x.yml", lambda v: f"# {v.root.name}\n")
        report = vaultinit.init_vault(tmp_path / "v")
    finally:
        vaultinit.VAULT_FILES[:] = saved
    assert ".github/workflows/x.yml" in report.created
    assert (tmp_path / "v" / ".github" / "workflows" / "x.yml").read_text() == "# v\n"
