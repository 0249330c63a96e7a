"""The search index: Pagefind, run over the built pages.

Pagefind 1.6 (npm ``pagefind``, binary in ``@pagefind/linux-x64``) segments Chinese
well. PyPI's ``pagefind[bin]`` (1.5.2 here) ships the plain binary, which does not
segment Chinese at all: in our test, 國務卿 and 蓝灯 found nothing. So the extended
binary is required and looked for, in order: ``$NEWSVAULT_PAGEFIND``,
``.tools/node_modules`` of the vault, of the project checkout and of the current folder
(``make`` installs the pinned npm release there), then PyPI's ``pagefind[extended]``.
Only post pages are indexed (their body carries ``data-pagefind-body``).

Pagefind holds every indexed page's tokens in memory until it writes the index: with
this long CJK content about 1.5 MB per page (7.8 GB peak for 5,000 posts, whatever the
thread count), too much for a small runner. So the post pages are indexed in shards of
``shard_pages`` (hard links in a staging folder, one Pagefind run each): shard 0 is the
main bundle ``pagefind/``, shard *k* lands in ``pagefind/shard-k/`` and
``pagefind/shards.json`` lists them for the search page, which merges them in the
browser (Pagefind's ``mergeIndex``). Peak memory is then bounded by the shard size, not
the archive size.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from newsvault.errors import BuildError

PINNED = "1.6.0"
SHARD_PAGES = 500  # pages per Pagefind run: ~0.8 GB peak RSS with the real sample's pages
MARKER = b"data-pagefind-body"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class SearchResult:
    binary: str
    version: str
    seconds: float
    pages: int
    reused: int = 0  # shards kept from the last run (their pages had not changed)


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
        import pagefind_bin_extended

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


def searchable_pages(site_dir: Path) -> list[str]:
    """Site-relative paths of the pages Pagefind would index (those with ``data-pagefind-body``)."""
    return [rel for rel, _digest in _searchable(site_dir)]


def _searchable(site_dir: Path) -> list[tuple[str, str]]:
    """(path, sha1 of the bytes) of each page to index, by path."""
    found = []
    for dirpath, dirnames, filenames in os.walk(site_dir):
        rel_dir = os.path.relpath(dirpath, site_dir)
        if rel_dir == "pagefind" or rel_dir.startswith("pagefind" + os.sep):
            dirnames[:] = []
            continue
        for name in filenames:
            if name.endswith(".html"):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as fh:
                    data = fh.read()
                if MARKER in data:
                    found.append((os.path.normpath(os.path.join(rel_dir, name)), hashlib.sha1(data).hexdigest()))
    return sorted(found)


def _fingerprint(version: str, shard: list[tuple[str, str]]) -> str:
    return hashlib.sha1("\n".join([version] + [f"{rel}\0{d}" for rel, d in shard]).encode()).hexdigest()


def _load_state(file: Path | None) -> list[list]:
    try:
        data = json.loads(file.read_text(encoding="utf-8")) if file else []
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _all_pages(site_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(site_dir)) for p in site_dir.rglob("*.html")
                  if p.relative_to(site_dir).parts[0] != "pagefind")


def _run(binary: Path, site: Path, out: Path) -> int:
    """One Pagefind run over ``site``; the number of pages it indexed."""
    proc = subprocess.run([str(binary), "--site", str(site), "--output-path", str(out)],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BuildError(f"Pagefind failed on {site} (exit {proc.returncode}): " + " / ".join(tail))
    pages = re.search(r"Indexed (\d+) page", proc.stdout)
    return int(pages.group(1)) if pages else 0


def _stage(site_dir: Path, stage: Path, rels: list[str]) -> None:
    """Hard-link (or copy, across file systems) ``rels`` into ``stage`` at the same paths."""
    for rel in rels:
        dest = stage / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site_dir / rel, dest)
        except OSError:
            shutil.copyfile(site_dir / rel, dest)


def _prune(shard: Path) -> None:
    """Drop a merged shard's UI scripts and WebAssembly: the browser uses the main bundle's."""
    for entry in shard.iterdir():
        if entry.is_file() and entry.name != "pagefind-entry.json" and entry.suffix != ".pf_meta":
            entry.unlink()


def _work_parent(site_dir: Path, state_file: Path | None) -> Path:
    """Where the staging folder goes: the build's state folder (ignored by git, so a killed
    build leaves nothing a publish could commit) when it is on the site's file system
    (hard links and renames), else beside the site."""
    if state_file is not None:
        try:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            if state_file.parent.stat().st_dev == site_dir.stat().st_dev:
                return state_file.parent
        except OSError:
            pass
    return site_dir.parent


def build_index(site_dir: Path, vault_root: Path | None = None, shard_pages: int = SHARD_PAGES,
                state_file: Path | None = None, reuse: bool = True) -> SearchResult:
    """Index the post pages of ``site_dir`` into ``site_dir/pagefind/`` (sharded, see above).

    With ``state_file`` (the build's cache), a shard whose pages are byte for byte those
    the last run indexed is kept instead of indexed again: new posts sort last, so an
    hourly build re-indexes only the newest shard. ``reuse=False`` indexes everything
    (and still records the shards for the next run)."""
    binary = find_pagefind(vault_root)
    version = pagefind_version(binary)
    start = time.perf_counter()
    pages = _searchable(site_dir)
    size = max(1, shard_pages)
    shards = [pages[i:i + size] for i in range(0, len(pages), size)] or [[]]
    prints = [_fingerprint(version, shard) for shard in shards]
    before = _load_state(state_file) if reuse else []
    target = site_dir / "pagefind"
    work = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=_work_parent(site_dir, state_file)))
    try:
        if target.exists():
            os.replace(target, work / "old")
        indexed, reused, state = 0, 0, []
        for k, shard in enumerate(shards):
            out = work / "out" / (f"shard-{k}" if k else "main")
            old = work / "old" / (f"shard-{k}" if k else "")
            hit = next((e for e in before[k:k + 1] if e[0] == prints[k]), None) if shard else None
            if hit is not None and (old / "pagefind-entry.json").is_file():
                if k == 0:  # the main bundle, without the old shards inside it
                    shutil.copytree(old, out, ignore=lambda d, names: [n for n in names if n.startswith(
                        "shard-") or n == "shards.json"] if Path(d) == old else [], copy_function=os.link)  # noqa: B023 - runs in this iteration
                else:
                    os.replace(old, out)
                indexed += hit[1]
                reused += 1
                state.append(hit)
                continue
            stage = work / f"site-{k}"
            stage.mkdir()
            # no post yet: index the pages there are (Pagefind fails on an empty folder)
            _stage(site_dir, stage, [rel for rel, _d in shard] or _all_pages(site_dir))
            count = _run(binary, stage, out)
            indexed += count
            state.append([prints[k], count])
            shutil.rmtree(stage)
            if k:
                _prune(out)
        main = work / "out" / "main"
        names = [f"shard-{k}/" for k in range(1, len(shards))]
        for name in names:
            os.replace(work / "out" / name.rstrip("/"), main / name.rstrip("/"))
        (main / "shards.json").write_text(json.dumps(names), encoding="utf-8")
        os.replace(main, target)
        if state_file is not None:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            state_file.write_text(json.dumps(state), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return SearchResult(str(binary), version, time.perf_counter() - start, indexed, reused)
