"""Fetch-stage benchmarks (``python -m bench fetch``).

1. **End to end**: 1,000 RSS feeds of 30 items each, served on loopback with 100 ms of
   latency per response, fetched into a fresh vault by ``fetch_vault`` with the default
   settings (16 concurrent requests, 2 per host), posts written. Every feed is served
   from its own address (127.0.x.y, one listening socket each, all on one port) so the
   per-host limit does not throttle the run and the global limit is what is measured.
   The server is a separate process (raw asyncio, responses pre-rendered); the fetch
   runs in a fresh child process so its peak RSS is its own.
2. **Parser throughput**: entries/second of ``parse_feed`` (lxml adapter) and of
   ``feedparser.parse`` on every fixture feed, median of 5 rounds, side by side.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from bench._corpus import corpus

REPO = Path(__file__).resolve().parents[1]
# Under the repository, not /tmp: on this machine /tmp creates files ~10x slower than
# the disk the vaults live on.
TMP = REPO / "bench" / ".tmp"
FEEDS_DIR = corpus() / "feeds"
N_FEEDS = 1000
N_ITEMS = 30
LATENCY = 0.1
SETTLE_S = 10.0
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def host_of(n: int) -> str:
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


def feed_body(n: int) -> bytes:
    items = []
    for i in range(N_ITEMS):
        date = NOW - timedelta(hours=n % 48, minutes=i * 7)
        paragraphs = "".join(
            f"<p>Paragraph {p} of article {i} in feed {n}: some words about "
            f'the news of the day, <a href="/rel/{p}">a link</a> and '
            f"<b>emphasis</b>.</p>"
            for p in range(6)
        )
        items.append(
            f"<item><title>Feed {n} article {i}: a headline of usual length</title>"
            f"<link>https://site{n}.example.com/news/{i}.html</link>"
            f"<guid>https://site{n}.example.com/news/{i}.html</guid>"
            f"<pubDate>{format_datetime(date, usegmt=True)}</pubDate>"
            f"<dc:creator>Reporter {i % 7}</dc:creator>"
            f"<description><![CDATA[<p>Summary {i}</p>]]></description>"
            f'<content:encoded><![CDATA[<div class="article"><img src="https://img.example.com/{n}/{i}.jpg" '
            f'alt="photo">{paragraphs}</div>]]></content:encoded></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Feed {n}</title><link>https://site{n}.example.com/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def serve(port: int, ready: "multiprocessing.synchronize.Event") -> None:
    """The loopback server: one listening socket per feed address, 100 ms per response."""
    responses = {}
    for n in range(N_FEEDS):
        body = feed_body(n)
        responses[host_of(n)] = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(LATENCY)
                writer.write(responses[host])
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [
            await asyncio.start_server(handle, host_of(n), port, backlog=64) for n in range(N_FEEDS)
        ]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


CLIENT = r"""
import json, resource, sys, time
from datetime import datetime
from pathlib import Path
from newsvault.config import Config
from newsvault.pipeline import fetch_vault
from newsvault.vault import Vault
vault = Vault(Path(sys.argv[1]))
marks = {}
start = time.perf_counter()
def progress(phase, done, total):
    marks[phase + "_done_s"] = round(time.perf_counter() - start, 2)
report = fetch_vault(vault, Config(), now=datetime.fromisoformat(sys.argv[2]), progress=progress)
wall = time.perf_counter() - start
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "new": report.new, "failed": len(report.failed),
                  "errors": [f.error for f in report.failed][:3], "phases": marks,
                  "cpu_main_s": me.ru_utime + me.ru_stime,
                  "cpu_main_user_s": me.ru_utime, "cpu_main_sys_s": me.ru_stime,
                  "cpu_workers_s": kids.ru_utime + kids.ru_stime,
                  "peak_rss_mb": me.ru_maxrss / 1024, "peak_rss_worker_mb": kids.ru_maxrss / 1024,
                  "posts": sum(1 for _ in vault.posts_dir.glob("*.md"))}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def end_to_end(rounds: int = 2) -> dict[str, object]:
    """``rounds`` runs into a fresh vault each (same folder, emptied between runs)."""
    load = os.getloadavg()[0]  # other jobs on the machine, before the server starts
    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, ready), daemon=True)
    server.start()
    runs = []
    try:
        if not ready.wait(120):
            raise RuntimeError("benchmark server did not start")
        for n in range(rounds):
            runs.append(_one_run(port, TMP / f"fetch-vault-{n}"))
    finally:
        server.terminate()
        server.join()
        for n in range(rounds):
            shutil.rmtree(TMP / f"fetch-vault-{n}", ignore_errors=True)
    walls = [r["wall_s"] for r in runs]
    return {
        "feeds": N_FEEDS,
        "items_per_feed": N_ITEMS,
        "latency_ms": LATENCY * 1000,
        "cpus": os.cpu_count(),
        "load_avg_before": round(load, 2),
        "wall_s_median": round(statistics.median(walls), 2),
        "runs": runs,
        "target": "wall < 15 s, peak RSS < 500 MB",
    }


def _one_run(port: int, vault: Path) -> dict[str, object]:
    # A fresh folder per run, all deleted only after the last run: deleting 30,000 files
    # makes this volume (mounted with `discard`) create files several times slower for
    # a while (measured: 30,000 creates took 0.9 s to 17 s of kernel time depending on
    # recent deletions), which must not be charged to the run being measured.
    if vault.exists():
        shutil.rmtree(vault)
    os.sync()
    time.sleep(SETTLE_S)
    vault.mkdir(parents=True)
    subs = [
        {"site": f"Site {n}", "url": f"http://{host_of(n)}:{port}/feed.xml"} for n in range(N_FEEDS)
    ]
    (vault / "subs.json").write_text(json.dumps(subs))
    os.sync()
    result = _client(vault)
    result["articles_per_s"] = result["new"] / result["wall_s"]
    # The hourly case: the same 1,000 feeds again, nothing new (no ETags: full downloads).
    again = _client(vault)
    result["rerun_nothing_new"] = {
        k: again[k] for k in ("wall_s", "new", "cpu_main_s", "peak_rss_mb")
    }
    return _rounded(result)


def _client(vault: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "NO_PROXY": "*"}
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, str(vault), NOW.isoformat()],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def _rounded(data: dict[str, object]) -> dict[str, object]:
    return {
        k: round(v, 2) if isinstance(v, float) else _rounded(v) if isinstance(v, dict) else v
        for k, v in data.items()
    }


def parser_throughput(rounds: int = 5) -> dict[str, object]:
    import feedparser

    from newsvault.fetch.feeds import parse_feed

    bodies = [
        p.read_bytes()
        for p in sorted(FEEDS_DIR.rglob("*"))
        if p.is_file() and p.name not in ("LICENSE", "MANIFEST.json")
    ]

    def ours(data: bytes) -> int:
        try:
            return len(parse_feed(data, url="http://example.org/feed.xml").entries)
        except Exception:
            return 0

    def theirs(data: bytes) -> int:
        return len(feedparser.parse(data).entries)

    out: dict[str, object] = {"feeds": len(bodies), "bytes": sum(map(len, bodies))}
    for name, parse in (("newsvault_lxml", ours), ("feedparser", theirs)):
        times, entries = [], 0
        for _ in range(rounds):
            start = time.perf_counter()
            entries = sum(parse(b) for b in bodies)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        out[name] = {
            "entries": entries,
            "median_s": round(median, 3),
            "entries_per_s": round(entries / median),
        }
    ratio = out["newsvault_lxml"]["entries_per_s"] / out["feedparser"]["entries_per_s"]  # type: ignore[index]
    out["speedup"] = round(ratio, 1)
    return out


def main() -> dict[str, object]:
    sys.path.insert(0, str(REPO / "src"))
    return {"end_to_end": end_to_end(), "parser": parser_throughput()}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
