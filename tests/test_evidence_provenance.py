"""Provenance version 2 (issue 14), end to end through ``newsvault fetch``: what each
line records, and dedup by guid after ``.newsvault/`` is deleted."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from newsvault import __version__
from servers import FeedServer, Reply, rss
from test_resilience import items, make_vault, nv, posts


def lines(vault: Path) -> list[dict]:
    return [
        json.loads(ln)
        for f in sorted((vault / "_provenance").glob("*.jsonl"))
        for ln in f.read_text(encoding="utf-8").splitlines()
    ]


def test_version_2_lines_say_where_each_body_came_from(server: FeedServer, tmp_path: Path) -> None:
    page = b"<html><body><div class='post'><p>The full text of the article, long enough.</p></div></body></html>"
    server.route("/a/1", Reply(302, b"", {"Location": "/a/1/final"}))
    server.route("/a/1/final", Reply(body=page, headers={"Content-Type": "text/html"}))
    full = server.route(
        "/full.xml", Reply(body=rss(*items("p", 1, link=server.url("/a/{i}").replace("{i}", "1"))))
    )
    plain = server.route("/plain.xml", Reply(body=rss(*items("q", 1))))
    vault = make_vault(
        tmp_path / "v",
        [{"site": "Full", "url": full, "fulltext": "div.post"}, {"site": "Plain", "url": plain}],
        '[fetch]\nallow_addresses = ["127.0.0.1"]\n',
    )
    done = nv(vault, "fetch")
    assert done.returncode == 0, done.stderr
    by_feed = {ln["feed"]: ln for ln in lines(vault)}
    selector, feed = by_feed[full], by_feed[plain]
    assert selector["v"] == 2 and selector["source"] == "selector"
    assert selector["final_url"] == server.url("/a/1/final") and selector["status"] == 200
    assert feed["source"] == "feed" and "final_url" not in feed and "status" not in feed
    for line in (selector, feed):
        data = (vault / line["post"]).read_bytes()
        assert line["sha256"] == hashlib.sha256(data).hexdigest()  # the post file as written
        assert line["newsvault"] == __version__ and line["seen"] == "2024-05-01T12:00:00Z"
    text = (vault / selector["post"]).read_text(encoding="utf-8")
    body = text.split("\n<div>", 1)[1] if "\n<div>" in text else text
    assert "The full text of the article" in body
    assert len(selector["body_sha256"]) == 64


def test_a_fresh_checkout_archives_nothing_twice_when_links_change(
    server: FeedServer, tmp_path: Path
) -> None:
    """Delete ``.newsvault/`` between runs while every item's link changes (its guid does
    not): the index is rebuilt from the version-2 record, nothing is archived twice;
    a version-1 line written by an older newsvault still counts."""
    vault = make_vault(tmp_path / "v", [])
    first = server.route(
        "/f.xml", Reply(body=rss(*items("g", 3, link="https://e.com/{p}/{i}?v=0")))
    )
    (vault / "subs.json").write_text(json.dumps([{"site": "S", "url": first}]))
    assert nv(vault, "fetch").returncode == 0
    written = posts(vault)
    assert len(written) == 3
    old = vault / "_provenance" / "2024-04.jsonl"  # an older newsvault's line (version 1)
    server.route(
        "/f.xml",
        Reply(
            body=rss(
                *items("g", 3, link="https://e.com/{p}/{i}?v=1"),
                {
                    "title": "old one",
                    "link": "https://e.com/moved/9",
                    "guid": "legacy-9",
                    "description": "x",
                    "pubDate": "Tue, 30 Apr 2024 10:00:00 GMT",
                },
            )
        ),
    )
    shutil.copy(next((vault / "_posts").glob("*.md")), vault / "_posts" / "2024-04-30-old-one.md")
    text = (vault / "_posts" / "2024-04-30-old-one.md").read_text(encoding="utf-8")
    link = next(ln for ln in text.splitlines() if ln.startswith("from: "))[6:].strip()
    old.write_text(
        json.dumps(
            {
                "v": 1,
                "seen": "2024-04-30T10:00:00Z",
                "post": "_posts/2024-04-30-old-one.md",
                "link": link,
                "feed": first,
                "guid": "legacy-9",
            }
        )
        + "\n"
    )
    for _run in range(2):
        shutil.rmtree(vault / ".newsvault")
        done = nv(vault, "fetch", "--json")
        assert done.returncode == 0, done.stderr
        assert set(posts(vault)) == set(written) | {"2024-04-30-old-one.md"}
    for name, data in written.items():
        assert (vault / "_posts" / name).read_text(encoding="utf-8") == data
