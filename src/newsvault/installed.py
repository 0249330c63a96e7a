"""Where the running newsvault was installed from, as a spec ``pip install`` accepts.

The hourly workflow ``newsvault init`` writes must install the same newsvault on
GitHub's runner. A version pin is only right when the package came from an index:
installed from a git repository, a wheel's URL or a local folder, that version exists
nowhere else. pip records the origin in the distribution's ``direct_url.json``
(PEP 610); :func:`install_spec` turns it back into a requirement. Only the standard
library is used, so the answer is the same wherever newsvault runs.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsvault import __version__

__all__ = ["InstallSpec", "install_spec", "spec_from_direct_url"]

NAME = "newsvault"


@dataclass(frozen=True)
class InstallSpec:
    requirement: str  # what pip installs, e.g. "newsvault @ git+https://…@<commit>"
    origin: str  # in words, for the workflow's comment and init's output
    portable: bool  # False: a path on this machine, which GitHub's runner does not have


def install_spec() -> InstallSpec:
    """The spec of the newsvault that is running now."""
    try:
        dist = metadata.distribution(NAME)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return InstallSpec(
            f"{NAME}=={__version__}",
            f"not installed (run from a source tree); version {__version__}",
            True,
        )
    raw = dist.read_text("direct_url.json")
    direct = json.loads(raw) if raw else None
    return spec_from_direct_url(direct, dist.version)


def spec_from_direct_url(direct: dict[str, object] | None, version: str) -> InstallSpec:
    """The requirement for a PEP 610 record (``None``: installed from an index)."""
    if not direct or not isinstance(direct.get("url"), str):
        return InstallSpec(f"{NAME}=={version}", f"version {version} from a package index", True)
    url = str(direct["url"])
    subdir = direct.get("subdirectory")
    fragment = f"#subdirectory={subdir}" if isinstance(subdir, str) and subdir else ""
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id", "")
        asked = vcs.get("requested_revision")
        kind = str(vcs.get("vcs", "git"))
        where = f"{kind} repository {url}, commit {commit}"
        if asked and asked != commit:
            where += f" (asked for {asked})"
        return InstallSpec(
            f"{NAME} @ {kind}+{url}@{commit}{fragment}", where, not url.startswith("file:")
        )
    if isinstance(direct.get("dir_info"), dict):
        return _from_folder(url, fragment)
    return InstallSpec(
        f"{NAME} @ {url}{fragment}", f"the archive {url}", not url.startswith("file:")
    )


def _from_folder(url: str, fragment: str) -> InstallSpec:
    """A local folder (``pip install .`` or ``-e .``). When it is a git checkout whose
    ``origin`` is on a server, the commit it stands at is what the runner can install;
    otherwise the folder itself, which only works on this machine."""
    folder = Path(unquote(urlsplit(url).path))
    remote, commit = _git_origin(folder)
    if remote and commit and not remote.startswith(("/", ".", "file:")):
        if remote.startswith("git@") and ":" in remote:  # scp-like: git@host:owner/repo
            host, path = remote[4:].split(":", 1)
            remote = f"ssh://git@{host}/{path}"
        return InstallSpec(
            f"{NAME} @ git+{remote}@{commit}{fragment}",
            f"the checkout {folder}: its origin {remote}, commit {commit} "
            "(push that commit, or the runner cannot fetch it)",
            True,
        )
    return InstallSpec(f"{NAME} @ {url}{fragment}", f"the folder {folder} on this machine", False)


def _git_origin(folder: Path) -> tuple[str, str]:
    def run(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        return run("remote", "get-url", "origin"), run("rev-parse", "HEAD")
    except OSError:  # no git: the folder is all there is
        return "", ""


if __name__ == "__main__":  # `python -m newsvault.installed`: the spec, for scripts
    print(install_spec().requirement)
