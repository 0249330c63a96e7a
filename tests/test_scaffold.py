"""The automation files of ``newsvault init``: workflow, .gitignore, README, subs.json."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import click
import pytest
import yaml

from automation_helpers import isolate_git
from newsvault.cli import cli
from newsvault.installed import install_spec
from newsvault.scaffold import WORKFLOW_PATH, scaffold_vault, template_text


def newsvault_invocations(workflow: dict) -> list[list[str]]:
    """Every ``newsvault …`` command line in the workflow's run steps."""
    found = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            for line in str(step.get("run", "")).splitlines():
                words = shlex.split(line)
                if words and words[0] == "newsvault":
                    found.append(words[1:])
    return found


def assert_command_exists(args: list[str]) -> None:
    """Walk the click tree: the command and each option must exist."""
    command: click.Command = cli
    ctx = click.Context(cli)
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        sub = command.get_command(ctx, args[0])
        assert sub is not None, f"no command {args[0]!r}"
        command, args = sub, args[1:]
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for word in args:
        if word.startswith("-"):
            assert word.split("=")[0] in known, f"{command.name} has no option {word}"


def test_workflow_is_valid_yaml_runs_hourly_and_names_real_commands(tmp_path: Path) -> None:
    scaffold_vault(tmp_path, git_init=False)
    workflow = yaml.safe_load((tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as True
    cron = triggers["schedule"][0]["cron"].split()
    assert len(cron) == 5 and cron[0].isdigit() and cron[1:] == ["*", "*", "*", "*"]
    assert workflow["permissions"]["contents"] == "write"
    runs = newsvault_invocations(workflow)
    assert runs and runs[0][0] == "run"
    for args in runs:
        assert_command_exists(args)
    uses = [s.get("uses", "") for j in workflow["jobs"].values() for s in j["steps"]]
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    upload = next(
        s
        for j in workflow["jobs"].values()
        for s in j["steps"]
        if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == "_site"
    # pinned to what this newsvault was installed from (tests/test_install_spec.py)
    assert workflow["env"]["NEWSVAULT_PACKAGE"] == install_spec().requirement
    # the search index is newsvault's own: nothing but the package to install, no Node
    install = "\n".join(s.get("run", "") for j in workflow["jobs"].values() for s in j["steps"])
    assert "npm" not in install and not any("setup-node" in u for u in uses)


def test_the_command_checker_catches_what_does_not_exist() -> None:
    with pytest.raises(AssertionError):
        assert_command_exists(["run", "--hourly"])
    with pytest.raises(AssertionError):
        assert_command_exists(["publish-everything"])
    assert_command_exists(["run", "--every", "1h", "--vault", "."])


def test_new_vault_gets_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch, tmp_path)
    vault = tmp_path / "v"
    vault.mkdir()
    report = scaffold_vault(vault, title="My archive")
    assert set(report.written) == {
        ".gitignore",
        ".gitattributes",
        "README.md",
        "subs.json",
        WORKFLOW_PATH,
    }
    assert report.git_initialized and (vault / ".git").is_dir()
    ignore = (vault / ".gitignore").read_text().splitlines()
    assert "_site/" in ignore and ".newsvault/" in ignore
    assert (vault / "README.md").read_text().startswith("# My archive\n")
    subs = json.loads((vault / "subs.json").read_text(encoding="utf-8"))
    assert subs and all(set(s) >= {"site", "url"} for s in subs)
    assert any(s["site"] == "(臺)中央社CNA" for s in subs)
    # git really ignores the generated state
    (vault / "_site").mkdir()
    (vault / "_site" / "index.html").write_text("x")
    status = subprocess.run(
        ["git", "-C", str(vault), "status", "--porcelain"], capture_output=True, text=True
    ).stdout
    assert "_site" not in status


def test_existing_reference_archive_is_adopted_as_it_is(tmp_path: Path) -> None:
    vault = tmp_path
    (vault / "_posts").mkdir()
    post = vault / "_posts" / "2021-01-27-x.md"
    post.write_text("---\ntitle: x\n---\n")
    subs = '[{"site": "泡泡", "url": "https://www.pao-pao.net/rss.xml"}]'
    (vault / "subs.json").write_text(subs)
    (vault / "README.md").write_text("my archive\n")
    (vault / ".gitignore").write_text("node_modules/\n_site/")
    old = vault / ".github" / "workflows" / "main.yml"
    old.parent.mkdir(parents=True)
    old.write_text("on: push\njobs: {a: {steps: [{run: node perform.js}]}}\n")
    report = scaffold_vault(vault, git_init=False)
    assert (vault / "subs.json").read_text() == subs
    assert (vault / "README.md").read_text() == "my archive\n"
    assert post.read_text() == "---\ntitle: x\n---\n"
    assert set(report.kept) == {"README.md", "subs.json"}
    assert (vault / ".gitignore").read_text() == (
        "node_modules/\n_site/\n# added by newsvault\n.newsvault/\n.tools/\n.*.tmp\n"
    )
    assert (vault / WORKFLOW_PATH).exists()
    assert report.notes and "main.yml" in report.notes[0]


def test_templates_are_package_data() -> None:
    assert "newsvault run" in template_text("workflow.yml")
