"""Crash safety of ``newsvault run``: SIGKILL at random moments while it is fetching.

For each round a fresh vault subscribes to feeds served by a real HTTP server on
127.0.0.1 (with Last-Modified / If-Modified-Since, so a feed cache that is saved too
early would hide articles from the next run). ``newsvault run`` is killed with SIGKILL
at a random moment (after a random number of posts has appeared, or after a random
time), then:

- every post file left behind must read back without broken problems (no partial
  or corrupt post), whatever was interrupted;
- the next, uninterrupted ``run`` must leave exactly the posts of a run that was
  never interrupted (same names, same bytes: every article exactly once) and no
  temporary file.

Usage: python tests/reliability/crash_run.py [--rounds 25] [--seed 1] [-v]
(``make test-reliability``). Exit status 0 when every round passed.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from feedmaker import atom, items_for, rss  # noqa: E402

NOW = "2025-03-01T00:00:00Z"
FEEDS = [  # (file, tag, format): every link-layout source of the real sample
    ("medium.rss", "medium", "rss"),
    ("chinafile.atom", "中参馆", "atom"),
    ("yanjing.rss", "燕京书评", "rss"),
    ("matters.rss", "Matters", "rss"),
    ("huli.atom", "Huli", "atom"),
]


@dataclass(frozen=True)
class Round:
    number: int
    how: str  # "after N posts" / "after T s"
    killed_with_posts: int
    ok: bool
    detail: str = ""


def write_feeds(folder: Path, per_feed: int) -> int:
    """The test feeds; returns the number of items."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, tag, kind in FEEDS:
        items = items_for(tag, per_feed, max_bytes=200_000)
        total += len(items)
        (folder / name).write_text(
            (rss if kind == "rss" else atom)(tag, "https://example.org/", items), encoding="utf-8"
        )
    return total


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def make_vault(path: Path, base_url: str) -> Path:
    path.mkdir(parents=True)
    subs = [{"site": tag, "url": f"{base_url}/{name}"} for name, tag, _ in FEEDS]
    (path / "subs.json").write_text(json.dumps(subs, ensure_ascii=False), encoding="utf-8")
    # The search index is not what is tested here; leaving it out keeps rounds short.
    (path / "newsvault.toml").write_text("[site]\nsearch = false\n", encoding="utf-8")
    return path


def run_cmd(vault: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "newsvault",
        "run",
        "--vault",
        str(vault),
        "--now",
        NOW,
        "--no-publish",
        "-q",
    ]


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO / "src"))


def run_to_end(vault: Path) -> float:
    start = time.monotonic()
    proc = subprocess.run(run_cmd(vault), env=env(), capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}): {proc.stderr.strip()}")
    return time.monotonic() - start


def snapshot(vault: Path) -> dict[str, bytes]:
    posts = vault / "_posts"
    return {p.name: p.read_bytes() for p in posts.iterdir()} if posts.is_dir() else {}


def count_posts(posts: Path) -> int:
    try:
        return sum(1 for n in os.listdir(posts) if n.endswith(".md") and not n.startswith("."))
    except FileNotFoundError:
        return 0


def _semaphores() -> set[str]:
    """Python's named semaphores (``/dev/shm/sem.mp-*``): a killed run must leave none
    (the cleaning workers talk over pipes; a ``concurrent.futures`` pool's semaphores
    outlived its killed resource tracker)."""
    try:
        return {name for name in os.listdir("/dev/shm") if name.startswith("sem.mp-")}
    except OSError:
        return set()


def mapped_semaphores(pgid: int) -> set[str]:
    """The named semaphores the processes of group ``pgid`` have open (they are mapped
    files): on a shared machine other programs make and leak their own, so only these
    can be charged to the run."""
    found: set[str] = set()
    pids = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        found.update(
            line.rsplit("/", 1)[1] for line in maps.splitlines() if "/dev/shm/sem.mp-" in line
        )
    return found


def kill_at(
    vault: Path, rng: random.Random, total: int, duration: float
) -> tuple[str, int, set[str]]:
    """Start a run and SIGKILL it at a random moment; returns (how, posts on disk, the
    named semaphores it left behind)."""
    semaphores = _semaphores()
    # Its own process group, killed as a whole (as systemd or a cancelled CI job does):
    # a helper it started (git, Pagefind) must not outlive it and write into the vault.
    proc = subprocess.Popen(
        run_cmd(vault),
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    posts = vault / "_posts"
    if rng.random() < 0.6:  # inside the writing: after a random number of posts
        target = rng.randrange(0, max(1, total))
        how = f"after {target} posts"
        while proc.poll() is None and count_posts(posts) < target:
            time.sleep(0.0005)
        time.sleep(rng.random() * 0.01)
    else:  # after a random time, mostly while it fetches (the first ~2/3 of a run)
        delay = rng.random() * duration * 0.7
        how = f"after {delay:.3f} s"
        time.sleep(delay)
    held = mapped_semaphores(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    leaked = (_semaphores() - semaphores) & held
    for name in leaked:
        Path("/dev/shm", name).unlink(missing_ok=True)
    return how, count_posts(posts), leaked


def check_posts(vault: Path) -> list[str]:
    """Problems: a post that does not read back, or a leftover temporary file."""
    from newsvault.archive.posts import read_post

    problems = []
    posts = vault / "_posts"
    for path in sorted(posts.iterdir()) if posts.is_dir() else []:
        if path.name.startswith(".") or not path.name.endswith(".md"):
            problems.append(f"stray file {path.name}")
            continue
        post = read_post(path)
        if post.broken or not post.body.endswith("</div>\n"):
            problems.append(f"broken post {path.name}: {[p.message for p in post.problems]}")
    return problems


def one_round(
    number: int,
    work: Path,
    base_url: str,
    reference: dict[str, bytes],
    rng: random.Random,
    duration: float,
) -> Round:
    vault = make_vault(work / f"round{number}", base_url)
    how, n, leaked = kill_at(vault, rng, len(reference), duration)
    if leaked:
        return Round(number, how, n, False, f"left semaphores in /dev/shm: {sorted(leaked)}")
    partial = [p for p in check_posts(vault) if not p.startswith("stray file .")]
    if partial:  # a hidden temp file may remain after SIGKILL; anything else may not
        return Round(number, how, n, False, "after the kill: " + "; ".join(partial[:3]))
    run_to_end(vault)
    leftovers = check_posts(vault)
    got = snapshot(vault)
    if leftovers:
        return Round(number, how, n, False, "after the next run: " + "; ".join(leftovers[:3]))
    if got != reference:
        missing = sorted(set(reference) - set(got))[:3]
        extra = sorted(set(got) - set(reference))[:3]
        changed = sorted(k for k in set(got) & set(reference) if got[k] != reference[k])[:3]
        return Round(
            number, how, n, False, f"differs: missing {missing} extra {extra} changed {changed}"
        )
    shutil.rmtree(vault, ignore_errors=True)
    return Round(number, how, n, True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--items", type=int, default=200, help="items per feed (at most)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="newsvault-crash-") as tmp:
        work = Path(tmp)
        total = write_feeds(work / "feeds", args.items)
        with serve(work / "feeds") as base_url:
            ref_vault = make_vault(work / "reference", base_url)
            duration = run_to_end(ref_vault)
            reference = snapshot(ref_vault)
            if len(reference) < total // 2:
                print(
                    f"reference run archived only {len(reference)} of {total} items",
                    file=sys.stderr,
                )
                return 1
            print(
                f"reference: {len(reference)} posts from {len(FEEDS)} feeds in {duration:.2f} s; "
                f"seed {seed}"
            )
            failed = 0
            for number in range(1, args.rounds + 1):
                result = one_round(number, work, base_url, reference, rng, duration)
                failed += not result.ok
                if args.verbose or not result.ok:
                    state = "ok" if result.ok else "FAILED"
                    print(
                        f"round {number:2}: killed {result.how} ({result.killed_with_posts} "
                        f"posts on disk): {state} {result.detail}"
                    )
    print(f"{args.rounds - failed}/{args.rounds} rounds passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
