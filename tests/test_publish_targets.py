"""One run, several mirrors: two hosts (local bare git repositories) and a real
S3-compatible server process (moto_server), each published independently.

The bucket must hold exactly the built site (same bytes, the right content types and
cache headers, nothing stale); a second run with one new post uploads only what changed;
with the S3 server gone, the git hosts are still published and the failure is reported.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from automation_helpers import (
    GIT_IDENTITY,
    isolate_git,
    newsvault_cmd,
    newsvault_env,
    remote_files,
    sh,
)
from feedmaker import items_for, rss
from s3server import CREDENTIALS, S3Server

NOW = "2030-01-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)


def run(vault: Path, *args: str, now: str = NOW) -> tuple[int, dict]:
    proc = subprocess.run(
        newsvault_cmd("run", "--vault", str(vault), "--now", now, "--json", *args),
        env={**newsvault_env(), **GIT_IDENTITY, **CREDENTIALS},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def digests(files: dict[str, bytes]) -> dict[str, str]:
    return {k: hashlib.md5(v).hexdigest() for k, v in files.items()}


def write_feed(vault: Path, items: list) -> None:
    (vault / "feed.rss").write_text(
        rss("Medium (test)", "https://medium.com/", items), encoding="utf-8"
    )


def make_vault(tmp_path: Path, endpoint: str) -> tuple[Path, Path, Path]:
    host_a, host_b = tmp_path / "host-a.git", tmp_path / "host-b.git"
    for host in (host_a, host_b):
        sh(tmp_path, "init", "-q", "--bare", "-b", "main", str(host))
    vault = tmp_path / "vault"
    out = subprocess.run(
        newsvault_cmd("init", str(vault)),
        env={**newsvault_env(), **GIT_IDENTITY},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    (vault / "newsvault.toml").write_text(
        f"""
[archive]
layout = "year"

[site]
title = "Mirror test"
base_url = "https://a.example"

[targets.host-a]
type = "git"
remote = "{host_a}"
url = "https://a.example/"

[targets.host-b]
type = "git"
remote = "{host_b}"
url = "https://b.example/news/"

[targets.host-b-pages]
type = "site-branch"
remote = "{host_b}"
branch = "gh-pages"

[targets.bucket]
type = "s3"
bucket = "site"
endpoint_url = "{endpoint}"
region = "us-east-1"
url = "https://c.example/"
""",
        encoding="utf-8",
    )
    (vault / "subs.json").write_text(
        json.dumps([{"site": "medium", "url": "feed.rss"}]), encoding="utf-8"
    )
    sh(vault, "add", "newsvault.toml", "subs.json")
    sh(vault, "commit", "-q", "-m", "settings")
    return vault, host_a, host_b


EXPECTED_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "feed.xml": "application/atom+xml; charset=utf-8",
    "sitemap.xml": "application/xml",
    "theme/style.css": "text/css; charset=utf-8",
    "mirrors.json": "application/json",
    "robots.txt": "text/plain; charset=utf-8",
}


@pytest.mark.slow
def test_one_run_publishes_two_git_hosts_and_a_bucket_independently(tmp_path: Path) -> None:
    items = items_for("medium", 6)
    with S3Server() as s3:
        vault, host_a, host_b = make_vault(tmp_path, s3.url)
        write_feed(vault, items[1:])
        bucket = s3.bucket("site")
        s3.client().put_object(Bucket=bucket, Key="old/stale.html", Body=b"from an older site")

        code, report = run(vault)
        assert code == 0, report["publish"]["errors"]
        results = {t["name"]: t for t in report["publish"]["targets"]}
        assert {n: t["status"] for n, t in results.items()} == {
            "host-a": "ok",
            "host-b": "ok",
            "host-b-pages": "ok",
            "bucket": "ok",
        }

        # both hosts hold the archive as committed, in year folders
        posts = sorted(f for f in remote_files(vault) if f.startswith("_posts/"))
        assert len(posts) == 5 and all(p.count("/") == 2 for p in posts)
        for host in (host_a, host_b):
            assert sorted(f for f in remote_files(host) if f.startswith("_posts/")) == posts
        site = site_files(vault / "_site")
        assert sorted(remote_files(host_b, "gh-pages")) == sorted([*site, ".nojekyll"])

        # the bucket holds exactly the site: same keys, same bytes; the stale object is gone
        objects = s3.objects(bucket)
        assert set(objects) == set(site)
        assert all(objects[k]["body"] == data for k, data in site.items())
        for key, kind in EXPECTED_TYPES.items():
            assert objects[key]["type"] == kind, key
        pages = [k for k in objects if k.endswith("/index.html")]
        assert pages and all(objects[k]["type"] == "text/html; charset=utf-8" for k in pages)
        assert objects["index.html"]["cache"] == "public, max-age=300"
        segments = [k for k in objects if k.startswith("search/data/s/")]
        assert segments and all(objects[k]["cache"].endswith("immutable") for k in segments)
        assert objects["search/data/index.json"]["cache"] == "public, max-age=300"
        first = results["bucket"]["result"]
        assert (first["uploaded_new"], first["uploaded_changed"], first["deleted"]) == (
            len(site),
            0,
            1,
        )

        # readers find the other mirrors in every footer and in mirrors.json
        mirrors = json.loads(site["mirrors.json"])["mirrors"]
        assert [m["url"] for m in mirrors] == [
            "https://a.example/",
            "https://b.example/news/",
            "https://c.example/",
        ]
        for key in pages:
            page = site[key].decode("utf-8")
            assert all(f'<a href="{m["url"]}">{m["name"]}</a>' in page for m in mirrors), key

        # a second run with one new post uploads only what changed, and removes what went
        write_feed(vault, items)
        code, report = run(vault, now="2030-01-01T01:00:00Z")
        assert code == 0, report["publish"]["errors"]
        assert report["new_articles"] == 1
        site2 = site_files(vault / "_site")
        before, after = digests(site), digests(site2)
        new = [k for k in after if k not in before]
        changed = [k for k in after if k in before and before[k] != after[k]]
        gone = [k for k in before if k not in after]
        second = {t["name"]: t for t in report["publish"]["targets"]}["bucket"]["result"]
        assert (second["uploaded_new"], second["uploaded_changed"], second["deleted"]) == (
            len(new),
            len(changed),
            len(gone),
        )
        assert second["unchanged"] == len(site2) - len(new) - len(changed)
        assert 0 < second["uploaded_new"] + second["uploaded_changed"]
        # Outside the search index (whose one segment is renamed as a whole while a site is
        # this small), a new post touches few files: its page, lists, feeds, the sitemap.
        pages_sent = [k for k in new + changed if not k.startswith("search/data/")]
        pages_all = [k for k in site2 if not k.startswith("search/data/")]
        assert 0 < len(pages_sent) < len(pages_all) / 2, pages_sent
        objects = s3.objects(bucket)
        assert {k: v["body"] for k, v in objects.items()} == site2

        # the bucket's host goes away: the git hosts are still published, the failure reported
        s3.stop()
        (vault / "feed.rss").write_text(
            (vault / "feed.rss")
            .read_text(encoding="utf-8")
            .replace(
                "</channel>",
                "<item><title>one more</title><link>https://medium.com/@x/one-more</link>"
                "<pubDate>Tue, 01 Jan 2030 01:30:00 GMT</pubDate><description>x</description></item></channel>",
            ),
            encoding="utf-8",
        )
        code, report = run(vault, now="2030-01-01T02:00:00Z")
    assert code == 1
    results = {t["name"]: t for t in report["publish"]["targets"]}
    assert {n: t["status"] for n, t in results.items()} == {
        "host-a": "ok",
        "host-b": "ok",
        "host-b-pages": "ok",
        "bucket": "failed",
    }
    assert "s3://site/" in results["bucket"]["detail"]
    assert any(e.startswith("bucket: ") for e in report["publish"]["errors"])
    head = sh(vault, "rev-parse", "HEAD")
    assert sh(host_a, "rev-parse", "main") == sh(host_b, "rev-parse", "main") == head
    status = subprocess.run(
        newsvault_cmd("status", "--vault", str(vault), "--json"),
        env=newsvault_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    targets = {t["name"]: t for t in json.loads(status.stdout)["targets"]}
    assert targets["bucket"]["last"] == "failed" and targets["host-a"]["last"] == "ok"
    assert {u["limit"] for u in targets["host-a"]["usage"]} >= {"max_dir_entries", "max_repo_bytes"}
