"""Crash safety of revisits (issue 14): ``newsvault revisit`` and ``newsvault run`` are
SIGKILLed at random moments while they revisit, round after round on a simulated clock,
and after each kill and each next run the committed record and the index must be whole.

A real server on 127.0.0.1 serves a feed of 40 articles whose pages change with the
simulated hour: edits, deletions (404, then a verdict), a 410 that comes back (a verdict,
then its clearing), a single 451, and pages that never change. A second vault, never
interrupted, does the same hours through the library: the killed vault must end each
round with exactly its record (every observation, revision and verdict once: nothing
lost, nothing twice) and its index, and every post file byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conftest import REPO
from newsvault.config import load_config
from newsvault.evidence.revisit import revisit_vault
from newsvault.pipeline import fetch_vault
from newsvault.vault import Vault
from servers import start_quiet, stop

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
ARTICLES = 40
ROUNDS = 12  # hours 1..12, every article due in each (the schedule below)
TOML = """[site]
search = false
[fetch]
allow_addresses = ["127.0.0.1"]
retries = 0
[evidence]
schedule = ["1h", "2h", "3h", "4h", "5h", "6h", "7h", "8h", "9h", "10h", "11h", "12h"]
confirm_every = "1h"
min_span = "2h"
"""


class World:
    """What the site serves at the simulated ``hour``."""

    hour = 0
    delay = 0.03  # seconds per page: a pass lasts long enough to be killed inside

    @classmethod
    def page(cls, n: int) -> tuple[int, str]:
        h, kind = cls.hour, n % 5
        text = f"Article {n}: the facts as first reported."
        if kind == 0 and h >= 3:  # edited twice
            text = f"Article {n}: the facts as corrected ({1 if h < 7 else 2})."
        elif kind == 1 and h >= 4:
            return 404, "gone"
        elif kind == 2 and 2 <= h < 9:
            return 410, "gone for a while"
        elif kind == 3 and h == 5:
            return 451, "blocked once"
        return 200, (
            f"<html><body><nav>Updated {h:02d}:00</nav><article><h1>Article {n}</h1>"
            f"<p>{text}</p></article></body></html>"
        )

    @classmethod
    def feed(cls, base: str) -> str:
        items = "".join(
            f"<item><title>Article {n}</title><link>{base}/a/{n}.html</link><guid>g{n}</guid>"
            f"<pubDate>{format_datetime(T0 - timedelta(minutes=n), usegmt=True)}</pubDate>"
            f"<description>summary {n}</description></item>"
            for n in range(ARTICLES)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>S</title>{items}</channel></rss>'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        base = f"http://{self.headers['Host']}"
        if self.path == "/feed.xml":
            status, body, kind = 200, World.feed(base), "application/rss+xml"
        else:
            time.sleep(World.delay)
            status, body = World.page(int(self.path.split("/")[-1].split(".")[0]))
            kind = "text/html; charset=utf-8"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def site() -> Iterator[str]:
    httpd = start_quiet(_Handler)  # quiet: a killed client hangs up
    World.hour = 0
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml"
    finally:
        stop(httpd)


def make(root: Path, feed: str) -> Vault:
    root.mkdir()
    (root / "subs.json").write_text(json.dumps([{"site": "S", "url": feed, "fulltext": "article"}]))
    (root / "newsvault.toml").write_text(TOML)
    return Vault(root)


def command(vault: Vault, name: str, now: datetime) -> list[str]:
    extra = ["--no-publish"] if name == "run" else []
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return [sys.executable, "-m", "newsvault", name, *extra, "--vault", str(vault.root)] + [
        "--now",
        stamp,
        "--json",
    ]


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    out["PYTHONPATH"] = str(REPO / "src")
    return out


def observations_on_disk(vault: Vault) -> int:
    try:
        return (vault.root / "_evidence" / "2024-05.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_inside(vault: Vault, name: str, now: datetime, rng: random.Random) -> tuple[str, bool]:
    """Start ``newsvault NAME`` and SIGKILL its process group at a random moment: after
    a random number of this round's observations were written, or after a random time.
    Returns how, and whether it was still running when killed."""
    before = observations_on_disk(vault)
    proc = subprocess.Popen(
        command(vault, name, now),
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if rng.random() < 0.7:
        target = rng.randrange(0, ARTICLES)
        how = f"after {target} observations"
        deadline = time.monotonic() + 60
        while (
            proc.poll() is None
            and observations_on_disk(vault) - before < target
            and time.monotonic() < deadline
        ):
            time.sleep(0.001)
        time.sleep(rng.random() * 0.02)
    else:
        delay = rng.uniform(0.2, 1.5)  # from the start (imports, the sync) into the pass
        how = f"after {delay:.2f} s"
        time.sleep(delay)
    running = proc.poll() is None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return how, running


def lines(folder: Path) -> tuple[list[dict], list[bytes]]:
    """The objects of a JSON Lines folder, and the lines that do not parse (a torn
    append); a final line without its newline is left out (a reader skips it too)."""
    good: list[dict] = []
    torn: list[bytes] = []
    for path in sorted(folder.glob("*.jsonl")):
        data = path.read_bytes()
        for raw in data[: data.rfind(b"\n") + 1].split(b"\n"):
            if raw.strip():
                try:
                    good.append(json.loads(raw))
                except ValueError:
                    torn.append(raw)
    return good, torn


def canonical(objects: list[dict]) -> Counter[str]:
    return Counter(json.dumps(o, sort_keys=True, ensure_ascii=False) for o in objects)


def index_state(vault: Vault) -> list[tuple]:
    db = sqlite3.connect(vault.index_file)
    try:
        return list(db.execute("SELECT * FROM revisits ORDER BY post"))
    finally:
        db.close()


def problems(vault: Vault, posts: dict[str, bytes]) -> list[str]:
    """What is wrong with the committed record at any moment, even right after a kill."""
    found = []
    evidence, torn = lines(vault.root / "_evidence")
    _prov, torn_prov = lines(vault.root / "_provenance")
    complete = {json.dumps(o, ensure_ascii=False, separators=(",", ":")) for o in evidence}
    found += [f"torn evidence line {t[:60]!r}" for t in torn if not _prefix(t, complete)]
    found += [f"torn provenance line {t[:60]!r}" for t in torn_prov]
    twice = [k for k, n in Counter((o["post"], o["at"]) for o in evidence).items() if n > 1]
    found += [f"two observations of {k}" for k in twice]  # one per post per round
    revisions = Counter(
        (o["post"], o["revision"]["fingerprint"]) for o in evidence if "revision" in o
    )
    found += [f"revision stored twice: {k}" for k, n in revisions.items() if n > 1]
    for o in evidence:
        if "revision" in o:
            path = vault.root / o["revision"]["file"]
            if hashlib.sha256(path.read_bytes()).hexdigest() != o["revision"]["sha256"]:
                found.append(f"revision file {path.name} differs from its line")
    verdicts = Counter((o["post"], o["verdict"]["since"]) for o in evidence if "verdict" in o)
    found += [f"verdict twice: {k}" for k, n in verdicts.items() if n > 1]
    now = {p.name: p.read_bytes() for p in (vault.root / "_posts").glob("*")}
    if now != posts:
        found.append("post files changed")
    return found


def _prefix(raw: bytes, complete: set[str]) -> bool:
    """A torn line is the start of a line written in full later (the revisit retried)."""
    text = raw.decode("utf-8", "replace")
    return any(line.startswith(text) for line in complete)


@pytest.mark.slow
def test_revisits_killed_at_random_moments_lose_and_duplicate_nothing(
    site: str, tmp_path: Path
) -> None:
    rng = random.Random(14)
    killed, reference = make(tmp_path / "killed", site), make(tmp_path / "reference", site)
    config = load_config(reference.root)
    done = subprocess.run(
        command(killed, "run", T0), env=env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    fetch_vault(reference, config, now=T0)
    posts = {p.name: p.read_bytes() for p in (killed.root / "_posts").glob("*")}
    assert len(posts) == ARTICLES
    inside = 0
    for hour in range(1, ROUNDS + 1):
        World.hour, now = hour, T0 + timedelta(hours=hour)
        name = "run" if hour % 3 == 0 else "revisit"
        before = observations_on_disk(killed)
        how, running = kill_inside(killed, name, now, rng)
        written = observations_on_disk(killed) - before
        inside += running and 0 < written < ARTICLES
        print(f"hour {hour}: {name} killed {how}, {written} of {ARTICLES} observations written")
        assert problems(killed, posts) == [], f"hour {hour}: killed {how}"
        done = subprocess.run(
            command(killed, name, now), env=env(), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert (report["revisit"] if name == "run" else report)["left"] == 0  # work completed
        if name == "run":
            fetch_vault(reference, config, now=now)
        revisit_vault(reference, config, now=now)
        assert problems(killed, posts) == [], f"hour {hour}: after the next {name}"
        for folder in ("_evidence", "_provenance"):
            got, want = lines(killed.root / folder)[0], lines(reference.root / folder)[0]
            assert canonical(got) == canonical(want), f"hour {hour} ({how}): {folder} differs"
        assert index_state(killed) == index_state(reference), f"hour {hour} ({how})"
    assert inside >= ROUNDS // 2  # most kills landed while it was revisiting
    evidence = lines(killed.root / "_evidence")[0]
    assert sum("revision" in o for o in evidence) == 2 * (ARTICLES // 5)  # two edits each
    reasons = Counter(o["verdict"]["reason"] for o in evidence if "verdict" in o)
    assert reasons == {"gone": 2 * (ARTICLES // 5)}  # the 404s, and the 410s (cleared later)
    assert sum("cleared" in o for o in evidence) == ARTICLES // 5
    files = {p.relative_to(killed.root).as_posix() for p in killed.root.glob("_revisions/*/*")}
    assert files == {o["revision"]["file"] for o in evidence if "revision" in o}  # no stray
