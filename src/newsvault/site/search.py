"""The search index: Pagefind, run over the built pages.

Pagefind 1.6 (npm ``pagefind``, binary in ``@pagefind/linux-x64``) segments Chinese
well. PyPI's ``pagefind[bin]`` (1.5.2 here) ships the plain binary, which does not
segment Chinese at all: in our test, 國務卿 and 蓝灯 found nothing. So the extended
binary is required and looked for, in order: ``$NEWSVAULT_PAGEFIND``,
``.tools/node_modules`` of the vault, of the project checkout and of the current folder
(``make`` installs the pinned npm release there), then PyPI's ``pagefind[extended]``.
Only post pages are indexed (their body carries ``data-pagefind-body``).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from newsvault.errors import BuildError

PINNED = "1.6.0"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class SearchResult:
    binary: str
    version: str
    seconds: float
    pages: int


def _npm_platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}-{arch}"


def candidates(vault_root: Path | None = None) -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("NEWSVAULT_PAGEFIND")
    if env:
        found.append(Path(env))
    rel = Path(".tools/node_modules/@pagefind") / _npm_platform() / "bin"
    for root in ([vault_root] if vault_root else []) + [PROJECT_ROOT, Path.cwd()]:
        found += [root / rel / "pagefind_extended", root / rel / "pagefind"]
    try:  # PyPI's pagefind[extended]; plain pagefind[bin] cannot segment Chinese, so not that
        import pagefind_bin_extended  # type: ignore[import-not-found]

        found.append(pagefind_bin_extended.get_executable())
    except (ImportError, FileNotFoundError, AttributeError):
        pass
    return found


def find_pagefind(vault_root: Path | None = None) -> Path:
    """The Pagefind binary to use, or a BuildError that says how to install it."""
    for path in candidates(vault_root):
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise BuildError(
        "Pagefind (extended) not found: run `npm install --prefix .tools pagefind@" + PINNED
        + "` in the project or vault folder, or set NEWSVAULT_PAGEFIND to a pagefind_extended "
        "binary; `newsvault build --no-search` builds without a search index")


def pagefind_version(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"(\d+\.\d+\.\d+)", out.stdout + out.stderr)
    return match.group(1) if match else "unknown"


def build_index(site_dir: Path, vault_root: Path | None = None) -> SearchResult:
    """Run Pagefind over ``site_dir``; the index lands in ``site_dir/pagefind/``."""
    binary = find_pagefind(vault_root)
    start = time.perf_counter()
    proc = subprocess.run([str(binary), "--site", str(site_dir), "--output-subdir", "pagefind"],
                          capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BuildError(f"Pagefind failed on {site_dir} (exit {proc.returncode}): " + " / ".join(tail))
    pages = re.search(r"Indexed (\d+) page", proc.stdout)
    return SearchResult(str(binary), pagefind_version(binary), seconds,
                        int(pages.group(1)) if pages else -1)
