"""Many feeds on one host, the hourly run where nothing changed (``python -m bench onehost``).

The keepers' usual setup (a self-hosted RSSHub, a feed mirror): 1,000 feeds on one
host, 100 ms of latency per response, and every feed unchanged since the last run, so
newsvault's conditional GETs all get ``304 Not Modified``. Measured side by side, each
as a whole process, median of ``ROUNDS`` interleaved rounds:

- ``newsvault fetch`` against the host over TLS, which offers HTTP/2 (as nginx, Caddy
  and most hosting do): the default settings;
- the same host over plain HTTP/1.1 with the default settings (6 requests at once per
  host, what browsers allow), and with ``[fetch] hosts = { "127.0.0.1" = 64 }``;
- the older Node system's fetch step (``bench/node/perform.js``: rss-parser, every feed
  at once, no per-host limit, no conditional GET, so it downloads and parses every
  feed) over the same TLS host (HTTP/1.1: Node's https module has no HTTP/2) and over
  plain HTTP.

The server is a separate process (raw asyncio, the ``h2`` library for HTTP/2,
responses pre-rendered). The vault first gets the 1,000 feeds' articles (a first run,
not measured) so that both systems see the archive they would have.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TMP = REPO / "bench" / ".tmp" / "onehost"
NODE = REPO / "bench" / "node"
N_FEEDS = 1000
N_ITEMS = 20
LATENCY = 0.1
ROUNDS = 3
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
ETAG = '"v1"'


def feed_body(n: int) -> bytes:
    items = []
    for i in range(N_ITEMS):
        date = NOW - timedelta(hours=n % 48, minutes=i * 7)
        items.append(
            f"<item><title>Feed {n} article {i}: a headline of usual length</title>"
            f"<link>https://site{n}.example.com/news/{i}.html</link>"
            f"<guid>https://site{n}.example.com/news/{i}.html</guid>"
            f"<pubDate>{format_datetime(date, usegmt=True)}</pubDate>"
            f"<description><![CDATA[<p>Summary {i} of feed {n}: "
            + "some words about the news of the day, " * 12
            + "</p>]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://site{n}.example.com/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def make_cert(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def serve(
    tls_port: int,
    plain_port: int,
    cert: Path,
    key: Path,
    ready: "multiprocessing.synchronize.Event",
) -> None:
    """The one host: TLS (ALPN h2 or http/1.1) on one port, plain HTTP/1.1 on another."""
    import h2.config
    import h2.connection
    import h2.events

    bodies = {f"/feed/{n}.xml".encode(): feed_body(n) for n in range(N_FEEDS)}

    def answer(path: bytes, etag: bytes | None) -> tuple[int, bytes]:
        body = bodies.get(path)
        if body is None:
            return 404, b""
        return (304, b"") if etag == ETAG.encode() else (200, body)

    async def http1(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                path = lines[0].split(b" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(b":") for line in lines[1:] if b":" in line)
                }
                await asyncio.sleep(LATENCY)
                status, body = answer(path, headers.get(b"if-none-match"))
                reason = {200: b"OK", 304: b"Not Modified", 404: b"Not Found"}[status]
                writer.write(
                    b"HTTP/1.1 %d %s\r\nContent-Type: application/rss+xml\r\nETag: %s\r\n"
                    b"Content-Length: %d\r\n\r\n"
                    % (status, reason, ETAG.encode(), len(body))
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def http2(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 256})
        writer.write(conn.data_to_send())
        waiting: dict[int, bytes] = {}  # stream → body not yet sent (flow control)

        def push(stream: int) -> None:
            data = waiting[stream]
            room = min(conn.local_flow_control_window(stream), conn.max_outbound_frame_size)
            while data and room > 0:
                chunk, data = data[:room], data[room:]
                conn.send_data(stream, chunk, end_stream=not data)
                room = min(conn.local_flow_control_window(stream), conn.max_outbound_frame_size)
            if data:
                waiting[stream] = data
            else:
                del waiting[stream]

        async def respond(stream: int, path: bytes, etag: bytes | None) -> None:
            await asyncio.sleep(LATENCY)
            status, body = answer(path, etag)
            conn.send_headers(
                stream,
                [
                    (b":status", str(status).encode()),
                    (b"etag", ETAG.encode()),
                    (b"content-type", b"application/rss+xml"),
                    (b"content-length", str(len(body)).encode()),
                ],
                end_stream=not body,
            )
            if body:
                waiting[stream] = body
                push(stream)
            writer.write(conn.data_to_send())

        try:
            while data := await reader.read(65536):
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        headers = dict(event.headers)
                        asyncio.ensure_future(
                            respond(
                                event.stream_id, headers[b":path"], headers.get(b"if-none-match")
                            )
                        )
                    elif isinstance(event, h2.events.WindowUpdated):
                        for stream in list(waiting):
                            push(stream)
                writer.write(conn.data_to_send())
                await writer.drain()
        except (ConnectionError, h2.exceptions.ProtocolError):
            pass
        finally:
            writer.close()

    async def tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chosen = writer.get_extra_info("ssl_object").selected_alpn_protocol()
        await (http2 if chosen == "h2" else http1)(reader, writer)

    async def main() -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        context.set_alpn_protocols(["h2", "http/1.1"])
        a = await asyncio.start_server(tls, "127.0.0.1", tls_port, ssl=context, backlog=2048)
        b = await asyncio.start_server(http1, "127.0.0.1", plain_port, backlog=2048)
        ready.set()
        await asyncio.gather(a.serve_forever(), b.serve_forever())

    import h2.exceptions  # noqa: F401  (used in the handler)
    import h2.settings  # noqa: F401

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_vault(vault: Path, base: str, toml: str = "") -> None:
    vault.mkdir(parents=True, exist_ok=True)
    subs = [{"site": f"Site {n}", "url": f"{base}/feed/{n}.xml"} for n in range(N_FEEDS)]
    (vault / "subs.json").write_text(json.dumps(subs))
    (vault / "newsvault.toml").write_text("[site]\nsearch = false\n" + toml)


def share(source: Path, target: Path, copy: str | None = None) -> None:
    """``target`` sees ``source``'s archive (linked: nothing is written to it when every
    feed is unchanged) and gets its own copy of ``copy`` (the index with the validators)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("_posts", "_provenance"):
        (target / name).symlink_to(source / name, target_is_directory=True)
    if copy:
        shutil.copytree(source / copy, target / copy)


def newsvault_fetch(vault: Path, env: dict[str, str]) -> dict[str, object]:
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsvault",
            "fetch",
            "--vault",
            str(vault),
            "--json",
            "--now",
            NOW.isoformat(),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    wall = time.perf_counter() - start
    data = json.loads(done.stdout)
    statuses: dict[str, int] = {}
    for feed in data["feeds"]:
        statuses[feed["status"]] = statuses.get(feed["status"], 0) + 1
    return {
        "wall_s": round(wall, 2),
        "new": data["new"],
        "statuses": statuses,
        "errors": [f["error"] for f in data["feeds"] if f["status"] == "error"][:2],
    }


def node_fetch(vault: Path, env: dict[str, str]) -> dict[str, object]:
    start = time.perf_counter()
    done = subprocess.run(
        ["node", str(NODE / "perform.js"), str(vault)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    wall = time.perf_counter() - start
    data = json.loads(done.stdout)
    return {
        "wall_s": round(wall, 2),
        "inner_s": round(data["wall_s"], 2),
        "new": data["new"],
        "failed": data["failed"],
        "errors": data["errors"],
    }


def main() -> dict[str, object]:
    if not (NODE / "node_modules" / "rss-parser").is_dir():
        subprocess.run(
            ["npm", "install", "--prefix", str(NODE), "--no-save", "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
        )
    shutil.rmtree(TMP, ignore_errors=True)
    cert, key = make_cert(TMP)
    tls_port, plain_port = free_port(), free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(
        target=serve, args=(tls_port, plain_port, cert, key, ready), daemon=True
    )
    server.start()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "NO_PROXY": "*",
        "SSL_CERT_FILE": str(cert),
        "NODE_EXTRA_CA_CERTS": str(cert),
    }
    tls_base, plain_base = f"https://127.0.0.1:{tls_port}", f"http://127.0.0.1:{plain_port}"
    try:
        if not ready.wait(60):
            raise RuntimeError("benchmark server did not start")
        vaults = {"h2": TMP / "h2", "http1": TMP / "http1", "http1_hosts64": TMP / "http1-64"}
        write_vault(vaults["h2"], tls_base)
        first = newsvault_fetch(vaults["h2"], env)  # the archive both systems start from
        for name, toml in (
            ("http1", ""),
            ("http1_hosts64", '[fetch]\nhosts = { "127.0.0.1" = 64 }\n'),
        ):
            share(vaults["h2"], vaults[name], ".newsvault")  # the same archive
            write_vault(vaults[name], plain_base, toml)
            newsvault_fetch(vaults[name], env)  # its feeds' validators (new URLs), not measured
        runs: dict[str, list[dict[str, object]]] = {
            k: []
            for k in (
                "newsvault_h2",
                "newsvault_http1",
                "newsvault_http1_hosts64",
                "node_https",
                "node_http",
            )
        }
        node_tls, node_plain = TMP / "node-tls", TMP / "node-plain"
        for folder, base in ((node_tls, tls_base), (node_plain, plain_base)):
            share(vaults["h2"], folder)
            write_vault(folder, base)
        for _ in range(ROUNDS):
            runs["newsvault_h2"].append(newsvault_fetch(vaults["h2"], env))
            runs["node_https"].append(node_fetch(node_tls, env))
            runs["newsvault_http1"].append(newsvault_fetch(vaults["http1"], env))
            runs["newsvault_http1_hosts64"].append(newsvault_fetch(vaults["http1_hosts64"], env))
            runs["node_http"].append(node_fetch(node_plain, env))
    finally:
        server.terminate()
        server.join()
        shutil.rmtree(TMP, ignore_errors=True)
    medians = {k: round(statistics.median(r["wall_s"] for r in v), 2) for k, v in runs.items()}
    return {
        "feeds": N_FEEDS,
        "items_per_feed": N_ITEMS,
        "latency_ms": LATENCY * 1000,
        "rounds": ROUNDS,
        "cpus": os.cpu_count(),
        "load_avg": round(os.getloadavg()[0], 2),
        "first_run": first,
        "wall_s_median": medians,
        "ratio_newsvault_h2_to_node_https": round(
            medians["newsvault_h2"] / medians["node_https"], 2
        ),
        "runs": runs,
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
