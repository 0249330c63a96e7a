"""Mistakes a user makes on the command line: one clear line, the documented exit status,
no traceback, nothing created, and under ``--json`` the error as JSON on stdout."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from automation_helpers import newsvault_cmd, newsvault_env
from newsvault.clock import parse_duration
from newsvault.errors import UsageError
from newsvault.lock import VaultLock
from newsvault.runner import MIN_INTERVAL
from newsvault.vault import Vault


def nv(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        newsvault_cmd(*args),
        env=newsvault_env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    (root / "subs.json").write_text("[]")
    return root


def assert_user_error(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http"])
def test_serve_refuses_a_port_out_of_range(vault: Path, port: str) -> None:
    done = nv("serve", "--vault", str(vault), "--port", port)
    assert_user_error(done, 2, "--port")
    assert "65535" in done.stderr or "not a valid integer" in done.stderr


def test_serve_refuses_a_zero_idle_timeout(vault: Path) -> None:
    assert_user_error(
        nv("serve", "--vault", str(vault), "--idle-timeout", "0"), 2, "--idle-timeout"
    )


@pytest.mark.parametrize("every", ["1s", "59", "0.5m"])
def test_run_every_refuses_less_than_a_minute(vault: Path, every: str) -> None:
    done = nv("run", "--vault", str(vault), "--every", every)
    assert_user_error(done, 2, f"--every: {every!r} is too short", "60s")
    assert not (vault / ".newsvault").exists()  # refused before anything ran


@pytest.mark.parametrize("text,seconds", [("1m", 60), ("60", 60), ("90s", 90), ("1h", 3600)])
def test_run_every_minimum_accepts_a_minute_and_more(text: str, seconds: float) -> None:
    assert parse_duration(text, minimum=MIN_INTERVAL) == seconds


def test_deadline_has_no_minimum() -> None:
    assert parse_duration("30s", option="--deadline") == 30
    with pytest.raises(UsageError, match="too short"):
        parse_duration("30s", minimum=MIN_INTERVAL)


@pytest.mark.parametrize(
    "command",
    [
        ["add", "https://a.example/f.xml", "--site", "A"],
        ["serve", "--port", "0"],
        ["fetch"],
        ["list"],
        ["status"],
        ["remove", "A"],
        ["build"],
        ["run", "--no-publish"],
        ["migrate-layout"],
    ],
)
def test_commands_other_than_init_create_nothing_in_a_folder_that_is_not_a_vault(
    tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    done = nv(*command, cwd=folder)  # the default --vault is the current folder
    assert_user_error(done, 2, "is not a vault", "newsvault init")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def json_error(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The error object a ``--json`` run printed on stdout (and the plain line on stderr)."""
    data = json.loads(done.stdout)
    assert data["exit_code"] == done.returncode
    assert data["error"]["message"] in done.stderr  # the same words for a human reading the log
    return data["error"]


def test_json_errors_for_usage_config_and_lock(vault: Path, tmp_path: Path) -> None:
    not_a_vault = json_error(nv("fetch", "--json", "--vault", str(tmp_path / "nowhere")))
    assert not_a_vault["type"] == "UsageError" and "is not a vault" in not_a_vault["message"]

    option = nv("serve", "--json", "--vault", str(vault), "--port", "99999")
    assert option.returncode == 2 and json_error(option)["type"] == "UsageError"
    unknown = nv("list", "--json", "--vault", str(vault), "--colour")
    assert unknown.returncode == 2 and "--colour" in json_error(unknown)["message"]

    (vault / "newsvault.toml").write_text("[site]\ntitle = 3\n")
    config = nv("build", "--json", "--vault", str(vault))
    assert config.returncode == 2 and json_error(config)["type"] == "ConfigError"
    assert "newsvault.toml" in json_error(config)["message"]
    (vault / "newsvault.toml").unlink()

    with VaultLock(Vault(vault), command="a test"):
        locked = nv("fetch", "--json", "--vault", str(vault))
    assert locked.returncode == 3 and json_error(locked)["type"] == "LockedError"

    plain = nv("fetch", "--vault", str(tmp_path / "nowhere"))  # without --json: no JSON
    assert plain.returncode == 2 and plain.stdout == ""


def test_json_after_double_dash_is_an_argument_not_the_option(vault: Path) -> None:
    done = nv("remove", "--vault", str(vault), "--", "--json")
    assert_user_error(done, 2, "no subscription has the url or site '--json'")
    assert done.stdout == ""
