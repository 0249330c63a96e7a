"""The object storage sync against a real S3-compatible server (moto_server), through a
proxy that fails requests now and then (as a busy host does) and records their order."""

from __future__ import annotations

import http.client
import http.server
import threading
from pathlib import Path

import pytest

from newsvault.config import TargetConfig
from newsvault.errors import PublishError
from newsvault.publish.s3 import cache_control, content_type, sync_folder, upload_order
from s3server import S3Server


class FlakyProxy(http.server.ThreadingHTTPServer):
    """Forwards to the S3 server; answers every ``every``-th request with 503 SlowDown
    instead, and records (method, path) of the requests it forwarded, in order."""

    daemon_threads = True

    def __init__(self, upstream: int, every: int) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream, self.every = upstream, every
        self.count = 0
        self.failed = 0
        self.log: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(http.server.BaseHTTPRequestHandler):
    server: FlakyProxy
    protocol_version = "HTTP/1.1"

    def _any(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.count += 1
            fail = self.server.count % self.server.every == 0
            self.server.failed += fail
            if not fail:
                self.server.log.append((self.command, self.path))
        if fail:
            data = (
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b"<Message>Please reduce your request rate.</Message></Error>"
            )
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        conn.request(self.command, self.path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in (
                "content-length",
                "connection",
                "transfer-encoding",
                "server",
                "date",
            ):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

    def log_message(self, *_args: object) -> None:
        pass


def target(bucket: str, endpoint: str, prefix: str = "") -> TargetConfig:
    return TargetConfig(
        name="bucket",
        type="s3",
        bucket=bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        prefix=prefix,
    )


def write(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


SITE = {
    "index.html": b"<a href='2021-01-01/a/'>a</a>",
    "2021-01-01/a/index.html": b"post a",
    "page/1/index.html": b"list 1",
    "feed.xml": b"<feed/>",
    "theme/style.css": b"body{}",
    "old.html": b"soon gone",
    "search/data/s/0-abc/b/1.bin": b"\x00\x01",
    "中文/標題/index.html": "中文".encode(),
}


def test_sync_through_a_flaky_host_retries_keeps_the_order_and_ends_exact(
    s3: S3Server, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    write(site, SITE)
    bucket = s3.bucket("flaky")
    first = sync_folder(site, target(bucket, s3.url, "news/"))
    assert (first.uploaded_new, first.uploaded_changed, first.deleted) == (len(SITE), 0, 0)

    # the next build: a new post, the pages linking to it changed, a page gone
    (site / "old.html").unlink()
    write(
        site,
        {
            "2021-01-02/b/index.html": b"post b",
            "index.html": b"<a href='2021-01-02/b/'>b</a>",
            "page/1/index.html": b"list 1 with b",
            "feed.xml": b"<feed>b</feed>",
        },
    )
    proxy = FlakyProxy(s3.port, every=3)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        second = sync_folder(site, target(bucket, proxy.url, "news/"))
    finally:
        proxy.shutdown()
    assert proxy.failed >= 2  # the host said "slow down" and the sync went on
    assert (second.uploaded_new, second.uploaded_changed, second.deleted, second.unchanged) == (
        1,
        3,
        1,
        4,
    )
    objects = s3.objects(bucket)
    assert {k: v["body"] for k, v in objects.items()} == {
        "news/" + p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.rglob("*")
        if p.is_file()
    }

    puts = [path.split("?")[0] for method, path in proxy.log if method == "PUT"]
    order = [p.removeprefix(f"/{bucket}/news/") for p in puts]
    # the new post before what links to it; lists, then feeds, the front page last
    assert order == ["2021-01-02/b/index.html", "page/1/index.html", "feed.xml", "index.html"]
    deletes = [
        i for i, (method, path) in enumerate(proxy.log) if method == "POST" and "delete" in path
    ]
    last_put = max(i for i, (method, _) in enumerate(proxy.log) if method == "PUT")
    assert deletes and min(deletes) > last_put  # stale objects go last


def test_unchanged_folder_uploads_nothing(s3: S3Server, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, SITE)
    bucket = s3.bucket("same")
    sync_folder(site, target(bucket, s3.url))
    for path in site.rglob("*"):  # touched, not changed: content decides, not mtime
        if path.is_file():
            path.write_bytes(path.read_bytes())
    again = sync_folder(site, target(bucket, s3.url))
    assert (again.uploaded, again.deleted, again.unchanged) == (0, 0, len(SITE))


def test_a_missing_bucket_is_a_publish_error(s3: S3Server, tmp_path: Path) -> None:
    write(tmp_path / "site", {"index.html": b"x"})
    with pytest.raises(PublishError, match="NoSuchBucket"):
        sync_folder(tmp_path / "site", target("no-such-bucket", s3.url))


def test_upload_order_new_first_then_changed_pages_front_page_last() -> None:
    phases = upload_order(
        ["b/index.html", "x.css"],
        ["index.html", "feed.xml", "a/index.html", "tags/t/index.html", "theme/style.css"],
    )
    assert phases == [
        ["x.css", "b/index.html"],
        ["theme/style.css"],
        ["a/index.html"],
        ["tags/t/index.html"],
        ["feed.xml"],
        ["index.html"],
    ]


@pytest.mark.parametrize(
    ("rel", "kind", "cache"),
    [
        ("index.html", "text/html; charset=utf-8", "public, max-age=300"),
        ("sources/x/feed.xml", "application/atom+xml; charset=utf-8", "public, max-age=300"),
        ("sitemap-1.xml", "application/xml", "public, max-age=300"),
        ("mirrors.json", "application/json", "public, max-age=300"),
        ("theme/style.css", "text/css; charset=utf-8", "public, max-age=300"),
        ("theme/search.js", "text/javascript; charset=utf-8", "public, max-age=300"),
        ("search/data/index.json", "application/json", "public, max-age=300"),
        (
            "search/data/s/0-1a2b/b/3.bin",
            "application/octet-stream",
            "public, max-age=31536000, immutable",
        ),
        (
            "search/data/s/0-1a2b/d/3.json",
            "application/json",
            "public, max-age=31536000, immutable",
        ),
        ("assets/img/0123abcd.jpg", "image/jpeg", "public, max-age=31536000, immutable"),
        ("robots.txt", "text/plain; charset=utf-8", "public, max-age=300"),
    ],
)
def test_content_types_and_cache_headers(rel: str, kind: str, cache: str) -> None:
    assert content_type(rel) == kind and cache_control(rel) == cache


def test_the_image_store_is_cached_for_good() -> None:
    assert cache_control("img/0123abcd.png", "assets") == "public, max-age=31536000, immutable"
    assert content_type("img/0123abcd.png") == "image/png"


def test_the_record_of_the_last_sync_spares_listing_until_it_is_verified(
    s3: S3Server, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    write(site, SITE)
    bucket = s3.bucket("recorded")
    record = tmp_path / "state" / "bucket.json"
    assert sync_folder(site, target(bucket, s3.url), record=record).listed
    s3.client().delete_object(Bucket=bucket, Key="feed.xml")  # behind newsvault's back
    write(site, {"index.html": b"changed"})
    trusted = sync_folder(site, target(bucket, s3.url), record=record)
    assert not trusted.listed and (trusted.uploaded, trusted.unchanged) == (1, len(SITE) - 1)
    assert "feed.xml" not in s3.objects(bucket)  # unseen until the bucket is listed again
    verify = TargetConfig(
        name="bucket",
        type="s3",
        bucket=bucket,
        endpoint_url=s3.url,
        region="us-east-1",
        verify_hours=0,
    )
    listed = sync_folder(site, verify, record=record)
    assert listed.listed and listed.uploaded_new == 1
    assert {k: v["body"] for k, v in s3.objects(bucket).items()} == {
        p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()
    }


def test_a_failed_sync_forgets_its_record(s3: S3Server, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, SITE)
    record = tmp_path / "bucket.json"
    sync_folder(site, target(s3.bucket("forget"), s3.url), record=record)
    assert record.exists()
    with pytest.raises(PublishError):
        sync_folder(site, target("forget", "http://127.0.0.1:9"), record=record)
    assert not record.exists()


def test_the_image_store_goes_to_its_own_bucket(s3: S3Server, tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from newsvault.config import config_from_dict
    from newsvault.publish.publisher import publish_vault
    from newsvault.vault import Vault

    vault = Vault(tmp_path / "v")
    write(
        vault.assets_dir,
        {
            "img/0123abcd.png": b"\x89PNG...",
            "img/4567ef.webp": b"RIFF...",
            "img/.0123abcd.png.77.tmp": b"half",
        },
    )
    bucket = s3.bucket("images")
    config = config_from_dict(
        {
            "targets": {
                "images": {
                    "type": "s3",
                    "content": "assets",
                    "bucket": bucket,
                    "endpoint_url": s3.url,
                    "region": "us-east-1",
                }
            }
        }
    )
    report = publish_vault(
        vault, config, now=datetime(2030, 1, 1, tzinfo=timezone.utc), site_built=False
    )
    assert [(t.name, t.status) for t in report.targets] == [("images", "ok")] and report.ok
    objects = s3.objects(bucket)
    assert set(objects) == {"img/0123abcd.png", "img/4567ef.webp"}  # not the half-written file
    assert objects["img/4567ef.webp"]["type"] == "image/webp"
    assert all(o["cache"] == "public, max-age=31536000, immutable" for o in objects.values())


def test_with_a_record_content_still_decides(s3: S3Server, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, SITE)
    bucket = s3.bucket("content")
    record = tmp_path / "bucket.json"
    sync_folder(site, target(bucket, s3.url), record=record)
    (site / "feed.xml").write_bytes((site / "feed.xml").read_bytes())  # touched: same bytes
    (site / "old.html").write_bytes(b"soon GONE")  # same size, other bytes
    again = sync_folder(site, target(bucket, s3.url), record=record)
    assert not again.listed and (again.uploaded_changed, again.uploaded_new) == (1, 0)
    assert s3.objects(bucket)["old.html"]["body"] == b"soon GONE"
