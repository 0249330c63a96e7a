"""The hourly workflow installs the newsvault that wrote it (``newsvault.installed``).

The end-to-end test clones this repository (its committed HEAD) into a temporary
folder, installs it from that git repository into a fresh virtual environment, runs that
newsvault's ``init``, and installs the spec the written workflow names into a second fresh
environment. No network: pip runs with ``--no-index --no-deps --no-build-isolation``;
the new environments see the test environment's packages (newsvault's dependencies and
setuptools) through a ``.pth`` line, after their own. newsvault itself is not visible that
way: its editable install works through a ``.pth`` file, which Python only reads in real
site folders.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from automation_helpers import isolate_git, sh
from newsvault import __version__
from newsvault.installed import spec_from_direct_url
from newsvault.scaffold import WORKFLOW_PATH
from paths import REPO


def fresh_venv(where: Path) -> Path:
    """A new environment without pip; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib.stdout.strip()) / "zz_borrowed.pth").write_text(
        "\n".join(sorted(borrowed)) + "\n"
    )
    return python


def pip_install(python: Path, spec: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--ignore-installed",
            spec,
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def installed_origin(python: Path) -> dict:
    """Where newsvault is imported from in ``python``'s environment, and its PEP 610 record."""
    code = (
        "import importlib.metadata as m, json, newsvault; print(json.dumps({'file': "
        "newsvault.__file__, 'direct': json.loads(m.distribution('newsvault')"
        ".read_text('direct_url.json'))}))"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_workflow_spec_installs_newsvault_in_a_fresh_venv(tmp_path: Path, monkeypatch) -> None:
    isolate_git(monkeypatch, tmp_path)
    source = tmp_path / "newsvault-src"
    subprocess.run(["git", "clone", "-q", str(REPO), str(source)], check=True)
    commit = sh(source, "rev-parse", "HEAD")

    # a keeper installs newsvault from its git repository and sets a vault up
    first = fresh_venv(tmp_path / "keeper-venv")
    pip_install(first, f"newsvault @ git+file://{source}")
    assert installed_origin(first)["file"].startswith(str(tmp_path / "keeper-venv"))
    done = subprocess.run(
        [str(first.parent / "newsvault"), "init", str(tmp_path / "vault")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    workflow = (tmp_path / "vault" / WORKFLOW_PATH).read_text(encoding="utf-8")
    spec = yaml.safe_load(workflow)["env"]["NEWSVAULT_PACKAGE"]
    assert spec == f"newsvault @ git+file://{source}@{commit}"  # the commit, not a branch
    assert f"git repository file://{source}, commit {commit}" in workflow  # the comment says so

    # the runner installs exactly that spec into its own fresh environment
    runner = fresh_venv(tmp_path / "runner-venv")
    pip_install(runner, spec)
    origin = installed_origin(runner)
    assert origin["file"].startswith(str(tmp_path / "runner-venv"))
    assert origin["direct"]["vcs_info"]["commit_id"] == commit
    version = subprocess.run(
        [str(runner.parent / "newsvault"), "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in version.stdout


def test_an_index_install_is_a_version_pin() -> None:
    spec = spec_from_direct_url(None, "0.3.1")
    assert (spec.requirement, spec.portable) == ("newsvault==0.3.1", True)


def test_a_git_install_names_the_commit_and_what_was_asked_for() -> None:
    spec = spec_from_direct_url(
        {
            "url": "https://example.org/me/newsvault.git",
            "vcs_info": {"vcs": "git", "commit_id": "ab12" * 10, "requested_revision": "v0.2.0"},
            "subdirectory": "py",
        },
        "0.2.0",
    )
    assert spec.requirement == (
        f"newsvault @ git+https://example.org/me/newsvault.git@{'ab12' * 10}#subdirectory=py"
    )
    assert "v0.2.0" in spec.origin and spec.portable


def test_an_archive_url_is_kept_and_a_local_one_is_flagged() -> None:
    url = "https://example.org/newsvault-0.2.0-py3-none-any.whl"
    assert spec_from_direct_url({"url": url, "archive_info": {}}, "0.2.0").requirement == (
        f"newsvault @ {url}"
    )
    local = spec_from_direct_url(
        {"url": "file:///tmp/newsvault-0.2.0.whl", "archive_info": {}}, "0.2.0"
    )
    assert not local.portable


def test_a_local_folder_becomes_its_origin_at_its_commit(tmp_path: Path, monkeypatch) -> None:
    isolate_git(monkeypatch, tmp_path)
    folder = tmp_path / "checkout"
    folder.mkdir()
    sh(folder, "init", "-q")
    (folder / "f").write_text("x")
    sh(folder, "add", "f")
    sh(folder, "commit", "-q", "-m", "one")
    commit = sh(folder, "rev-parse", "HEAD")
    direct = {"url": f"file://{folder}", "dir_info": {"editable": True}}
    alone = spec_from_direct_url(direct, "0.1.0")  # no origin: only this machine has it
    assert alone.requirement == f"newsvault @ file://{folder}" and not alone.portable
    sh(folder, "remote", "add", "origin", "git@example.org:me/newsvault.git")
    spec = spec_from_direct_url(direct, "0.1.0")
    assert spec.requirement == f"newsvault @ git+ssh://git@example.org/me/newsvault.git@{commit}"
    assert spec.portable


def test_init_says_when_the_workflow_would_install_from_this_machine(
    tmp_path: Path, monkeypatch
) -> None:
    from newsvault import scaffold

    here = spec_from_direct_url({"url": f"file://{tmp_path}/src", "dir_info": {}}, "0.1.0")
    monkeypatch.setattr(scaffold, "install_spec", lambda: here)
    report = scaffold.scaffold_vault(tmp_path / "v", git_init=False)
    assert [n for n in report.notes if "NEWSVAULT_PACKAGE" in n and f"{tmp_path}/src" in n]
    text = (tmp_path / "v" / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert f'NEWSVAULT_PACKAGE: "newsvault @ file://{tmp_path}/src"' in text

    monkeypatch.setattr(scaffold, "install_spec", lambda: spec_from_direct_url(None, "0.1.0"))
    report = scaffold.scaffold_vault(tmp_path / "w", git_init=False)
    assert not [n for n in report.notes if "NEWSVAULT_PACKAGE" in n]
