"""``make demo``: the real job on a bundled example vault, offline.

    python examples/demo.py [DIR]      (default: demo/ in the checkout)

1. ``newsvault init DIR``: a fresh vault (config, subs.json, .gitignore, README, workflow).
2. ``newsvault import examples/archive``: adopt twelve posts the reference system wrote.
3. Subscribe to the feed files shipped in ``examples/feeds/`` (absolute ``file://`` URLs
   written now, so the demo works from any checkout location; no network).
4. ``newsvault run``: fetch, archive, build the site; then once more (nothing new:
   every article is archived exactly once).
5. Say where the site is and how to ``serve`` it.
"""

from __future__ import annotations

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


def newsvault_command() -> list[str]:
    """How to call newsvault with this interpreter (the console script when installed)."""
    script = Path(sys.executable).parent / "newsvault"
    if script.exists():
        return [str(script)]
    if importlib.util.find_spec("newsvault") is None:  # a plain checkout, not installed
        return ["env", f"PYTHONPATH={REPO / 'src'}", sys.executable, "-m", "newsvault"]
    return [sys.executable, "-m", "newsvault"]


def newsvault(*args: str) -> int:
    cmd = [*newsvault_command(), *args]
    print(f"\n$ {shlex.join(cmd)}", flush=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p)
    return subprocess.run(cmd, env=env).returncode


def subscribe(vault: Path) -> None:
    subs = [{"site": site, "url": (HERE / "feeds" / name).as_uri()} for name, site in FEEDS]
    (vault / "subs.json").write_text(
        json.dumps(subs, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"\nsubs.json: {len(subs)} feeds from examples/feeds/ (file:// URLs, offline)")


def set_title(vault: Path) -> None:
    config = vault / "newsvault.toml"
    config.write_text(
        '[site]\ntitle = "newsvault demo"\n\n'
        + config.read_text(encoding="utf-8").replace('# [site]\n# title = "newsvault"\n', ""),
        encoding="utf-8",
    )


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve() if argv else REPO / "demo"
    if root.exists():
        if not (root / ".newsvault").is_dir():
            print(f"{root} exists and is not a demo vault; not touching it", file=sys.stderr)
            return 1
        shutil.rmtree(root)
    steps = [
        lambda: newsvault("init", str(root)),
        lambda: newsvault("import", "--vault", str(root), str(HERE / "archive")),
        lambda: (set_title(root), subscribe(root), 0)[-1],
        lambda: newsvault("run", "--vault", str(root), "--no-publish"),
        lambda: newsvault("run", "--vault", str(root), "--no-publish"),
    ]
    for step in steps:
        code = step()
        if code != 0:
            print(f"demo: a step failed (exit status {code})", file=sys.stderr)
            return code
    posts = sorted((root / "_posts").rglob("*.md"))  # in year folders
    serve = shlex.join([*newsvault_command(), "serve", "--vault", str(root)])
    print(f"""
Done: {len(posts)} articles in {root / "_posts"}
The website is built in {root / "_site"}
Read it (with search) at http://127.0.0.1:8000/ after starting:

    {serve}

(Ctrl-C stops the server. `make clean` removes the demo.)""")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
