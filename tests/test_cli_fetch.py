"""The fetch stage's commands, run as a user runs them (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SEED_DIR
from servers import FeedServer, Reply, rss

NOW = "2021-01-28T00:00:00Z"


def nv(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "newsvault", *args, "--vault", str(vault)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_add_list_remove(tmp_path: Path, server: FeedServer) -> None:
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "subs.json").write_text("[]")  # a vault (`add` refuses any other folder)
    url = server.route("/feed.xml", Reply(body=rss()))
    done = nv(vault, "add", url, "--site", "(臺)中央社CNA", "--tag", "news")
    assert done.returncode == 0, done.stderr
    assert json.loads((vault / "subs.json").read_text()) == [
        {"site": "(臺)中央社CNA", "url": url, "tags": ["news"]}
    ]
    again = nv(vault, "add", url, "--site", "x")
    assert again.returncode == 2 and "already subscribed" in again.stderr
    listed = nv(vault, "list", "--json")
    assert json.loads(listed.stdout)[0]["site"] == "(臺)中央社CNA"
    assert "(臺)中央社CNA" in nv(vault, "list").stdout
    removed = nv(vault, "remove", "(臺)中央社CNA")
    assert removed.returncode == 0 and json.loads((vault / "subs.json").read_text()) == []
    assert nv(vault, "remove", "nothing").returncode == 2


def test_bad_subs_json_is_exit_2_without_traceback(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "subs.json").write_text('[{"site": "A"}]')
    for command in ("fetch", "list", "status"):
        done = nv(vault, command)
        assert done.returncode == 2, (command, done.stderr)
        assert "subs.json: entry 1 (site 'A'): 'url' is required" in done.stderr
        assert "Traceback" not in done.stderr


def test_fetch_seed_summary_json_and_status(server: FeedServer, tmp_path: Path) -> None:
    seed = next(SEED_DIR.glob("*.md"))
    text = seed.read_text(encoding="utf-8")
    html = text[text.index("<div>\n") + 6 : text.rindex("\n</div>")]
    url = server.route(
        "/cna.xml",
        Reply(
            body=rss(
                {
                    "title": "美國務卿與英德外長通話 同意就中國議題緊密合作",
                    "link": "https://www.cna.com.tw/news/firstnews/202101280007.aspx",
                    "pubDate": "Wed, 27 Jan 2021 23:57:20 GMT",
                    "content:encoded": f"<![CDATA[{html}]]>",
                }
            )
        ),
    )
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "subs.json").write_text(
        json.dumps(
            [{"site": "(臺)中央社CNA", "url": url}, {"site": "Broken", "url": server.url("/404")}],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    done = nv(vault, "fetch", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert "(臺)中央社CNA" in done.stdout and "1 new articles from 2 feeds, 1 failed" in done.stdout
    assert (vault / "_posts" / seed.name).read_bytes() == seed.read_bytes()

    again = nv(vault, "fetch", "--now", NOW, "--json")
    data = json.loads(again.stdout)
    assert again.returncode == 0 and data["new"] == 0 and data["failed"] == 1
    assert [(f["site"], f["status"], f["seen"]) for f in data["feeds"]] == [
        ("(臺)中央社CNA", "ok", 1),
        ("Broken", "error", 0),
    ]
    assert data["feeds"][1]["http_status"] == 404

    status = json.loads(nv(vault, "status", "--json").stdout)["feeds"]
    assert [(s["site"], s["consecutive_failures"], s["archived"]) for s in status] == [
        ("(臺)中央社CNA", 0, 1),
        ("Broken", 2, 0),
    ]
    assert status[0]["last_success"] == NOW and status[1]["last_success"] is None
    assert "404" in status[1]["last_error"]
    assert "Broken" in nv(vault, "status").stdout


def test_fetch_exit_1_when_every_feed_fails(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "subs.json").write_text(json.dumps([{"site": "gone", "url": "missing.xml"}]))
    done = nv(vault, "fetch", "--now", NOW, "-q")
    assert done.returncode == 1
    assert "gone" in done.stderr and "cannot read" in done.stderr


def test_commands_refuse_a_folder_that_is_not_a_vault(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-vault"
    for command in (
        ["fetch"],
        ["list"],
        ["status"],
        ["remove", "x"],
        ["build", "--no-search"],
        ["import", str(tmp_path)],
        ["add", "https://a.example/f.xml", "--site", "A"],
        ["serve", "--port", "0"],
        ["run", "--no-publish"],
        ["migrate-layout"],
    ):
        done = nv(missing, *command)
        assert done.returncode == 2, (command, done.stderr)
        assert "is not a vault" in done.stderr and "Traceback" not in done.stderr
        assert not missing.exists(), command


def test_unreadable_subs_json_or_config_is_exit_2_without_traceback(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    (vault / "subs.json").mkdir(parents=True)  # unreadable for root too (a folder)
    for command in (["list"], ["status"], ["add", "https://a.example/f.xml", "--site", "A"]):
        done = nv(vault, *command)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (command, done.stderr)
        assert "subs.json: cannot read it: Is a directory" in done.stderr
    (vault / "subs.json").rmdir()
    (vault / "newsvault.toml").mkdir()
    done = nv(vault, "fetch")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "newsvault.toml: cannot read it: Is a directory" in done.stderr


def test_verbose_shows_the_librarys_log(tmp_path: Path) -> None:
    """``-v`` does something on every command (issue 13.9): the log of the stages the
    command ran (each feed's outcome, the index, the site build) on stderr; ``-vv`` adds
    the debug lines; without it, none."""
    with FeedServer() as server:
        url = server.route(
            "/feed",
            Reply(
                body=rss(
                    {
                        "title": "A",
                        "link": "https://e.example/a",
                        "pubDate": "Wed, 27 Jan 2021 23:57:20 GMT",
                    }
                )
            ),
        )
        vault = tmp_path / "v"
        assert nv(vault, "init", "--now", NOW).returncode == 0
        assert nv(vault, "add", url, "--site", "One").returncode == 0
        quiet = nv(vault, "fetch", "--now", NOW)
        assert quiet.returncode == 0 and "newsvault.pipeline" not in quiet.stderr
        fetched = nv(vault, "fetch", "--now", NOW, "-v")
    assert fetched.returncode == 0, fetched.stderr
    assert f"newsvault.pipeline: One ({url}): " in fetched.stderr
    assert "newsvault.archive.index: index: 1 posts" in fetched.stderr
    built = nv(vault, "build", "--no-search", "-vv")
    assert "newsvault.site.build: site: 1 post files listed" in built.stderr
    assert "newsvault.lock: vault lock" in built.stderr
