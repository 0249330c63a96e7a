"""``make demo``: the real job on a bundled example vault, offline.

Creates a vault (default: ``demo/`` in the checkout) whose subscriptions are the feed
files shipped in ``examples/feeds/`` (absolute ``file://`` URLs, written at demo time,
so the demo works from any checkout location), runs ``newsvault run`` on it twice (the
second run finds nothing new: every article is archived exactly once) and says where
the built site is and how to read it.

    python examples/demo.py [--dir DIR] [--fresh]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FEEDS = [  # (file in examples/feeds, site name: the tag and category of its posts)
    ("medium.rss", "medium"),
    ("chinafile.atom", "中参馆"),
    ("yanjing.rss", "燕京书评"),
]
CONFIG = """\
# The demo vault of `make demo` (see examples/demo.py). Publishing is off:
# nothing is committed or pushed.
[site]
title = "newsvault demo"
description = "Example feeds archived by newsvault, offline."
"""


def newsvault_command() -> list[str]:
    """How to call newsvault with this interpreter (the console script when installed)."""
    script = Path(sys.executable).parent / "newsvault"
    if script.exists():
        return [str(script)]
    if importlib.util.find_spec("newsvault") is None:  # a plain checkout, not installed
        return ["env", f"PYTHONPATH={REPO / 'src'}", sys.executable, "-m", "newsvault"]
    return [sys.executable, "-m", "newsvault"]


def make_vault(vault: Path) -> None:
    """Create the demo vault, or refresh its subscriptions (the checkout may have moved)."""
    vault.mkdir(parents=True, exist_ok=True)
    config = vault / "newsvault.toml"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
    subs = [{"site": site, "url": (HERE / "feeds" / name).as_uri()} for name, site in FEEDS]
    (vault / "subs.json").write_text(json.dumps(subs, ensure_ascii=False, indent=2) + "\n",
                                     encoding="utf-8")


def run(vault: Path, *extra: str) -> int:
    cmd = [*newsvault_command(), "run", "--vault", str(vault), "--no-publish", *extra]
    print(f"$ {shlex.join(cmd)}", flush=True)
    return subprocess.run(cmd, env=_env()).returncode


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(REPO / "src")  # a plain checkout works without installing
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run newsvault on the bundled example vault.")
    parser.add_argument("--dir", type=Path, default=REPO / "demo", help="where the demo vault goes")
    parser.add_argument("--fresh", action="store_true", help="start from an empty vault")
    args = parser.parse_args(argv)
    vault = args.dir.resolve()
    if args.fresh and vault.exists():
        shutil.rmtree(vault)
    make_vault(vault)
    code = run(vault)
    if code != 0:
        print(f"demo: newsvault run failed (exit status {code})", file=sys.stderr)
        return code
    print("\nRunning it again: nothing new, nothing archived twice.", flush=True)
    code = run(vault, "-q")
    if code != 0:
        return code
    posts = sorted((vault / "_posts").glob("*.md"))
    serve = shlex.join([*newsvault_command(), "serve", "--vault", str(vault)])
    print(f"""
Done: {len(posts)} articles archived in {vault / '_posts'}
The website is built in {vault / '_site'}
Read it (with search) at http://127.0.0.1:8000/ after starting:

    {serve}

(Ctrl-C stops the server. `make clean` removes the demo.)""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
