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


def jekyll_build(posts: list[Path], where: Path, permalink: str = "/:year-:month-:day/:title/") -> Path:
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
    subprocess.run([JEKYLL, "build", "-q", "-s", str(src), "-d", str(out)], check=True, env=env,
                   capture_output=True, timeout=600)
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
