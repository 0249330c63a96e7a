"""Deploying the built site into a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsvault.errors import ConfigError, PublishError
from newsvault.publish.folder import MARKER, deploy_folder, resolve_folder


def _site(root: Path, files: dict[str, str]) -> Path:
    site = root / "_site"
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return site


def test_deploy_replaces_previous_deploy(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    site = _site(vault, {"index.html": "v1", "a/b.html": "b"})
    target = resolve_folder(vault, "../www")
    assert target == tmp_path / "www"
    result = deploy_folder(site, target)
    assert result.files == 3 and (target / "a" / "b.html").read_text() == "b"
    (site / "a" / "b.html").unlink()
    (site / "index.html").write_text("v2")
    deploy_folder(site, target)
    assert (target / "index.html").read_text() == "v2"
    assert not (target / "a" / "b.html").exists()
    assert (target / MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault", "www"]  # no leftovers


def test_refuses_to_replace_a_folder_it_did_not_deploy(tmp_path: Path) -> None:
    site = _site(tmp_path / "vault", {"index.html": "v1"})
    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work")
    with pytest.raises(PublishError, match="refusing"):
        deploy_folder(site, target)
    assert (target / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("setting", [".", "..", "_posts", "_site", "/"])
def test_unsafe_folder_settings_are_config_errors(tmp_path: Path, setting: str) -> None:
    vault = tmp_path / "a" / "vault"
    vault.mkdir(parents=True)
    with pytest.raises(ConfigError):
        resolve_folder(vault, setting)
