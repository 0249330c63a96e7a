"""Site build benchmark: newsvault vs Jekyll on the real sample and on synthetic archives.

Every build runs in its own process, ``newsvault build`` and ``jekyll build`` as a user
runs them, so its peak RSS (``wait4`` rusage) and wall time are its own. Each tool also
reports its own build time, without its start-up (newsvault's ``seconds``, Jekyll's "done
in … seconds"); ratios are given both ways, build to build and process to process.
Synthetic archives are made from the real sample: post *i* is sample post ``i % 599``
under a new file name (its title part gets `` #i``), so every post has its own permalink
and the bodies are real. Jekyll builds the same posts with a trivial layout
(``{{ content }}``): pages only, so the comparison flatters Jekyll, which builds nothing
else; and once more as a site like newsvault's (:data:`SITE_LIKE`).

Both tools build on tmpfs (``/dev/shm``) when there is one: on this VM's ext4 disk the
kernel's cost of creating the ~6,500 folders and 5,500 files of a 5,000-post site swings
between 0.2 and 3 CPU-seconds from one build to the next (it depends on what was deleted
recently), which would drown the difference between the tools. ``NV_BENCH_DIR`` picks
another folder. Each build runs ``NV_BENCH_REPEAT`` (3) times from scratch, newsvault and
Jekyll interleaved so that both meet the same load; medians are reported. Run:
``python -m bench site`` (``NV_BENCH_SIZES=599,5000`` to skip 50,000).
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
import time
from pathlib import Path

from bench._corpus import corpus

REPO = Path(__file__).resolve().parents[1]
SAMPLE = corpus() / "posts" / "real-sample" / "_posts"
JEKYLL = shutil.which("jekyll") or "/usr/bin/jekyll"
REPEAT = int(os.environ.get("NV_BENCH_REPEAT", "3"))


def bench_dir() -> str | None:
    """tmpfs when available and roomy enough (a 50,000-post case needs ~4 GB), else the
    system's temporary folder."""
    chosen = os.environ.get("NV_BENCH_DIR")
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    return str(shm) if os.access(shm, os.W_OK) and st.f_bavail * st.f_frsize > 6 * 2**30 else None


def _popen_rss(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child, reaped with wait4 for its rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out.decode()


def make_archive(root: Path, size: int) -> Path:
    posts = sorted(SAMPLE.iterdir())
    (root / "_posts").mkdir(parents=True)
    for i in range(size):
        src = posts[i % len(posts)]
        if size == len(posts):
            name = src.name
        else:
            stem, ext = src.name.rsplit(".", 1)
            name = f"{stem[:150]} #{i}.{ext}"
        shutil.copyfile(src, root / "_posts" / name)
    (root / "newsvault.toml").write_text(
        '[site]\nbase_url = "https://example.org"\n', encoding="utf-8"
    )
    return root


CODE = REPO / "src"  # replaced by a snapshot in main(): editing the tree must not move the digests


def newsvault_build(root: Path) -> dict:
    """One full build from scratch (no site, no cache; the search index is bench/search.py's)."""
    shutil.rmtree(root / "_site", ignore_errors=True)
    shutil.rmtree(root / ".newsvault", ignore_errors=True)
    return _build(root, "--full")


def _build(root: Path, *options: str) -> dict:
    """``newsvault build`` as a user runs it: its process is the wall time and peak RSS;
    ``seconds`` is the build's own time, which the command reports."""
    report = _run(
        [
            sys.executable,
            "-m",
            "newsvault",
            "build",
            "--vault",
            str(root),
            "--no-search",
            "--json",
            *options,
        ]
    )
    keep = ("seconds", "posts", "files", "rendered", "wall_seconds", "peak_rss_mb")
    return {k: report[k] for k in keep}


def _run(cmd: list[str]) -> dict:
    wall, rss, out = _popen_rss(cmd, dict(os.environ, PYTHONPATH=str(CODE)))
    return dict(json.loads(out), wall_seconds=round(wall, 3), peak_rss_mb=round(rss, 1))


def incremental(root: Path, size: int) -> dict:
    """What an hourly build does: 10 new posts, newer than all others, after a build
    without them; each build in a new process, ``REPEAT`` rounds, the median. The real
    sample's 10 newest posts are taken out and put back (as the acceptance test does);
    bigger archives get copies of them dated after everything else (their originals have
    ~8 or ~80 copies each, all older)."""
    newest = sorted(SAMPLE.iterdir())[-10:]
    if size == len(list(SAMPLE.iterdir())):
        added = [(src.read_bytes(), root / "_posts" / src.name) for src in newest]
    else:
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
    for _ in range(REPEAT):
        for _data, dst in added:
            dst.unlink(missing_ok=True)
        _build(root)
        for data, dst in added:
            dst.write_bytes(data)
        runs.append(_build(root))
    return _median_run(runs)


# A Jekyll site comparable to newsvault's (what the reference's theme does, minus its
# styling): post pages with a layout and neighbours, a front page, tag and category
# indexes and a 100-entry Atom feed (jekyll-feed).
SITE_LIKE = {
    "_config.yml": "permalink: /:year-:month-:day/:title/\nplugins: [jekyll-feed]\nfeed:\n  posts_limit: 100\n",
    "_layouts/default.html": '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ page.title }}'
    '</title></head><body><nav><a href="/">home</a> <a href="/tags/">tags</a></nav>'
    "<main>{{ content }}</main></body></html>",
    "_layouts/post.html": "---\nlayout: default\n---\n<article><h1>{{ page.title }}</h1><p>{{ page.date | date: "
    "'%Y-%m-%d %H:%M' }} · {{ page.tags | first }} · {{ page.author }} · <a href=\"{{ page.from }}\">"
    'original</a></p>{{ content }}</article>{% if page.previous %}<a href="{{ page.previous.url }}">'
    '{{ page.previous.title }}</a>{% endif %}{% if page.next %}<a href="{{ page.next.url }}">'
    "{{ page.next.title }}</a>{% endif %}",
    "index.html": '---\nlayout: default\n---\n<ol>{% for post in site.posts limit:50 %}<li><a href="{{ post.url }}">'
    "{{ post.title }}</a> {{ post.date | date: '%Y-%m-%d' }}</li>{% endfor %}</ol>",
    "tags.html": "---\nlayout: default\npermalink: /tags/\n---\n{% for tag in site.tags %}<h2>{{ tag[0] }}</h2><ol>"
    '{% for post in tag[1] %}<li><a href="{{ post.url }}">{{ post.title }}</a></li>{% endfor %}</ol>{% endfor %}',
    "categories.html": "---\nlayout: default\npermalink: /categories/\n---\n{% for c in site.categories %}<h2>{{ c[0] }}</h2>"
    '<ol>{% for post in c[1] %}<li><a href="{{ post.url }}">{{ post.title }}</a></li>{% endfor %}</ol>{% endfor %}',
}


def jekyll_build(root: Path, site_like: bool = False) -> dict:
    """Jekyll over the same posts: a trivial ``{{ content }}`` layout, or :data:`SITE_LIKE`."""
    # beside the vault, not in it: Jekyll (and newsvault) read every ``*/_posts`` folder
    src = root.parent / ("jekyll-site" if site_like else "jekyll")
    shutil.rmtree(src, ignore_errors=True)
    (src / "_layouts").mkdir(parents=True)
    os.symlink(root / "_posts", src / "_posts")
    files = (
        SITE_LIKE
        if site_like
        else {
            "_config.yml": "permalink: /:year-:month-:day/:title/\n",
            "_layouts/post.html": "{{ content }}",
        }
    )
    for name, text in files.items():
        (src / name).write_text(text, encoding="utf-8")
    env = dict(os.environ, TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    out = root.parent / ("_jekyll_site2" if site_like else "_jekyll_site")
    shutil.rmtree(out, ignore_errors=True)
    wall, rss, log = _popen_rss([JEKYLL, "build", "-s", str(src), "-d", str(out)], env)
    done = re.search(r"done in ([0-9.]+) seconds", log)  # its own time, without Ruby's start-up
    if done is None:
        raise RuntimeError(f"no build time in Jekyll's output: {log[-500:]}")
    return {
        "seconds": float(done.group(1)),
        "wall_seconds": round(wall, 2),
        "peak_rss_mb": round(rss, 1),
    }


def main() -> dict:
    global CODE
    snapshot = tempfile.TemporaryDirectory(prefix="nv-bench-code-")
    CODE = Path(snapshot.name) / "src"
    shutil.copytree(REPO / "src", CODE, ignore=shutil.ignore_patterns("__pycache__"))
    try:
        return _main()
    finally:
        snapshot.cleanup()


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time, plus every run's times."""
    ordered = sorted(runs, key=lambda r: r["wall_seconds"])
    return dict(
        ordered[len(ordered) // 2],
        runs=[r.get("seconds", r["wall_seconds"]) for r in runs],
        wall_runs=[r["wall_seconds"] for r in runs],
    )


def _main() -> dict:
    sizes = [int(s) for s in os.environ.get("NV_BENCH_SIZES", "599,5000,50000").split(",")]
    where = bench_dir()
    results: dict[str, object] = {
        "machine": f"{os.cpu_count()} cores",
        "build_folder": where or tempfile.gettempdir(),
        "repeat": REPEAT,
        "cases": {},
    }
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"nv-bench-{size}-", dir=where) as tmp:
            root = make_archive(Path(tmp) / "vault", size)
            case: dict[str, object] = {}
            jekyll = size <= 5000  # Jekyll on 50,000 posts: ~4 minutes a build
            runs: dict[str, list[dict]] = {
                "newsvault_full": [],
                "jekyll_full_pages_only": [],
                "jekyll_full_site_like": [],
            }
            for _ in range(REPEAT):
                if jekyll:
                    runs["jekyll_full_pages_only"].append(jekyll_build(root))
                    runs["jekyll_full_site_like"].append(jekyll_build(root, site_like=True))
                runs["newsvault_full"].append(newsvault_build(root))
            case["newsvault_full"] = _median_run(runs["newsvault_full"])
            nv = case["newsvault_full"]
            inc = case["newsvault_incremental_10"] = incremental(root, size)
            # the acceptance measure: an hourly build's wall time against a full build's
            case["incremental_over_full"] = round(
                statistics.median(inc["runs"]) / statistics.median(nv["runs"]), 3
            )
            case["incremental_over_full_process"] = round(
                statistics.median(inc["wall_runs"]) / statistics.median(nv["wall_runs"]), 3
            )
            if jekyll:
                for kind in ("pages_only", "site_like"):
                    case[f"jekyll_full_{kind}"] = _median_run(runs[f"jekyll_full_{kind}"])
                    jk = case[f"jekyll_full_{kind}"]
                    # each tool's own build time (as it reports it), and each whole process
                    case[f"jekyll_{kind}_over_newsvault"] = round(
                        statistics.median(jk["runs"]) / statistics.median(nv["runs"]), 1
                    )
                    case[f"jekyll_{kind}_over_newsvault_process"] = round(
                        statistics.median(jk["wall_runs"]) / statistics.median(nv["wall_runs"]), 1
                    )
            results["cases"][str(size)] = case
            print(size, json.dumps(case), flush=True)
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
