"""Search benchmark: newsvault's index against Pagefind (as newsvault ran it before), side
by side on the same built sites, and a cold-cache query in Chromium on the served site.

Archives are synthesized from the real sample as in ``bench/site.py`` (post *i* is sample
post ``i % 599`` under a new name). For each size: the pages are built once
(``--no-search``), then

* ``index_full``: the whole index from scratch, ``NV_BENCH_REPEAT`` (3) times (once for
  50,000 posts), each in a new process (wall time; CPU time of the process and its
  workers, the robust number on a shared machine; peak RSS of the biggest process; and,
  in one more run, the peak of the sum of the proportional set sizes of the process
  and its workers, sampled every 20 ms); the load average is noted;
* ``index_plus_10``: 10 new posts, dated after all others, indexed incrementally;
* ``pagefind``: Pagefind 1.6 extended over the same pages, in shards of 500 pages as
  newsvault ran it until it had its own index (once; ``NV_BENCH_PAGEFIND_SIZES``);
* ``query_cold`` (the 5,685-post site): each query in a fresh browser context (empty
  cache) on ``newsvault serve``'s server: the time from navigation start to the results
  drawn, the search's own time (from the script's start), and the bytes transferred.

Run: ``python -m bench search`` (``NV_BENCH_SEARCH_SIZES=5685`` to skip 50,000).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.site import REPEAT, SAMPLE, _popen_rss, bench_dir, make_archive

REPO = Path(__file__).resolve().parents[1]
PAGEFIND = (
    REPO / ".tools" / "node_modules" / "@pagefind" / "linux-x64" / "bin" / "pagefind_extended"
)
QUERIES = ["台湾", "國務卿", "历史", "翻墙 软件", "一个", "Blinken", '"Hong Kong"', "言論自由"]

INDEX_RUNNER = """
import json, sys, time
from pathlib import Path
from newsvault.config import load_config
from newsvault.archive.files import post_files
from newsvault.site.posts import PostCache, scan, site_posts
from newsvault.site.permalink import parse_tz
from newsvault.site.parallel import workers
from newsvault.site.search import build_index
from newsvault.vault import Vault
root = Path(sys.argv[1]); vault = Vault(root); site = load_config(root).site
start = time.perf_counter()
cache = PostCache(vault.state_dir / "site" / "posts.pickle")
metas, _ = scan(vault.root, post_files(vault.root), cache)
posts = site_posts(metas, site.permalink, parse_tz(site.permalink_timezone), None, "/")
r = build_index(vault.site_dir, vault.root, posts, parse_tz(site.timezone), site.timezone, "/",
                full=sys.argv[2] == "full", workers=workers(site.workers))
print(json.dumps({"seconds": r.seconds, "with_scan_seconds": time.perf_counter() - start, "posts": r.posts,
                  "indexed": r.indexed, "segments": r.segments, "reused": r.reused}))
"""


def _pss_tree(pid: int) -> int:
    """Proportional set size (kB) of a process and its descendants (shared pages counted once)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _measured(cmd: list[str]) -> dict:
    """Run ``cmd``; its wall time, peak RSS (biggest process) and peak PSS of the whole tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _pss_tree(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {err.decode(errors='replace')[-2000:]}")
    return {
        "wall_seconds": round(wall, 3),
        "peak_tree_pss_mb": round(peak[0] / 1024, 1),
        "stdout": out.decode(),
    }


def _run(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system, the process and the workers it reaped),
    peak RSS (MB, the biggest of them) and stdout of one child, reaped with wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    out, err = proc.stdout.read(), proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode()


def index(root: Path, mode: str) -> dict:
    """One index build in a new process: ``full`` from scratch, or ``incremental``."""
    if mode == "full":
        shutil.rmtree(root / "_site" / "search" / "data", ignore_errors=True)
    wall, cpu, rss, out = _run([sys.executable, "-c", INDEX_RUNNER, str(root), mode])
    return dict(
        json.loads(out),
        wall_seconds=round(wall, 3),
        cpu_seconds=round(cpu, 2),
        peak_rss_mb=round(rss, 1),
    )


def index_tree_memory(root: Path) -> dict:
    shutil.rmtree(root / "_site" / "search" / "data", ignore_errors=True)
    got = _measured([sys.executable, "-c", INDEX_RUNNER, str(root), "full"])
    return {"wall_seconds": got["wall_seconds"], "peak_tree_pss_mb": got["peak_tree_pss_mb"]}


def plus_ten(root: Path, size: int, repeat: int = REPEAT) -> dict:
    """10 new posts dated after all others (as bench/site.py adds them), indexed; REPEAT rounds."""
    newest = sorted(SAMPLE.iterdir())[-10:]
    added = []
    for n, src in enumerate(newest):
        text = re.sub(
            r"(?m)^date: .*$",
            f"date: 2030-01-01T0{n}:00:00.000Z",
            src.read_text(encoding="utf-8"),
            count=1,
        )
        stem, ext = src.name.split("-", 3)[3].rsplit(".", 1)
        added.append(
            (text.encode("utf-8"), root / "_posts" / f"2030-01-01-{stem[:140]} new{n}.{ext}")
        )
    runs = []
    for _ in range(repeat):
        for _data, dst in added:
            dst.unlink(missing_ok=True)
        index(root, "incremental")
        for data, dst in added:
            dst.write_bytes(data)
        runs.append(index(root, "incremental"))
    for _data, dst in added:
        dst.unlink(missing_ok=True)
    index(root, "incremental")
    return _median(runs)


def pagefind(root: Path, shard: int = 500) -> dict:
    """Pagefind over the post pages as newsvault ran it before: shards of ``shard`` pages
    (hard links in a staging folder), one run each; wall time, the biggest run's peak."""
    site = root / "_site"
    pages = sorted(
        p
        for p in site.rglob("index.html")
        if b'class="content"' in p.read_bytes()
        and not p.relative_to(site).as_posix().startswith("search/")
    )
    work = Path(tempfile.mkdtemp(dir=root))
    start, peak, indexed, cpu = time.perf_counter(), 0.0, 0, 0.0
    try:
        for k in range(0, len(pages), shard):
            stage = work / f"site-{k}"
            for page in pages[k : k + shard]:
                dest = stage / page.relative_to(site)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.link(page, dest)
            _wall, used, rss, out = _run(
                [str(PAGEFIND), "--site", str(stage), "--output-path", str(work / f"out-{k}")]
            )
            peak, cpu = max(peak, rss), cpu + used
            found = re.search(r"Indexed (\d+) page", out)
            indexed += int(found.group(1)) if found else 0
            shutil.rmtree(stage)
        size = sum(p.stat().st_size for p in work.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "wall_seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(peak, 1),
        "pages": indexed,
        "shards": -(-len(pages) // shard),
        "index_mb": round(size / 2**20, 1),
    }


def cold_queries(site: Path) -> list[dict]:
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    from newsvault.serve import serve_in_thread

    server, base = serve_in_thread(site)
    out = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for query in QUERIES:
                context = browser.new_context()  # an empty cache
                page = context.new_page()
                sizes: list[int] = []
                page.on(
                    "requestfinished",
                    lambda r, sizes=sizes: sizes.append(
                        r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]
                    ),
                )
                page.goto(base + "search/?q=" + quote(query), wait_until="commit")
                page.wait_for_selector("#search[data-state=done]", timeout=60000)
                page.wait_for_load_state("networkidle")
                run = page.evaluate("window.nvSearchTiming.runs[0]")
                out.append(
                    {
                        "query": query,
                        "hits": run["hits"],
                        "search_ms": round(run["ms"], 1),
                        "navigation_to_results_ms": round(run["at"], 1),
                        "requests": len(sizes),
                        "kb_transferred": round(sum(sizes) / 1024, 1),
                    }
                )
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def _median(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["wall_seconds"])
    return dict(
        ordered[len(ordered) // 2],
        wall_runs=[r["wall_seconds"] for r in runs],
        cpu_runs=[r["cpu_seconds"] for r in runs],
        load_average=round(os.getloadavg()[0], 1),
    )


def main() -> dict:
    sizes = [int(s) for s in os.environ.get("NV_BENCH_SEARCH_SIZES", "599,5685,50000").split(",")]
    with_pagefind = {
        int(s) for s in os.environ.get("NV_BENCH_PAGEFIND_SIZES", "599,5685").split(",") if s
    }
    results: dict = {"machine": f"{os.cpu_count()} cores", "repeat": REPEAT, "cases": {}}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"nv-search-{size}-", dir=bench_dir()) as tmp:
            root = make_archive(Path(tmp), size)
            case: dict = {}
            pages = _popen_rss(
                [
                    sys.executable,
                    "-m",
                    "newsvault",
                    "build",
                    "--vault",
                    str(root),
                    "--no-search",
                    "--json",
                ],
                dict(os.environ, PYTHONPATH=str(REPO / "src")),
            )
            case["pages_build_seconds"] = json.loads(pages[2])["seconds"]
            repeat = 1 if size > 10_000 else REPEAT  # (a 50,000-post case: once, it takes minutes)
            case["index_full"] = _median([index(root, "full") for _ in range(repeat)])
            case["index_full_memory"] = index_tree_memory(root)
            data = root / "_site" / "search" / "data"
            files = [p for p in data.rglob("*") if p.is_file()]
            case["index_files"] = len(files)
            case["index_mb"] = round(sum(p.stat().st_size for p in files) / 2**20, 1)
            case["index_plus_10"] = plus_ten(root, size, repeat)
            if size in with_pagefind and PAGEFIND.is_file():
                case["pagefind"] = pagefind(root)
                case["pagefind_over_index"] = round(
                    case["pagefind"]["wall_seconds"]
                    / statistics.median(case["index_full"]["wall_runs"]),
                    1,
                )
            if size == 5685:
                case["query_cold"] = cold_queries(root / "_site")
            results["cases"][str(size)] = case
            print(size, json.dumps(case, ensure_ascii=False), flush=True)
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, ensure_ascii=False))
