"""Real Jekyll (Debian's ``jekyll``) builds posts written by newsvault for hostile inputs,
and every page's title, author, link and tags are exactly the source values."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import make_article
from newsvault.archive.fields import normalize_title
from newsvault.archive.store import write_post

JEKYLL = shutil.which("jekyll") or "/usr/bin/jekyll"
HOSTILE = [
    'He said "no" \\ to: #this',
    "C:\\dir\\file \\n",
    "- leading dash",
    "[bracket] {brace}, comma",
    "key: value # comment",
    "yes",
    "null",
    "~",
    "123",
    "1,000",
    ":symbol",
    "2021-01-01",
    "a {% foo %} b",
    "{{ site.time }}",
    "&amp; &lt;b&gt; <i>x</i>",
    "*stars* _under_",
    "emoji 😀 astral 𠀀 flags 🇹🇼",
    "nbsp\u00a0and\u00a0thin\u2009space",
    "tab\there\nnewline",
    "ctrl\x01\x07\x1b chars",
    "line\u2028sep",
    "zero\u200bwidth\ufeffbom",
    "'single' quotes",
    "percent %20 and ?query=1&x=2",
    "back\\slash at end\\",
    "!tag &anchor *alias |pipe >fold",
    "…" * 3 + "x" * 480,
    "   padded   ",
    "(臺)中央社CNA",
    "#hash start",
    "@at `tick`",
]
LAYOUT = (
    '{"title": {{ page.title | jsonify }}, "author": {{ page.author | jsonify }}, '
    '"from": {{ page.from | jsonify }}, "tags": {{ page.tags | jsonify }}, '
    '"categories": {{ page.categories | jsonify }}, "path": {{ page.path | jsonify }}, '
    '"content": {{ content | jsonify }}}\n'
)
# kramdown's typographic display (smart quotes, dashes, ellipsis) is not a loss of text.
TYPOGRAPHY = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "–": "--",
        "—": "---",
        "«": "<<",
        "»": ">>",
    }
)
LINK = re.compile(r'<a href="[^"]*">(.*?)</a>', re.S)


@pytest.mark.jekyll
def test_jekyll_builds_hostile_posts_with_exact_titles(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "_layouts").mkdir(parents=True)
    (site / "_layouts" / "post.html").write_text(LAYOUT, encoding="utf-8")
    (site / "_config.yml").write_text("permalink: /:year/:month/:day/:slug/\n", encoding="utf-8")
    start = datetime(2020, 1, 1, 12, tzinfo=timezone.utc)
    sources = {}
    for i, text in enumerate(HOSTILE):
        author = HOSTILE[-1 - i]
        art = make_article(
            text,
            author=author,
            site=text,
            link=f"https://x.org/{i}?a=b#c",
            date=start + timedelta(days=i),
        )
        path = write_post(site / "_posts", art)
        sources[f"_posts/{path.name}"] = art
    out = subprocess.run(
        [JEKYLL, "build", "--safe", "-s", str(site), "-d", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    pages = [
        json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").rglob("index.html")
    ]
    assert len(pages) == len(HOSTILE)
    for page in pages:
        art = sources[page["path"]]
        assert page["title"] == normalize_title(art.title)
        assert page["author"] == art.author
        assert page["from"] == art.link
        assert page["tags"] == [art.site] and page["categories"] == [art.site]
        shown = LINK.search(page["content"])
        assert shown is not None
        if not any(c in art.title for c in "*_&`"):  # emphasis, entities, code are markup
            shown_text = html.unescape(shown.group(1)).translate(TYPOGRAPHY)
            assert shown_text == normalize_title(art.title).strip().translate(TYPOGRAPHY)


@pytest.mark.jekyll
def test_liquid_in_a_title_needs_the_opt_out(tmp_path: Path) -> None:
    """Why render_post adds ``render_with_liquid: false``: without it, one title with
    ``{% x %}`` makes Jekyll fail the whole build."""
    site = tmp_path / "site"
    (site / "_layouts").mkdir(parents=True)
    (site / "_layouts" / "post.html").write_text(LAYOUT, encoding="utf-8")
    path = write_post(site / "_posts", make_article("a {% foo %} b"))
    text = path.read_text(encoding="utf-8")
    assert "\nrender_with_liquid: false\n" in text
    path.write_text(text.replace("render_with_liquid: false\n", ""), encoding="utf-8")
    out = subprocess.run(
        [JEKYLL, "build", "--safe", "-s", str(site), "-d", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode != 0
    assert "Liquid" in out.stdout + out.stderr
