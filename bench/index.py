"""Index rebuild: 100,000 synthetic posts (and the 5,685-post size of a real archive).

Each run happens in a fresh subprocess so its peak RSS (``ru_maxrss``) is its own; the
default rebuild (parallel parsing from 20,000 changed files) is compared with a forced
serial one.
Posts are rendered by newsvault itself with realistic sizes (titles 10-60 characters of
CJK and Latin, 3-30 KB of content), plus render/write throughput for the fetch stage.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = (5_685, 100_000)
RUNS = 3


def _article(i: int, rng: random.Random):  # noqa: ANN202 - newsvault imported lazily
    from newsvault.models import Article

    words = "新聞 美國 台灣 中央社 報導 world news report market 經濟 政治".split()
    title = " ".join(rng.choice(words) for _ in range(rng.randint(3, 10))) + f" {i}"
    date = datetime(2015, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=7 * i)
    content = "<p>" + "內容 text " * rng.randint(300, 3000) + "</p>"
    site = f"Site {i % 40}"
    return Article(
        title=title,
        date=date,
        author=site,
        link=f"https://example.org/{i}?id={i}",
        site=site,
        content=content,
        ms=int(date.timestamp() * 1000),
        tags=(site,),
        categories=(site,),
    )


def make_vault(root: Path, n: int) -> dict[str, float]:
    from newsvault.archive.store import write_post

    posts = root / "_posts"
    posts.mkdir(parents=True)
    rng = random.Random(n)
    start = time.perf_counter()
    for i in range(n):
        write_post(posts, _article(i, rng), fsync=False)
    took = time.perf_counter() - start
    return {"write_posts_per_s": round(n / took)}


def _child(root: str, serial: bool) -> None:
    import resource

    from newsvault.archive import index as index_module
    from newsvault.archive.index import Index

    if serial:
        index_module.PARALLEL_FROM = 10**12
    from newsvault.vault import Vault

    start = time.perf_counter()
    with Index.open(Vault(Path(root))) as index:
        count = index.count()
    took = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(
        json.dumps(
            {"seconds": took, "posts": count, "peak_rss_mb": rss, "worker_peak_rss_mb": children}
        )
    )


def _rebuild(root: Path, serial: bool = False) -> dict[str, float]:
    index_dir = root / ".newsvault"
    for f in index_dir.glob("*"):
        f.unlink()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    mode = "--serial" if serial else "--child"
    out = subprocess.run(
        [sys.executable, "-m", "bench.index", mode, str(root)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> dict[str, object]:
    sys.path.insert(0, str(REPO / "src"))
    results: dict[str, object] = {"cpus": os.cpu_count(), "runs": RUNS}
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            made = make_vault(root, n)
            size_mb = sum(f.stat().st_size for f in (root / "_posts").iterdir()) / 2**20
            runs = [_rebuild(root) for _ in range(RUNS)]
            serial = [_rebuild(root, serial=True) for _ in range(RUNS)]
            results[str(n)] = {
                "posts_mb": round(size_mb, 1),
                "rebuild_median_s": round(statistics.median(r["seconds"] for r in runs), 2),
                "rebuild_runs_s": [round(r["seconds"], 2) for r in runs],
                "rebuild_serial_median_s": round(
                    statistics.median(r["seconds"] for r in serial), 2
                ),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                "serial_peak_rss_mb": max(r["peak_rss_mb"] for r in serial),
                "worker_peak_rss_mb": max(r["worker_peak_rss_mb"] for r in runs),
                **made,
            }
            print(n, results[str(n)], flush=True)
    return results


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--child", "--serial"):
        _child(sys.argv[2], sys.argv[1] == "--serial")
    else:
        print(json.dumps(main(), indent=2))
