"""One bad item, feed, host or title never stops the rest (issue 12), end to end.

Every test runs ``newsvault fetch``/``run``/``serve`` as a user does (a subprocess)
against real servers on 127.0.0.1 that hang, trickle or attack, with small deadlines
so that the suite stays fast. Tests assert what was archived and reported, never how
long something took (deadlines are the thing under test, not speed).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from automation_helpers import isolate_git, make_remote_and_clone, remote_files, sh
from conftest import REPO
from servers import FeedServer, Reply, never_answers, rss

sys.path.insert(0, str(Path(__file__).resolve().parent / "reliability"))

NOW = "2024-05-01T12:00:00Z"


def nv(vault: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
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
        [sys.executable, "-m", "newsvault", *args, "--vault", str(vault), "--now", NOW],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def make_vault(path: Path, subs: list[dict], toml: str = "") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "subs.json").write_text(json.dumps(subs, ensure_ascii=False), encoding="utf-8")
    (path / "newsvault.toml").write_text("[site]\nsearch = false\n" + toml, encoding="utf-8")
    return path


def items(
    prefix: str,
    n: int,
    *,
    day: int = 1,
    link: str = "https://example.com/{p}/{i}",
    extra: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    return [
        {
            "title": f"{prefix} article {i}",
            "link": link.format(p=prefix, i=i),
            "guid": f"{prefix}-{i}",
            "pubDate": f"Wed, {day:02d} May 2024 0{i % 10}:00:00 GMT",
            "description": f"<p>{prefix} body {i}</p>",
            **(extra or {}),
        }
        for i in range(n)
    ]


def posts(vault: Path) -> dict[str, str]:
    folder = vault / "_posts"
    return (
        {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}
        if folder.is_dir()
        else {}
    )


def links(vault: Path) -> list[str]:
    out = []
    for text in posts(vault).values():
        line = next(ln for ln in text.splitlines() if ln.startswith("from: "))
        out.append(line[6:].strip().strip('"'))
    return sorted(out)


def report(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def by_site(data: dict) -> dict[str, dict]:
    feeds = data["fetch"]["feeds"] if "fetch" in data else data["feeds"]
    return {f["site"]: f for f in feeds}


# --- 12.1: site path conflicts, and a failed build never keeps posts from git ----------


def test_posts_whose_paths_nest_or_take_a_site_page_all_get_pages(
    server: FeedServer, tmp_path: Path
) -> None:
    """``...`` (empty slug: /2024-05-01/) and ``index.html`` (/2024-05-01/index.html/) need
    one path as a file and a folder; a post titled ``search`` under ``/:title/`` wants the
    search page's path. Every post gets its own page and the search page stays."""
    feed = server.route(
        "/f.xml",
        Reply(
            body=rss(
                {
                    "title": "...",
                    "link": "https://e.com/dots",
                    "pubDate": "Wed, 01 May 2024 01:00:00 GMT",
                },
                {
                    "title": "index.html",
                    "link": "https://e.com/index",
                    "pubDate": "Wed, 01 May 2024 02:00:00 GMT",
                },
                {
                    "title": "search",
                    "link": "https://e.com/search",
                    "pubDate": "Wed, 01 May 2024 03:00:00 GMT",
                },
            )
        ),
    )
    vault = make_vault(tmp_path / "v", [{"site": "S", "url": feed}])
    done = nv(vault, "run", "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and report(done)["build_error"] is None
    site = vault / "_site"
    assert (site / "2024-05-01" / "index.html").is_file()
    assert (site / "2024-05-01" / "index.html-2" / "index.html").is_file()
    assert (
        "https://e.com/index" in (site / "2024-05-01" / "index.html-2" / "index.html").read_text()
    )
    (vault / "newsvault.toml").write_text('[site]\nsearch = false\npermalink = "/:title/"\n')
    done = nv(vault, "build", "--full")
    assert done.returncode == 0, done.stderr
    assert 'id="search"' in (site / "search" / "index.html").read_text()  # still the search page
    assert "https://e.com/search" in (site / "search-2" / "index.html").read_text()


def test_a_failed_site_build_still_commits_and_pushes_the_posts(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_git(monkeypatch, tmp_path)
    remote, vault = make_remote_and_clone(tmp_path)
    feed = server.route("/f.xml", Reply(body=rss(*items("a", 2))))
    make_vault(vault, [{"site": "S", "url": feed}], "[publish]\ngit = true\n")
    (vault / "templates").mkdir()
    (vault / "templates" / "post.html").write_text("{% if %}broken{% endif %}")
    done = nv(vault, "run")
    assert done.returncode == 1
    assert "build failed" in done.stderr and "Traceback" not in done.stderr
    pushed = [f for f in remote_files(remote) if f.startswith("_posts/")]
    assert len(pushed) == 2


# --- 12.2: web links only, and no fetch of the keeper's network -------------------------


def test_item_links_that_are_not_web_links_are_never_archived_or_fetched(
    server: FeedServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET")
    feed = server.route(
        "/f.xml",
        Reply(
            body=rss(
                {"title": "passwd", "link": secret.as_uri(), "description": "x"},
                {"title": "js", "link": "javascript:alert(document.cookie)", "description": "x"},
                {
                    "title": "data",
                    "link": "data:text/html,<script>alert(1)</script>",
                    "description": "x",
                },
                {"title": "vb", "link": "vbscript:msgbox(1)", "description": "x"},
                {"title": "good", "link": "https://e.com/good", "description": "<p>good</p>"},
            )
        ),
    )
    vault = make_vault(tmp_path / "v", [{"site": "S", "url": feed, "fulltext": "auto"}])
    done = nv(vault, "fetch", "--json")
    assert done.returncode == 0, done.stderr
    assert links(vault) == ["https://e.com/good"]
    assert not any("SECRET" in text for text in posts(vault).values())
    feed_report = by_site(report(done))["S"]
    assert feed_report["skipped"] == 4 and "not a web address" in feed_report["error"]


def test_full_text_from_a_loopback_address_only_when_allowed(tmp_path: Path) -> None:
    page = (
        "<html><body><article><h1>T</h1>" + "<p>The whole article text, long enough to "
        "count as a body for the extractor.</p>" * 5 + "</article></body></html>"
    ).encode()
    with FeedServer() as srv:
        srv.route("/page.html", Reply(body=page, headers={"Content-Type": "text/html"}))
        feed = srv.route(
            "/f.xml",
            Reply(
                body=rss(
                    {"title": "t", "link": srv.url("/page.html"), "description": "<p>summary</p>"}
                )
            ),
        )
        blocked = make_vault(tmp_path / "blocked", [{"site": "S", "url": feed, "fulltext": "auto"}])
        done = nv(blocked, "fetch", "--json")
        assert srv.hits("/page.html") == []  # refused before any request
        text = next(iter(posts(blocked).values()))
        assert "summary" in text and "whole article text" not in text
        assert "loopback address" in by_site(report(done))["S"]["error"]
        allowed = make_vault(
            tmp_path / "allowed",
            [{"site": "S", "url": feed, "fulltext": "auto"}],
            '[fetch]\nallow_addresses = ["127.0.0.1"]\n',
        )
        assert nv(allowed, "fetch").returncode == 0
        assert "whole article text" in next(iter(posts(allowed).values()))


def test_an_adopted_post_with_a_javascript_link_is_not_shown_as_the_original(
    tmp_path: Path,
) -> None:
    vault = make_vault(tmp_path / "v", [])
    (vault / "_posts").mkdir()
    (vault / "_posts" / "2024-05-01-x.md").write_text(
        "---\nlayout: post\ntitle: x\ndate: 2024-05-01 00:00:00 +0000\nfrom: javascript:alert(1)\n"
        "tags: [ S ]\n---\n<p>body</p><script src=/theme/search.js></script/>"
        "<script/src=/theme/x.js>\n",
        encoding="utf-8",
    )
    assert nv(vault, "build").returncode == 0
    page = next((vault / "_site").glob("2024-05-01/*/index.html")).read_text()
    assert "javascript:" not in page
    body = page.split('<div class="content">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body.lower() and "body" in body


# --- 12.3: deadlines, early writes, per-host politeness ---------------------------------


def test_hanging_article_pages_cost_their_deadline_not_the_run(tmp_path: Path) -> None:
    with FeedServer() as srv:
        srv.route("/hang.html", never_answers)
        feed = srv.route("/f.xml", Reply(body=rss(*items("h", 3, link=srv.url("/hang.html?{i}")))))
        for i in range(3):
            srv.routes[f"/hang.html?{i}"] = never_answers
        vault = make_vault(
            tmp_path / "v",
            [{"site": "S", "url": feed, "fulltext": "auto"}],
            '[fetch]\nallow_addresses = ["127.0.0.1"]\narticle_deadline = 1.0\n'
            "read_timeout = 30.0\nfeed_deadline = 30.0\n",
        )
        done = nv(vault, "fetch", "--json")
        srv.stop.set()
    assert done.returncode == 0, done.stderr
    assert len(posts(vault)) == 3  # the feed's own content, each with its note
    assert "not done within the article deadline (1 s)" in by_site(report(done))["S"]["error"]


def test_the_run_deadline_archives_what_finished(tmp_path: Path) -> None:
    """Three feeds that never answer, one good one, a 2 s run deadline and 60 s per feed:
    the run ends at its deadline with the good feed archived and the others left."""
    with FeedServer() as srv:
        good = srv.route("/good.xml", Reply(body=rss(*items("g", 4))))
        subs = [{"site": "good", "url": good}]
        for n in range(3):
            subs.append({"site": f"hang{n}", "url": srv.route(f"/hang{n}.xml", never_answers)})
        vault = make_vault(
            tmp_path / "v", subs, "[fetch]\nfeed_deadline = 60.0\nread_timeout = 60.0\n"
        )
        done = nv(vault, "fetch", "--json", "--deadline", "2s")
        srv.stop.set()
    data = report(done)
    assert data["deadline_reached"] and len(posts(vault)) == 4
    feeds = by_site(data)
    assert feeds["good"]["new"] == 4
    assert all("run deadline was reached" in feeds[f"hang{n}"]["error"] for n in range(3))


def test_a_feed_is_written_as_soon_as_it_is_ready(tmp_path: Path) -> None:
    """A run killed while other feeds hang has already archived the feed that finished."""
    with FeedServer() as srv:
        good = srv.route("/good.xml", Reply(body=rss(*items("g", 3))))
        hang = srv.route("/hang.xml", never_answers)
        vault = make_vault(
            tmp_path / "v",
            [{"site": "hang", "url": hang}, {"site": "good", "url": good}],
            "[fetch]\nfeed_deadline = 60.0\nread_timeout = 60.0\n",
        )
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsvault", "fetch", "--vault", str(vault), "--now", NOW],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                if len(posts(vault)) == 3 or proc.poll() is not None:
                    break
                time.sleep(0.05)
            assert proc.poll() is None  # still waiting for the hanging feed
            assert len(posts(vault)) == 3
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            srv.stop.set()
    prov = (vault / "_provenance" / "2024-05.jsonl").read_text().splitlines()
    assert len(prov) == 3  # and their provenance lines with them


def test_a_host_limit_from_the_config_is_what_the_host_gets(tmp_path: Path) -> None:
    active = peak = 0
    lock = threading.Lock()

    def slow(handler) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        handler.app.stop.wait(0.3)
        with lock:
            active -= 1
        handler.send_reply(Reply(body=rss(*items(handler.path.strip("/"), 1))))

    with FeedServer() as srv:
        subs = []
        for n in range(12):
            srv.route(f"/f{n}", slow)
            subs.append({"site": f"s{n}", "url": srv.url(f"/f{n}")})
        vault = make_vault(tmp_path / "v", subs, '[fetch]\nhosts = { "127.0.0.1" = 3 }\n')
        assert nv(vault, "fetch").returncode == 0
        assert peak == 3
        peak = 0
        default = make_vault(tmp_path / "d", subs)
        assert nv(default, "fetch").returncode == 0
        assert peak == 6  # the browser-like default for an HTTP/1.1 host


# --- 12.5: one name used 10,000 times ---------------------------------------------------


def test_ten_thousand_posts_of_one_name_do_not_stop_any_feed(
    server: FeedServer, tmp_path: Path
) -> None:
    vault = make_vault(tmp_path / "v", [])
    folder = vault / "_posts"
    folder.mkdir()
    for n in range(1, 10_002):
        name = "2024-05-01-same.md" if n == 1 else f"2024-05-01-same-{n}.md"
        (folder / name).write_text(
            f"---\ntitle: same\ndate: 2024-05-01 00:00:00 +0000\n"
            f"from: https://old.example/{n}\n---\nx\n"
        )
    hostile = server.route(
        "/h.xml",
        Reply(
            body=rss(
                *[
                    {
                        "title": "same",
                        "link": f"https://h.example/{i}",
                        "pubDate": "Wed, 01 May 2024 01:00:00 GMT",
                    }
                    for i in range(50)
                ]
            )
        ),
    )
    other = server.route("/o.xml", Reply(body=rss(*items("o", 2))))
    (vault / "subs.json").write_text(
        json.dumps([{"site": "H", "url": hostile}, {"site": "O", "url": other}])
    )
    done = nv(vault, "fetch", "--json")
    assert done.returncode == 0, done.stderr
    feeds = by_site(report(done))
    assert feeds["H"]["new"] == 50 and feeds["O"]["new"] == 2
    assert (folder / "2024-05-01-same-10051.md").is_file()


def test_naming_many_posts_of_one_name_is_linear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The n-th post of one name looks at one name, not at the n-1 before it."""
    from conftest import make_article
    from newsvault.archive import store

    looks = 0
    real = store.link_of_file

    def counting(path: Path) -> str | None:
        nonlocal looks
        looks += 1
        return real(path)

    monkeypatch.setattr(store, "link_of_file", counting)
    names = store.Names()
    for i in range(400):
        store.save_post(
            tmp_path,
            make_article(title="same", link=f"https://e.com/{i}"),
            fsync=False,
            names=names,
        )
    assert len(list(tmp_path.glob("*.md"))) == 400
    assert looks == 0  # without Names: 79,800


# --- 12.6: nested HTML -------------------------------------------------------------------


def test_deeply_nested_html_is_archived_as_text_and_its_neighbours_as_usual(
    server: FeedServer, tmp_path: Path
) -> None:
    deep = "<div>" * 80_000 + "deep text" + "</div>" * 80_000
    feed = server.route(
        "/f.xml",
        Reply(
            body=rss(
                {
                    "title": "deep",
                    "link": "https://e.com/deep",
                    "description": f"<![CDATA[{deep}]]>",
                },
                *items("n", 2),
            )
        ),
    )
    vault = make_vault(tmp_path / "v", [{"site": "S", "url": feed}])
    done = nv(vault, "fetch", "--json")
    assert done.returncode == 0, done.stderr
    texts = posts(vault)
    assert len(texts) == 3
    deep_post = next(t for t in texts.values() if "https://e.com/deep" in t)
    assert "<p>deep text</p>" in deep_post and "<div><div>" not in deep_post
    assert "more than 512 deep: archived as plain text" in by_site(report(done))["S"]["error"]


# --- 12.7: budgets -------------------------------------------------------------------------


def _png(n: int, size: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + n.to_bytes(4, "big") + b"\0" * size


def test_image_budgets_per_article_and_per_run(tmp_path: Path) -> None:
    with FeedServer() as srv:
        for n in range(8):
            srv.route(
                f"/img{n}.png", Reply(body=_png(n, 30_000), headers={"Content-Type": "image/png"})
            )
        body = "".join(f'<img src="{srv.url(f"/img{n}.png")}">' for n in range(8))
        feed = srv.route(
            "/f.xml",
            Reply(
                body=rss(
                    {
                        "title": "many images",
                        "link": "https://e.com/imgs",
                        "description": f"<![CDATA[{body}]]>",
                    }
                )
            ),
        )
        vault = make_vault(
            tmp_path / "v",
            [{"site": "S", "url": feed, "images": "local"}],
            '[fetch]\nallow_addresses = ["127.0.0.1"]\n'
            "[content]\nmax_images_per_article = 5\nmax_image_bytes_per_article = 100000\n",
        )
        done = nv(vault, "fetch", "--json")
        assert done.returncode == 0, done.stderr
        stored = list((vault / "assets" / "img").glob("*.png"))
        assert len(stored) == 3  # 5 allowed by count, 3 of 30 KB by bytes
        message = by_site(report(done))["S"]["error"]
        assert "3 of the 8 images" in message and "at most 5 per article" in message
        assert (
            "image budget per article is used up" in message or "over the image budget" in message
        )
        run_vault = make_vault(
            tmp_path / "r",
            [{"site": "S", "url": feed, "images": "local"}],
            '[fetch]\nallow_addresses = ["127.0.0.1"]\n'
            "[content]\nmax_image_bytes_per_run = 65000\n",
        )
        done = nv(run_vault, "fetch", "--json")
        assert len(list((run_vault / "assets" / "img").glob("*.png"))) == 2
        assert any("image budget of the run" in note for note in report(done)["notes"])
        assert len(posts(run_vault)) == 1  # the article itself is archived all the same


def test_new_posts_per_feed_per_run_leave_the_rest_for_the_next_run(
    server: FeedServer, tmp_path: Path
) -> None:
    feed = server.route("/f.xml", Reply(body=rss(*items("b", 10)), headers={"ETag": '"v1"'}))
    vault = make_vault(
        tmp_path / "v", [{"site": "S", "url": feed}], "[fetch]\nmax_new_per_feed = 4\n"
    )
    counts = []
    for _ in range(4):
        done = nv(vault, "fetch", "--json")
        counts.append(by_site(report(done))["S"]["new"])
        if counts[-1] and len(counts) == 1:
            assert "6 new entries left for the next run" in by_site(report(done))["S"]["error"]
    assert counts == [4, 4, 2, 0]
    assert len(posts(vault)) == 10
    assert "if-none-match" not in server.hits("/f.xml")[2]  # the backlog hid nothing behind a 304
    assert server.hits("/f.xml")[3].get("if-none-match") == '"v1"'


# --- 12.8: dedup that survives a fresh checkout; the CI scenario -------------------------


def test_guids_survive_deleting_the_index(server: FeedServer, tmp_path: Path) -> None:
    """Items keep their guid but change a link parameter every run; ``.newsvault/`` is
    deleted before every run: each article is archived once (it was 3 / 6 / 9)."""
    vault = make_vault(tmp_path / "v", [])
    for run in range(3):
        feed = server.route(
            "/f.xml",
            Reply(body=rss(*items("g", 3, link="https://e.com/{p}/{i}?session=" + str(run)))),
        )
        (vault / "subs.json").write_text(json.dumps([{"site": "S", "url": feed}]))
        import shutil

        shutil.rmtree(vault / ".newsvault", ignore_errors=True)
        assert nv(vault, "fetch").returncode == 0
        assert len(posts(vault)) == 3
    lines = [
        json.loads(ln) for ln in (vault / "_provenance" / "2024-05.jsonl").read_text().splitlines()
    ]
    assert sorted(ln["guid"] for ln in lines) == ["g-0", "g-1", "g-2"]
    assert all(
        ln["v"] == 2 and ln["feed"] == feed and ln["post"].startswith("_posts/") for ln in lines
    )


def test_posts_archived_before_the_record_get_reconstructed_lines(
    server: FeedServer, tmp_path: Path
) -> None:
    from conftest import SEED_DIR

    vault = make_vault(tmp_path / "v", [])
    (vault / "_posts").mkdir()
    seed = next(SEED_DIR.glob("*.md"))
    (vault / "_posts" / seed.name).write_bytes(seed.read_bytes())
    feed = server.route("/f.xml", Reply(body=rss(*items("r", 1))))
    (vault / "subs.json").write_text(json.dumps([{"site": "S", "url": feed}]))
    done = nv(vault, "fetch", "--json")
    assert any("reconstructed" in n for n in report(done)["notes"])
    lines = [
        json.loads(ln)
        for f in sorted((vault / "_provenance").glob("*.jsonl"))
        for ln in f.read_text().splitlines()
    ]
    old = [ln for ln in lines if ln.get("reconstructed")]
    assert [ln["post"] for ln in old] == [f"_posts/{seed.name}"]
    assert old[0]["guid"] is None and old[0]["feed"] is None
    assert seed.read_bytes() == (vault / "_posts" / seed.name).read_bytes()  # never touched
    again = nv(vault, "fetch", "--json")
    assert not report(again)["notes"]  # reconstructed once


def test_ci_scenario_every_good_article_committed_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A git vault on a 'fresh runner' (``.newsvault/`` deleted before each run), hanging
    feeds that would take far longer than the run deadline, good feeds whose links change
    a parameter each run: after each run, every good article is on the remote once."""
    import shutil

    isolate_git(monkeypatch, tmp_path)
    remote, vault = make_remote_and_clone(tmp_path)
    with FeedServer() as srv:
        hanging = [
            {"site": f"hang{n}", "url": srv.route(f"/hang{n}.xml", never_answers)} for n in range(3)
        ]
        for run in range(3):
            srv.route(
                "/a.xml",
                Reply(
                    body=rss(
                        *items(
                            "a",
                            3 + run,
                            link="https://a.example/{p}/{i}?utm_x=" + str(run) + "&s=" + str(run),
                        )
                    )
                ),
            )
            srv.route("/b.xml", Reply(body=rss(*items("b", 2))))
            subs = [
                {"site": "A", "url": srv.url("/a.xml")},
                *hanging,
                {"site": "B", "url": srv.url("/b.xml")},
            ]
            make_vault(
                vault,
                subs,
                "[publish]\ngit = true\n[fetch]\nfeed_deadline = 60.0\nread_timeout = 60.0\n",
            )
            shutil.rmtree(vault / ".newsvault", ignore_errors=True)
            done = nv(vault, "run", "--deadline", "3s", "--json")
            assert report(done)["publish"]["errors"] == [], done.stdout
            files = [f for f in remote_files(remote) if f.startswith("_posts/")]
            assert len(files) == 3 + run + 2, (run, files)
            shown = sorted(
                subprocess.run(
                    ["git", "-C", str(remote), "show", f"main:{f}"], capture_output=True, text=True
                )
                .stdout.split("\nfrom: ")[1]
                .split("\n")[0]
                for f in files
            )
            guids = {s.split("?")[0] for s in shown}
            assert len(guids) == len(files)  # exactly once each
            assert any(f.startswith("_provenance/") for f in remote_files(remote))
        srv.stop.set()


def test_two_runs_appending_provenance_merge_cleanly(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two clones archive different articles in the same month; the second push rebases
    over the first: both provenance lines are kept, nothing conflicts."""
    from automation_helpers import clone

    isolate_git(monkeypatch, tmp_path)
    remote, first = make_remote_and_clone(tmp_path, "first")
    second = clone(tmp_path, remote, "second")
    for vault, prefix in ((first, "x"), (second, "y")):
        feed = server.route(f"/{prefix}.xml", Reply(body=rss(*items(prefix, 2))))
        make_vault(vault, [{"site": prefix, "url": feed}], "[publish]\ngit = true\n")
    assert nv(first, "run").returncode == 0
    done = nv(second, "run", "--json")
    assert done.returncode == 0, done.stdout
    assert report(done)["publish"]["push"]["rebased"]
    sh(first, "pull", "-q")
    lines = (first / "_provenance" / "2024-05.jsonl").read_text().splitlines()
    assert sorted(json.loads(ln)["guid"] for ln in lines) == ["x-0", "x-1", "y-0", "y-1"]


@pytest.mark.jekyll
def test_jekyll_ignores_the_provenance_folder(tmp_path: Path) -> None:
    import shutil

    if shutil.which("jekyll") is None:
        pytest.skip("jekyll is not installed")
    site = tmp_path / "j"
    (site / "_posts").mkdir(parents=True)
    (site / "_provenance").mkdir()
    (site / "_provenance" / "2024-05.jsonl").write_text('{"v":1,"seen":"2024-05-01T00:00:00Z"}\n')
    (site / "_posts" / "2024-05-01-a.md").write_text("---\ntitle: a\n---\nbody\n")
    done = subprocess.run(
        ["jekyll", "build", "-s", str(site), "-d", str(site / "_site")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    built = [
        p.relative_to(site / "_site").as_posix() for p in (site / "_site").rglob("*") if p.is_file()
    ]
    assert not any("provenance" in p or p.endswith(".jsonl") for p in built) and built


# --- 12.9: the smaller ones ------------------------------------------------------------


def test_symlinks_in_assets_are_never_published(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", [])
    (vault / "assets" / "img").mkdir(parents=True)
    (vault / "assets" / "img" / "ok.png").write_bytes(_png(1, 10))
    (vault / "assets" / "img" / "evil.png").symlink_to("/etc/passwd")
    (vault / "assets" / "dir").symlink_to("/etc", target_is_directory=True)
    done = nv(vault, "build")
    assert done.returncode == 0, done.stderr
    assert (vault / "_site" / "assets" / "img" / "ok.png").is_file()
    assert not (vault / "_site" / "assets" / "img" / "evil.png").exists()
    assert not (vault / "_site" / "assets" / "dir").exists()
    assert "skipped the symbolic link assets/img/evil.png" in done.stderr


def test_serve_answers_200_connections_at_once_and_drops_idle_ones(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", [])
    assert nv(vault, "build").returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsvault",
            "serve",
            "--vault",
            str(vault),
            "--port",
            str(port),
            "--idle-timeout",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None and "Serving" in proc.stdout.readline().decode()
        idle = socket.create_connection(("127.0.0.1", port))
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
        for s in socks:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answered = 0
        for s in socks:
            s.settimeout(20)
            data = b""
            try:
                while chunk := s.recv(65536):
                    data += chunk
            except OSError:
                pass
            answered += data.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200"))
            s.close()
        assert answered == 200
        idle.settimeout(10)
        assert idle.recv(10) == b""  # closed by the server after its idle timeout
        idle.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_damaged_post_is_archived_again_while_the_index_lives(
    server: FeedServer, tmp_path: Path
) -> None:
    feed = server.route("/f.xml", Reply(body=rss(*items("d", 2))))
    vault = make_vault(tmp_path / "v", [{"site": "S", "url": feed}])
    assert nv(vault, "fetch").returncode == 0
    damaged = sorted((vault / "_posts").glob("*.md"))[0]
    damaged.write_bytes(b"\x00\x00garbage")
    done = nv(vault, "fetch", "--json")
    assert by_site(report(done))["S"]["new"] == 1
    restored = [t for n, t in posts(vault).items() if n != damaged.name]
    assert len(restored) == 2  # the article is back, under the next free name
    assert {line for t in restored for line in t.splitlines() if line.startswith("from: ")} == {
        "from: https://example.com/d/0",
        "from: https://example.com/d/1",
    }


def test_a_feed_redirecting_to_data_gets_a_clear_message(
    server: FeedServer, tmp_path: Path
) -> None:
    feed = server.route(
        "/f.xml", Reply(302, headers={"Location": "data:application/rss+xml,<rss/>"})
    )
    vault = make_vault(tmp_path / "v", [{"site": "S", "url": feed}])
    done = nv(vault, "fetch", "--json")
    error = by_site(report(done))["S"]["error"]
    assert "redirected to data:" in error and "internal error" not in error


def _heavy_feed(server: FeedServer) -> str:
    body = "".join(f"<p>paragraph {n} " + "words " * 2000 + "</p>" for n in range(5))
    return server.route(
        "/f.xml", Reply(body=rss(*items("k", 300, extra={"description": f"<![CDATA[{body}]]>"})))
    )


def _start_with_workers(vault: Path, *args: str) -> subprocess.Popen[bytes]:
    """A run in its own process group, returned once its cleaning workers are up."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsvault", *args, "--vault", str(vault), "--now", NOW],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kids: list[str] = []
    for _ in range(600):
        kids = subprocess.run(
            ["pgrep", "-g", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        if len(kids) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.02)
    time.sleep(0.3)  # in the middle of the cleaning
    assert proc.poll() is None and len(kids) >= 3, "the run ended before its workers were seen"
    return proc


def test_sigterm_stops_a_run_whose_cleaning_workers_are_busy(
    server: FeedServer, tmp_path: Path
) -> None:
    """The stop promise with the pool: out within the 4 s grace (it was alive 600 s later),
    and no worker left behind."""
    vault = make_vault(tmp_path / "v", [{"site": "S", "url": _heavy_feed(server)}])
    proc = _start_with_workers(vault, "run", "--no-publish")
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    elapsed = time.monotonic() - sent
    time.sleep(0.3)
    listed = subprocess.run(
        ["ps", "-o", "stat=,pid=,args=", "-g", str(proc.pid)], capture_output=True, text=True
    ).stdout.splitlines()
    alive = [line for line in listed if not line.strip().startswith("Z")]  # zombies are gone
    assert proc.returncode == 0 and elapsed < 6 and alive == []


def _semaphores() -> set[str]:
    try:
        return {n for n in os.listdir("/dev/shm") if n.startswith("sem.mp-")}
    except OSError:
        return set()


def test_a_killed_run_leaves_no_semaphores(server: FeedServer, tmp_path: Path) -> None:
    """SIGKILL to the whole process group while the cleaning workers run."""
    vault = make_vault(tmp_path / "v", [{"site": "S", "url": _heavy_feed(server)}])
    from crash_run import mapped_semaphores  # tests/reliability

    before = _semaphores()
    proc = _start_with_workers(vault, "fetch")
    held = mapped_semaphores(proc.pid)  # (other programs on the machine make their own)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    assert (_semaphores() - before) & held == set()
