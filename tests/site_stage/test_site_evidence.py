"""Issue 14 item 5: the site shows the evidence (docs/evidence.md, "On the site").

The vaults here hold posts and a committed record (``_evidence/``, ``_revisions/``)
written in the documented line format; one test makes the record with the real revisit
stage against a local server instead, so both ends of the format are exercised."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from newsvault.archive.posts import render_post
from newsvault.config import load_config
from newsvault.models import Article
from newsvault.site.build import build_site
from newsvault.site.evidence_pages import diff_segments, readable_text
from newsvault.site.theme import STRINGS
from newsvault.vault import Vault

from .site_helpers import make_vault

T0 = datetime(2024, 5, 1, 4, 0, tzinfo=timezone.utc)
HOSTILE = (
    "<p>Hostile &lt;script&gt;alert('NVXSS')&lt;/script&gt; text</p>"
    "<script>alert('NVXSS')</script><img src=x onerror=\"alert('NVXSS')\">"
    '<p onclick="alert(1)">changed <b>words</b></p>'
)
CJK_ORIGINAL = "<p>今天天氣很好，我們去公園散步。</p><p>第二段沒有改變。</p>"
CJK_V1 = "<article><p>今天天氣不好，我們去公園散步。</p><p>第二段沒有改變。</p></article>"
CJK_V2 = (
    "<article><p>今天天氣不好，我們留在家裡。</p><p>第二段沒有改變。</p><p>新增一段。</p></article>"
)
EN_ORIGINAL = "<p>The minister said yes to the plan.</p>"


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def article(title: str, site: str, content: str, day: int = 1) -> Article:
    when = T0 + timedelta(days=day - 1)
    return Article(
        title=title,
        date=when,
        author=site,
        link=f"https://{site.lower()}.example/{title.replace(' ', '-')}",
        site=site,
        content=content,
        ms=int(when.timestamp() * 1000),
        tags=(site,),
        categories=(site,),
    )


POSTS = {
    "edited": article("天氣", "Daily", CJK_ORIGINAL, 1),
    "deleted": article("Minister", "Herald", EN_ORIGINAL, 2),
    "removed": article("Hostile", "Herald", "<p>Hostile original text</p>", 3),
    "plain": article("Untouched", "Daily", "<p>Nothing happens to me.</p>", 4),
}


def post_name(key: str) -> str:
    art = POSTS[key]
    return f"_posts/{art.date:%Y-%m-%d}-{art.title}.md"


class Record:
    """Writes ``_evidence/`` lines and ``_revisions/`` files as the revisit stage does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fingerprints: dict[str, str] = {}

    def line(self, key: str, when: datetime, outcome: str = "ok", **extra) -> None:
        obj = {
            "v": 1,
            "kind": "observation",
            "at": stamp(when),
            "post": post_name(key),
            "link": POSTS[key].link,
            "outcome": outcome,
            "status": extra.pop("status", 200),
            "final_url": extra.pop("final_url", POSTS[key].link),
            **extra,
        }
        folder = self.root / "_evidence"
        folder.mkdir(exist_ok=True)
        with (folder / f"{when:%Y-%m}.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def revision(self, key: str, when: datetime, html: str) -> None:
        import hashlib

        fp = hashlib.sha256(html.encode()).hexdigest()
        stem = post_name(key)[len("_posts/") : -3]
        rel = f"_revisions/{stem}/{fp[:16]}.html"
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.root / rel).write_text(html, encoding="utf-8")
        revision = {
            "file": rel,
            "fingerprint": fp,
            "sha256": hashlib.sha256(html.encode()).hexdigest(),
            "previous": self.fingerprints.get(key, "0" * 64),
        }
        self.fingerprints[key] = fp
        self.line(key, when, fingerprint=fp, revision=revision)

    def verdict(self, key: str, reason: str, hours: list[float], **failure) -> None:
        evidence = []
        for h in hours:
            evidence.append(
                {"at": stamp(at(h)), "outcome": reason, "status": None, "final_url": None} | failure
            )
            last = h != hours[-1]
            extra = dict(failure)
            if not last:
                self.line(key, at(h), reason, **extra)
        self.line(
            key,
            at(hours[-1]),
            reason,
            **failure,
            verdict={"reason": reason, "since": stamp(at(hours[0])), "evidence": evidence},
        )


def write_vault(root: Path, toml: str = "") -> tuple[Vault, Record]:
    make_vault(root, [], '[site]\ntitle = "Mirror"\nbase_url = "https://m.example"\n' + toml)
    for art in POSTS.values():
        (root / "_posts" / f"{art.date:%Y-%m-%d}-{art.title}.md").write_text(
            render_post(art), encoding="utf-8"
        )
    record = Record(root)
    record.line("edited", at(1), fingerprint="a" * 64)
    record.revision("edited", at(6), CJK_V1)
    record.revision("edited", at(24), CJK_V2)
    record.verdict("deleted", "gone", [30, 42, 54], status=404, final_url=POSTS["deleted"].link)
    record.verdict("removed", "removed", [60, 72, 84], status=200, marker="该内容已被发布者删除")
    record.revision("removed", at(50), HOSTILE)
    return Vault(root), record


@pytest.fixture
def built(tmp_path: Path) -> tuple[Vault, Record]:
    vault, record = write_vault(tmp_path / "v")
    build_site(vault, load_config(vault.root), search=False)
    return vault, record


def page_of(vault: Vault, key: str) -> str:
    (path,) = [
        p
        for p in vault.site_dir.glob("2024-*/*/index.html")
        if f"<h1>{POSTS[key].title}</h1>" in p.read_text(encoding="utf-8")
    ]
    return path.read_text(encoding="utf-8")


def test_diff_is_by_character_for_cjk_and_by_word_otherwise() -> None:
    cjk = diff_segments("今天天氣很好，我們去公園。", "今天天氣不好，我們去公園。")
    assert ("del", "很") in cjk and ("ins", "不") in cjk
    en = diff_segments("The minister said yes to the plan.", "The minister said no to the plan.")
    assert ("del", "yes") in en and ("ins", "no") in en
    mixed = diff_segments("版本 version one", "版本 version two")
    assert ("del", "one") in mixed and ("ins", "two") in mixed
    assert diff_segments("same\n", "same\n") == [("same", "same\n")]
    one_edit = "長" * 5000 + "舊" + "長" * 5000  # one paragraph, past the pair limit
    changes = diff_segments(one_edit, one_edit.replace("舊", "新"))
    assert [seg for seg in changes if seg[0] in ("del", "ins")] == [("del", "舊"), ("ins", "新")]
    hostile = diff_segments("的" * 5000, "了" * 5000)  # nothing in common: no quadratic work
    assert ("del", "的" * 5000) in hostile and ("ins", "了" * 5000) in hostile
    long = "x" * 2000
    trimmed = diff_segments(f"{long}\nold\n{long}\n", f"{long}\nnew\n{long}\n")
    assert ("gap", "") in trimmed and sum(len(t) for _, t in trimmed) < 1000


def test_readable_text_keeps_paragraphs_and_drops_scripts() -> None:
    text = readable_text("<p>one <b>two</b></p><script>alert(1)</script><p>three<br>four</p>")
    assert text == "one two\nthree\nfour"


def test_a_revised_post_shows_the_original_first_then_each_revision_diffed(built) -> None:
    vault, _ = built
    html = page_of(vault, "edited")
    en = STRINGS["zh-Hant"]  # the site's default language
    badge = en["edited_n"].format(n=2)
    assert f'<a class="badge edited" href="#revisions">{badge}</a>' in html
    assert html.index('<div class="content">') < html.index('id="revisions"')
    assert (
        html.index("今天天氣很好") < html.index('id="revision-1"') < html.index('id="revision-2"')
    )
    tree = lxml_html.fromstring(html)
    first, second = tree.xpath("//article[@class='revision']")
    assert first.xpath(".//del/text()") == ["很"] and first.xpath(".//ins/text()") == ["不"]
    assert "新增一段。" in "".join(second.xpath(".//ins/text()"))
    assert "去公園散步" in "".join(second.xpath(".//del/text()"))
    assert en["against_original"] in first.text_content()
    assert en["against_previous"].format(n=1) in second.text_content()
    sha = json.loads(
        (vault.root / "_evidence" / "2024-05.jsonl").read_text(encoding="utf-8").splitlines()[1]
    )["revision"]["sha256"]
    assert sha in first.text_content()  # the provenance of that fetch
    assert "2024-05-01 18:00 (UTC+08:00)" in first.xpath(".//h3")[0].text_content()


def test_a_deleted_post_shows_its_verdict_and_evidence(built) -> None:
    vault, _ = built
    t = STRINGS["zh-Hant"]
    html = page_of(vault, "deleted")
    words = t["deleted"].format(date="2024-05-02", reason=t["reason_gone"])
    assert f'<a class="badge deleted" href="#deletion">{words}</a>' in html
    tree = lxml_html.fromstring(html)
    rows = tree.xpath("//section[@id='deletion']//tbody/tr")
    assert len(rows) == 3
    cells = [[c.text_content() for c in r.xpath("td")] for r in rows]
    assert [c[2] for c in cells] == ["404"] * 3
    assert all(c[3] == POSTS["deleted"].link for c in cells)
    assert cells[0][0] == "2024-05-02 18:00 (UTC+08:00)"
    assert html.index('<div class="content">') < html.index('id="deletion"')
    removed = page_of(vault, "removed")
    assert "该内容已被发布者删除" in removed and t["reason_removed"] in removed
    assert 'class="badge' not in page_of(vault, "plain")


def test_revision_text_is_escaped_never_markup(built) -> None:
    vault, _ = built
    html = page_of(vault, "removed")
    main = html.split('id="revisions"', 1)[1]
    assert "<script" not in main and "onerror" not in main and "onclick" not in main
    assert "&lt;script&gt;alert(&#39;NVXSS&#39;)&lt;/script&gt;" in main  # shown as text
    tree = lxml_html.fromstring(html)
    assert not tree.xpath("//section[@id='revisions']//*[self::img or self::script or self::b]")


def test_lists_show_the_marks(built) -> None:
    vault, _ = built
    t = STRINGS["zh-Hant"]
    site = vault.site_dir
    deleted = t["deleted"].format(date="2024-05-02", reason=t["reason_gone"])
    for page in ("index.html", "archive/2024/05/index.html", "sources/Herald/index.html"):
        tree = lxml_html.fromstring((site / page).read_bytes())
        marks = {
            li.xpath("a")[0].text: [b.text for b in li.xpath(".//span[@class='marks']/span")]
            for li in tree.xpath("//ol[@class='posts']/li")
        }
        assert marks["Minister"] == [deleted], page
        if "Daily" in marks or page == "index.html":
            assert marks["天氣"] == [t["edited_n"].format(n=2)]
            assert marks["Untouched"] == []


def test_changes_pages_and_their_atom_feeds(built) -> None:
    vault, _ = built
    site = vault.site_dir
    t = STRINGS["zh-Hant"]
    tree = lxml_html.fromstring((site / "changes" / "index.html").read_bytes())
    titles = tree.xpath("//ol[@class='posts']/li/a/text()")
    assert titles == ["Hostile", "Minister", "天氣"]  # the latest evidence first
    assert t["changes_intro"].format(removed=2, edited=2) in tree.text_content()
    herald = lxml_html.fromstring((site / "sources/Herald/changes/index.html").read_bytes())
    assert herald.xpath("//ol[@class='posts']/li/a/text()") == ["Hostile", "Minister"]
    for feed, n in (("changes/feed.xml", 5), ("sources/Herald/changes/feed.xml", 3)):
        data = (site / feed).read_bytes()
        etree.fromstring(data)  # well-formed XML
        parsed = feedparser.parse(data)
        assert not parsed.bozo, parsed.bozo_exception
        assert len(parsed.entries) == n
        assert len({e.id for e in parsed.entries}) == n
        assert (
            parsed.feed.title
            == {
                "changes/feed.xml": f"{t['changes']} · Mirror",
                "sources/Herald/changes/feed.xml": f"{t['changes']} · Herald · Mirror",
            }[feed]
        )
        links = [e.link for e in parsed.entries]
        assert all(link.startswith("https://m.example/2024-05-0") for link in links)
    entries = feedparser.parse((site / "changes/feed.xml").read_bytes()).entries
    assert [e.title for e in entries[:2]] == [
        t["feed_deleted"].format(title="Hostile"),
        t["feed_deleted"].format(title="Minister"),
    ]
    assert entries[0].link.endswith("#deletion") and "#revision-" in entries[2].link


def test_the_sources_page_counts_removed_and_edited(built) -> None:
    vault, _ = built
    tree = lxml_html.fromstring((vault.site_dir / "sources" / "index.html").read_bytes())
    cells = {
        row.xpath("td[1]/a")[0].text: row.xpath("td[7]")[0] for row in tree.xpath("//tbody/tr")
    }
    assert cells["Herald"].text_content() == "2 / 1"
    assert cells["Herald"].xpath("a/@href") == ["../sources/Herald/changes/index.html"]
    assert cells["Daily"].text_content() == "0 / 1"


def test_the_pages_follow_the_evidence_incrementally(tmp_path: Path) -> None:
    vault, record = write_vault(tmp_path / "v", "[legacy]\npaginate = 2\n")
    config = load_config(vault.root)
    build_site(vault, config, search=False)
    plain = page_of(vault, "plain")
    again = build_site(vault, config, search=False)
    assert again.rendered == 0
    old_page = (vault.site_dir / "page2" / "index.html").read_text(encoding="utf-8")
    assert "Untouched" not in old_page and 'class="badge deleted"' in old_page
    record.revision("edited", at(96), "<article><p>Something happened.</p></article>")
    report = build_site(vault, config, search=False)
    assert 'id="revision-3"' in page_of(vault, "edited")
    # the post, the lists showing it (home, month, source, tag, category, changes ×2, an
    # adopted site's old page 2), the changes feeds; nothing else (the counts stay)
    assert report.rendered == 11, report
    assert (vault.site_dir / "page2" / "index.html").read_text(encoding="utf-8") != old_page
    record.revision("plain", at(97), "<article><p>Something happened to me.</p></article>")
    report = build_site(vault, config, search=False)
    assert page_of(vault, "plain") != plain and 'id="revision-1"' in page_of(vault, "plain")
    # the post, home, month, source, tag, category, changes, Daily's changes, both feeds,
    # and the sources page (Daily's count); not page 2, which does not show it
    assert report.rendered == 11, report
    incremental = {
        p.relative_to(vault.site_dir): p.read_bytes()
        for p in vault.site_dir.rglob("*")
        if p.is_file()
    }
    build_site(vault, config, full=True, search=False)
    full = {
        p.relative_to(vault.site_dir): p.read_bytes()
        for p in vault.site_dir.rglob("*")
        if p.is_file()
    }
    assert incremental == full


def test_interface_words_in_each_language(tmp_path: Path) -> None:
    for language in ("zh-Hant", "zh-Hans", "en"):
        vault, _ = write_vault(tmp_path / language, f'language = "{language}"\n')
        build_site(vault, load_config(vault.root), search=False)
        t = STRINGS[language]
        html = page_of(vault, "deleted")
        assert t["deletion_heading"] in html and t["reason_gone"] in html
        others = [STRINGS[o]["deletion_heading"] for o in STRINGS if o != language]
        assert not any(o in html for o in others if o != t["deletion_heading"])
        assert t["changes_link"] in (vault.site_dir / "index.html").read_text(encoding="utf-8")
        assert t["edited_1"] in page_of(vault, "removed")  # one later version: singular


def test_links_are_relative_under_a_base_path_and_the_csp_is_the_sites(tmp_path: Path) -> None:
    vault, _ = write_vault(tmp_path / "v", 'base_path = "/repo/"\n')
    build_site(vault, load_config(vault.root), search=False)
    site = vault.site_dir
    csp = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')
    home_csp = csp.search((site / "index.html").read_text(encoding="utf-8"))
    assert home_csp and "script-src 'self'" in home_csp.group(1)
    for rel in ("changes/index.html", "sources/Herald/changes/index.html"):
        page = site / rel
        html = page.read_text(encoding="utf-8")
        found = csp.search(html)
        assert found and found.group(1) == home_csp.group(1)
        for href in lxml_html.fromstring(html).xpath("//a/@href | //link/@href"):
            if href.startswith(("http", "data:", "#")):
                continue
            assert not href.startswith("/"), href
            target = (page.parent / unquote(href.split("#")[0])).resolve()
            assert target.is_file(), (rel, href)
    assert "https://m.example/repo/20" in (site / "changes/feed.xml").read_text(encoding="utf-8")


def test_a_record_made_by_the_revisit_stage_shows(server, tmp_path: Path) -> None:
    from newsvault.evidence.revisit import revisit_vault
    from newsvault.pipeline import fetch_vault
    from test_evidence_revisit import make, page

    vault = make(tmp_path, server)
    config = load_config(vault.root)
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    fetch_vault(vault, config, now=start)
    revisit_vault(vault, config, now=start + timedelta(hours=1))
    server.route("/a/0", page("Edited text of article 0, long enough to be the body."))
    assert len(revisit_vault(vault, config, now=start + timedelta(hours=6)).revisions) == 1
    build_site(vault, config, search=False)
    (post,) = vault.site_dir.glob("2024-05-01/*/index.html")
    tree = lxml_html.fromstring(post.read_bytes())
    assert tree.xpath("//a[@class='badge edited']")
    (rev,) = tree.xpath("//article[@class='revision']")
    assert "Edited" in rev.xpath(".//ins/text()") and "Original" in rev.xpath(".//del/text()")


def test_a_cleared_verdict_is_no_deletion_and_a_repeated_line_one_revision(tmp_path: Path) -> None:
    from newsvault.evidence.history import histories

    vault, record = write_vault(tmp_path / "v")
    lines = (vault.root / "_evidence" / "2024-05.jsonl").read_text(encoding="utf-8")
    revision = next(ln for ln in lines.splitlines() if '"revision"' in ln)
    with (vault.root / "_evidence" / "2024-05.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(revision + "\n")  # a merge that repeated a line
    record.line(
        "deleted",
        at(100),
        cleared={"reason": "gone", "since": stamp(at(30))},
        fingerprint="b" * 64,
    )
    found = histories(vault.root)
    assert found[post_name("deleted")].deletion is None
    assert [c.reason for c in found[post_name("deleted")].cleared] == ["gone"]
    assert len(found[post_name("edited")].revisions) == 2
    build_site(vault, load_config(vault.root), search=False)
    assert 'class="badge' not in page_of(vault, "deleted")  # nothing stands: no mark
    tree = lxml_html.fromstring((vault.site_dir / "changes" / "index.html").read_bytes())
    assert "Minister" not in tree.xpath("//ol[@class='posts']/li/a/text()")


def test_a_revision_file_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    vault, _ = write_vault(tmp_path / "v")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET CONTENT", encoding="utf-8")
    (rev,) = (vault.root / "_revisions").glob("*Hostile*/*.html")
    rev.unlink()
    rev.symlink_to(secret)
    build_site(vault, load_config(vault.root), search=False)
    html = page_of(vault, "removed")
    assert "TOP SECRET" not in html and STRINGS["zh-Hant"]["unreadable"] in html


def test_a_hostile_record_never_breaks_the_build(tmp_path: Path) -> None:
    vault, record = write_vault(tmp_path / "v")
    revision = {"file": "_revisions/../../etc/passwd", "fingerprint": "c" * 64}
    record.line("plain", at(90), fingerprint="c" * 64, revision=revision)
    nul = {"file": "_revisions/a\u0000b.html", "fingerprint": "d" * 64}
    record.line("plain", at(91), fingerprint="d" * 64, revision=nul)
    with (vault.root / "_evidence" / "2024-05.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"kind":"observation","post":"_posts/x.md","at":"never","verdict":{}}\n')
        fh.write('["not an object"]\n{"torn":\n')
    build_site(vault, load_config(vault.root), search=False)
    html = page_of(vault, "plain")
    assert html.count(STRINGS["zh-Hant"]["unreadable"]) == 2 and "root:" not in html


def test_the_plan_of_the_evidence_does_no_io(tmp_path: Path, monkeypatch) -> None:
    """The record is read with the builder's inputs; the plan of its pages (keys included)
    touches nothing, and gives the pages the build wrote."""
    from newsvault.archive.files import post_files
    from newsvault.clock import parse_tz
    from newsvault.site.inputs import read_inputs
    from newsvault.site.output import load_manifest
    from newsvault.site.plan import Plan
    from newsvault.site.posts import PostCache, scan, site_posts

    from .test_plan_no_io import no_io

    vault, _ = write_vault(tmp_path / "v")
    config = load_config(vault.root)
    build_site(vault, config, search=False)
    built = load_manifest(vault.state_dir / "site" / "manifest.pickle")
    assert "changes/feed.xml" in built and "sources/Herald/changes/index.html" in built
    metas, _ = scan(vault.root, post_files(vault.root), PostCache(tmp_path / "none.pickle"))
    posts = site_posts(metas, config.site.permalink, parse_tz("UTC"), None, "/")
    inputs = read_inputs(vault, config)
    assert len(inputs.evidence) == 3
    with no_io(monkeypatch):
        pages = Plan(vault, config.site, inputs, config.mirrors, config.legacy).pages(posts)
    assert {page.out: page.key for page in pages} == built
