"""Helpers of the site tests (paths of the real fixtures, a Jekyll build of posts)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

from paths import FIXTURES, REAL_SAMPLE, REPO  # noqa: F401 - the site tests import REPO from here

SAMPLE_POSTS = REAL_SAMPLE / "_posts"
SEED_DIR = FIXTURES / "posts" / "seed"
JEKYLL = shutil.which("jekyll") or "/usr/bin/jekyll"

LISTING = """---
layout: null
permalink: /urls.txt
---
{% for p in site.posts %}{{ p.path }}\t{{ p.url }}
{% endfor %}"""


def jekyll_build(
    posts: list[Path], where: Path, permalink: str = "/:year-:month-:day/:title/"
) -> Path:
    """Build ``posts`` with real Jekyll in ``where`` (minimal site, trivial layout, UTC)."""
    src = where / "src"
    (src / "_posts").mkdir(parents=True)
    (src / "_layouts").mkdir()
    for post in posts:
        shutil.copy2(post, src / "_posts" / post.name)
    (src / "_layouts" / "post.html").write_text("{{ content }}", encoding="utf-8")
    (src / "_config.yml").write_text(f"permalink: {permalink}\n", encoding="utf-8")
    (src / "urls.txt").write_text(LISTING, encoding="utf-8")
    env = dict(os.environ, TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    out = where / "_site"
    subprocess.run(
        [JEKYLL, "build", "-q", "-s", str(src), "-d", str(out)],
        check=True,
        env=env,
        capture_output=True,
        timeout=600,
    )
    return out


def jekyll_urls(site: Path) -> dict[str, str]:
    """File name → unescaped URL, from the listing page of :func:`jekyll_build`."""
    urls = {}
    for line in (site / "urls.txt").read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            path, url = line.rsplit("\t", 1)
            urls[path.removeprefix("_posts/")] = unquote(url)
    return urls


def make_vault(root: Path, posts: list[Path], toml: str = "") -> Path:
    (root / "_posts").mkdir(parents=True)
    for post in posts:
        shutil.copy2(post, root / "_posts" / post.name)
    (root / "newsvault.toml").write_text(toml, encoding="utf-8")
    return root


# --- search: what a query should find, worked out apart from the index ---------------
BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "blockquote",
    "pre",
    "section",
    "article",
    "figure",
    "figcaption",
    "hr",
    "dd",
    "dt",
    "dl",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "details",
    "summary",
    "caption",
    "address",
    "tbody",
    "thead",
}
CJK_CHARS = "\u3005-\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
LETTERS = "A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"


def page_text(element) -> str:
    """An element's text with a line break around each block element (lxml, not the
    indexer's reading: the truth of the quality tests is worked out apart from it)."""
    parts: list[str] = []

    def walk(el) -> None:
        block = isinstance(el.tag, str) and el.tag.lower() in BLOCK_TAGS
        if block:
            parts.append("\n")
        if isinstance(el.tag, str) and el.tag.lower() not in ("script", "style") and el.text:
            parts.append(el.text.replace("\n", " "))
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail.replace("\n", " "))
        if block:
            parts.append("\n")

    walk(element)
    return "".join(parts)


def site_post_texts(site: Path) -> dict[str, str]:
    """Site path of each post page → its title and article text."""
    import lxml.html

    out = {}
    for page in site.rglob("index.html"):
        if (page.parent / "index.html") != page:
            continue
        doc = lxml.html.fromstring(page.read_bytes())
        content = doc.xpath('//article[@class="post"]//div[@class="content"]')
        if not content:
            continue
        title = doc.xpath('//article[@class="post"]//h1')[0].text_content()
        out[page.parent.relative_to(site).as_posix() + "/"] = title + "\n" + page_text(content[0])
    return out


def expected_hits(query: str, texts: dict[str, str]) -> set[str]:
    """The posts holding every term of ``query`` (folded substring match; words whole)."""
    import re

    from newsvault.site.search.fold import fold

    terms = re.findall(r'"([^"]*)"', query) + re.sub(r'"[^"]*"', " ", query).split()
    patterns = []
    for term in terms:
        tokens = re.findall(f"[{CJK_CHARS}]|[{LETTERS}]+", fold(term))
        pattern = ""
        for i, token in enumerate(tokens):
            if i:
                both_words = re.fullmatch(f"[{LETTERS}]+", token) and re.fullmatch(
                    f"[{LETTERS}]+", tokens[i - 1]
                )
                pattern += r"[^\S\n]+" if both_words else r"[^\S\n]*"
            pattern += re.escape(token)
        if not tokens:
            continue
        word = re.compile(f"[{LETTERS}]+")
        head = f"(?<![{LETTERS}])" if word.fullmatch(tokens[0]) else ""
        tail = f"(?![{LETTERS}])" if word.fullmatch(tokens[-1]) else ""
        patterns.append(re.compile(head + pattern + tail))
    ignorable = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
    return {
        url
        for url, text in texts.items()
        if all(p.search(ignorable.sub("", fold(text))) for p in patterns)
    }
