"""Growth benchmark: an archive of 200,000 posts in year folders (``python -m bench growth``).

Measured, each step in its own process (wall time and peak RSS from ``wait4``):

* writing the synthetic posts (newsvault's own writer, ``layout = "year"``: ~290 posts a
  day from 2023 on, so two year folders of ~100,000 posts each);
* the index rebuild (``.newsvault/index.sqlite`` deleted first), ``newsvault check``;
* a full site build and an incremental one after 10 new posts (``--no-search``: Pagefind
  over 200,000 pages takes ~17 minutes by itself, see ``bench/results/site.json``, and
  the search engine is being replaced; the pages are what this measures);
* the object storage sync of that incremental build against a real S3-compatible server
  (moto_server on 127.0.0.1). moto accepts ~220 PUTs a second and lists a bucket in time
  that grows with its size (20,000 objects: 29 s), so uploading and listing 220,000
  objects would take most of an hour: the bucket's state after the full build is given
  to the sync as its record of the last sync (what it keeps between runs anyway), and the
  sync then hashes every file of the site, uploads what changed and deletes what went,
  as it does every hour. The full upload's rate is measured on 5,000 files;
* the budget measurements a run makes before publishing (the site folder, and the
  archive as a git branch: ``git ls-tree``, ``rev-list --disk-usage``);
* ``migrate-layout year`` on an archive the size of the real oped2 one (5,685 posts, made
  from the real sample as in ``bench/site.py``): one commit, Jekyll's URLs before and
  after compared (``NV_BENCH_JEKYLL=0`` skips the two Jekyll builds).

``NV_BENCH_GROWTH_POSTS`` changes the size (default 200,000).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.site import JEKYLL, SAMPLE, _popen_rss, bench_dir

REPO = Path(__file__).resolve().parents[1]
POSTS = int(os.environ.get("NV_BENCH_GROWTH_POSTS", "200000"))
OPED2 = 5_685
START = datetime(2023, 1, 1, tzinfo=timezone.utc)
WORDS = "新聞 美國 台灣 中央社 報導 world news report market 經濟 政治 香港 選舉 data".split()


def _env() -> dict[str, str]:
    return dict(
        os.environ,
        PYTHONPATH=str(REPO / "src") + os.pathsep + str(REPO),
        TZ="UTC",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )


def _step(name: str, *args: str) -> dict:
    """``python -m bench.growth --step NAME …`` in a process of its own; its peak RSS is
    the kernel's high-water mark of that process's memory (``VmHWM``, which an exec
    resets: ``wait4``'s ``ru_maxrss`` starts from the parent's size at fork), and its
    worker processes' peak apart."""
    wall, _rss, out = _popen_rss(
        [sys.executable, "-m", "bench.growth", "--step", name, *args], _env()
    )
    return dict(json.loads(out.splitlines()[-1]), wall_seconds=round(wall, 2))


def _newsvault(*args: str) -> dict:
    """A newsvault command as a user runs it, in a process of its own (see :func:`_step`)."""
    got = _step("cli", *args)
    report = got.pop("stdout")
    return dict(got, report=json.loads(report) if report.strip().startswith(("{", "[")) else {})


def step_cli(*args: str) -> dict:
    import contextlib
    import io

    from newsvault.cli import main as newsvault_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            newsvault_main(list(args))
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise RuntimeError(f"newsvault {' '.join(args[:2])} exited {exc.code}") from None
    return {"stdout": out.getvalue()}


def _peak() -> dict:
    with open("/proc/self/status", encoding="ascii") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"peak_rss_mb": round(hwm / 1024, 1), "workers_peak_rss_mb": round(workers / 1024, 1)}


def _article(i: int, rng: random.Random, when: datetime):  # noqa: ANN202 - imported lazily
    from newsvault.models import Article

    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) + f" {i}"
    content = "<p>" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 400))) + "</p>"
    site = f"Source {i % 40}"
    return Article(
        title=title,
        date=when,
        author=site,
        link=f"https://example.org/{i % 40}/{i}",
        site=site,
        content=content,
        ms=int(when.timestamp() * 1000),
        tags=(site,),
        categories=(site,),
    )


# --- steps (each runs in a child process) --------------------------------------------


def step_write(root: str, first: str, count: str, newest: str = "") -> dict:
    from newsvault.archive.store import save_post

    posts = Path(root) / "_posts"
    start, n = int(first), int(count)
    rng = random.Random(start)
    began = time.perf_counter()
    for i in range(start, start + n):
        when = (
            datetime(2030, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=i - start)
            if newest
            else START + timedelta(seconds=298 * i)
        )  # ~290 a day
        save_post(posts, _article(i, rng, when), fsync=False, layout="year")
    took = time.perf_counter() - began
    return {"seconds": round(took, 2), "posts": n, "posts_per_s": round(n / took)}


def step_index(root: str) -> dict:
    from newsvault.archive.index import Index
    from newsvault.vault import Vault

    vault = Vault(Path(root))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{vault.index_file}{suffix}").unlink(missing_ok=True)
    began = time.perf_counter()
    with Index.open(vault) as index:
        count = index.count()
    return {"seconds": round(time.perf_counter() - began, 2), "posts": count}


def step_record(root: str, record: str, prefix: str) -> dict:
    """What the bucket holds after the full build: the site's files, as a sync's record."""
    from newsvault.publish.s3 import _digest, _save_record, local_files

    files = local_files(Path(root) / "_site")
    _save_record(
        Path(record),
        _target(prefix),
        prefix,
        {rel: _digest(path, None) for rel, path in files.items()},
        time.time(),
    )
    return {"objects": len(files)}


def _target(prefix: str = ""):  # noqa: ANN202 - imported lazily
    from newsvault.config import TargetConfig

    return TargetConfig(
        name="bench",
        type="s3",
        bucket="bench",
        prefix=prefix,
        region="us-east-1",
        endpoint_url=os.environ["NV_BENCH_S3"],
    )


def step_sync(folder: str, record: str, prefix: str) -> dict:
    from newsvault.publish.s3 import sync_folder

    began = time.perf_counter()
    result = sync_folder(Path(folder), _target(prefix), record=Path(record) if record else None)
    return {
        "seconds": round(time.perf_counter() - began, 2),
        "uploaded_new": result.uploaded_new,
        "uploaded_changed": result.uploaded_changed,
        "deleted": result.deleted,
        "unchanged": result.unchanged,
        "listed": result.listed,
    }


def step_budget(root: str) -> dict:
    from newsvault.publish.budget import measure_folder, measure_git

    began = time.perf_counter()
    site = measure_folder(Path(root) / "_site")
    site_s = time.perf_counter() - began
    out = {
        "site_seconds": round(site_s, 2),
        "site_files": site.files,
        "site_bytes": site.site_bytes,
        "site_largest_dir": [site.dir_path, site.dir_entries],
    }
    if (Path(root) / ".git").is_dir():
        cache = Path(root) / ".newsvault" / "budget-git.json"
        began = time.perf_counter()
        archive = measure_git(Path(root), cache=cache)  # the first push: every blob is sent
        out.update(
            git_first_seconds=round(time.perf_counter() - began, 2),
            git_files=archive.files,
            git_repo_bytes=archive.repo_bytes,
            git_largest_dir=[archive.dir_path, archive.dir_entries],
        )
        pushed = subprocess.run(
            ["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()  # what the remote has
        step_write(root, str(POSTS + 10), "10", "newest")  # an hour's posts, committed
        _git(Path(root), "add", "-A", "--", "_posts")
        _git(Path(root), "commit", "-q", "-m", "hour")
        began = time.perf_counter()
        hourly = measure_git(Path(root), pushed=pushed, cache=cache)
        out.update(
            git_hourly_seconds=round(time.perf_counter() - began, 2), git_files_after=hourly.files
        )
    return out


# --- the benchmark ---------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@localhost",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@localhost",
    )
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def step_bucket() -> dict:
    from newsvault.publish.s3 import make_client

    make_client(_target()).create_bucket(Bucket="bench")
    return {}


def _moto() -> tuple[subprocess.Popen[bytes], str]:
    """moto_server as the tests start it. Its client (boto3) is imported by the steps only:
    a child's peak RSS starts from its parent's (fork), so this process stays small."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(exe) if exe.exists() else "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    os.environ["NV_BENCH_S3"] = url
    _step("bucket")
    return proc, url


def growth_case(root: Path) -> dict:
    out: dict[str, object] = {"posts": POSTS}
    out["write_posts"] = _step("write", str(root), "0", str(POSTS))
    (root / "newsvault.toml").write_text(
        '[archive]\nlayout = "year"\n[site]\nbase_url = "https://example.org"\n', encoding="utf-8"
    )
    folders = {p.name: sum(1 for _ in p.iterdir()) for p in (root / "_posts").iterdir()}
    out["year_folders"] = folders
    out["index_rebuild"] = _step("index", str(root))
    check = _newsvault("check", "--vault", str(root), "--json")
    out["check"] = {k: check[k] for k in ("wall_seconds", "peak_rss_mb")} | {
        "posts": check["report"]["posts"]
    }
    full = _newsvault("build", "--vault", str(root), "--full", "--no-search", "--json")
    out["site_full_build"] = {k: full[k] for k in ("wall_seconds", "peak_rss_mb")} | {
        k: full["report"][k] for k in ("seconds", "posts", "files", "rendered")
    }
    proc, _url = _moto()
    try:
        record = str(root / ".newsvault" / "s3" / "bench.json")
        out["s3_record_of_full_build"] = _step("record", str(root), record, "site/")
        out["write_10_new_posts"] = _step("write", str(root), str(POSTS), "10", "newest")
        inc = _newsvault("build", "--vault", str(root), "--no-search", "--json")
        out["site_incremental_build_10"] = {k: inc[k] for k in ("wall_seconds", "peak_rss_mb")} | {
            k: inc["report"][k]
            for k in ("seconds", "posts", "parsed", "rendered", "written", "removed")
        }
        out["s3_sync_incremental"] = _step("sync", str(root / "_site"), record, "site/")
        sample = Path(tempfile.mkdtemp(prefix="nv-s3-sample-", dir=root))
        for i, path in enumerate(sorted((root / "_site").rglob("index.html"))[:5000]):
            (sample / f"{i // 1000}" / f"{i}.html").parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, sample / f"{i // 1000}" / f"{i}.html")
        first = _step("sync", str(sample), "", "sample/")
        out["s3_first_upload_5000_files"] = first | {
            "puts_per_s": round(first["uploaded_new"] / first["seconds"])
        }
    finally:
        proc.terminate()
        proc.wait()
    began = time.perf_counter()
    _git(root, "init", "-q")
    _git(root, "add", "-A", "--", "_posts")
    _git(root, "commit", "-q", "-m", "archive")
    out["git_commit_all_seconds"] = round(time.perf_counter() - began, 1)
    out["budget_measure"] = _step("budget", str(root))
    return out


def oped2_case(root: Path) -> dict:
    """An archive the size of oped2 (5,685 posts, flat, committed) → year folders."""
    posts = sorted(SAMPLE.iterdir())
    (root / "_posts").mkdir(parents=True)
    for i in range(OPED2):
        src = posts[i % len(posts)]
        stem, ext = src.name.rsplit(".", 1)
        shutil.copyfile(
            src, root / "_posts" / (src.name if i < len(posts) else f"{stem[:150]} #{i}.{ext}")
        )
    subprocess.run(
        [sys.executable, "-m", "newsvault", "init", str(root)],
        env=_env(),
        check=True,
        capture_output=True,
    )
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "adopted")
    jekyll = os.environ.get("NV_BENCH_JEKYLL", "1") != "0"
    before = _jekyll_urls(root, "before") if jekyll else None
    migrate = _newsvault("migrate-layout", "year", "--vault", str(root), "--json")
    commits = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    after = _jekyll_urls(root, "after") if jekyll else None
    check = _newsvault("check", "--vault", str(root), "--json")
    return {
        "posts": OPED2,
        "migrate_wall_seconds": migrate["wall_seconds"],
        "migrate_peak_rss_mb": migrate["peak_rss_mb"],
        "moved": migrate["report"].get("moved"),
        "commits_after": int(commits),
        "check_posts_after": check["report"]["posts"],
        "jekyll_urls_compared": len(before) if before else None,
        "jekyll_urls_equal": (before == after) if jekyll else None,
    }


def _jekyll_urls(root: Path, name: str) -> list[list[str]]:
    src = root.parent / f"jekyll-{name}"
    src.mkdir()
    os.symlink(root / "_posts", src / "_posts")
    (src / "_config.yml").write_text("permalink: /:year-:month-:day/:title/\n", encoding="utf-8")
    (src / "urls.json").write_text(
        "---\n---\n[{% for p in site.posts %}[{{ p.path | split: '/' | last | jsonify }}, "
        "{{ p.url | jsonify }}]{% unless forloop.last %},{% endunless %}{% endfor %}]\n",
        encoding="utf-8",
    )
    # (not _popen_rss: Jekyll warns on stderr while its stdout is read, and a full pipe stalls it)
    subprocess.run(
        [JEKYLL, "build", "--safe", "-s", str(src), "-d", str(src / "_out")],
        env=_env(),
        capture_output=True,
        check=True,
        timeout=1200,
    )
    return sorted(json.loads((src / "_out" / "urls.json").read_text(encoding="utf-8")))


def main() -> dict:
    began = time.perf_counter()
    where = bench_dir()
    results: dict[str, object] = {
        "machine": f"{os.cpu_count()} cores",
        "folder": where or tempfile.gettempdir(),
    }
    with tempfile.TemporaryDirectory(prefix="nv-growth-", dir=where) as tmp:
        results["oped2_migrate"] = oped2_case(Path(tmp) / "oped2" / "vault")
        print("oped2", json.dumps(results["oped2_migrate"]), flush=True)
    with tempfile.TemporaryDirectory(prefix="nv-growth-", dir=where) as tmp:
        results["growth"] = growth_case(Path(tmp) / "vault")
    results["bench_seconds"] = round(time.perf_counter() - began)
    return results


STEPS = {
    "write": step_write,
    "index": step_index,
    "record": step_record,
    "sync": step_sync,
    "budget": step_budget,
    "bucket": step_bucket,
    "cli": step_cli,
}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--step":
        result = STEPS[sys.argv[2]](*sys.argv[3:])
        print(json.dumps(result | _peak()))
    else:
        print(json.dumps(main(), indent=2))
