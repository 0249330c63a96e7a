"""Make small, real-content RSS/Atom feeds from the reference archive's posts.

The posts in ``fixtures/posts/real-sample`` were written from real feeds; turning some
back into a feed gives offline test (and demo) feeds with real titles, authors, links
and HTML. Run as a script to regenerate ``examples/feeds/``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from paths import REAL_SAMPLE, REPO

SAMPLE = REAL_SAMPLE / "_posts"


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    author: str
    date: datetime
    html: str


def read_item(path: Path) -> Item | None:
    """A link-layout post → Item (None for the older scraped layout)."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.M)
    if len(parts) < 3 or "\n------\n" not in parts[2]:
        return None
    meta = yaml.safe_load(parts[1])
    body = parts[2].split("\n------\n", 1)[1]
    html = body.strip().removeprefix("<div>").removesuffix("</div>").strip()
    date = meta["date"]
    if not isinstance(date, datetime):
        return None
    return Item(
        title=str(meta["title"]),
        link=str(meta["from"]),
        author=str(meta["author"]),
        date=date.astimezone(timezone.utc),
        html=html,
    )


def items_for(tag: str, count: int, max_bytes: int = 6000) -> list[Item]:
    """The ``count`` newest small link-layout posts of one source."""
    found = []
    for path in sorted(SAMPLE.iterdir()):
        if path.stat().st_size > max_bytes or f"tags: [ {tag} ]" not in path.read_text("utf-8"):
            continue
        item = read_item(path)
        if item is not None:
            found.append(item)
    found.sort(key=lambda i: i.date, reverse=True)
    return found[:count]


def rss(title: str, site_link: str, items: list[Item]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{escape(title)}</title>",
        f"<link>{escape(site_link)}</link>",
        f"<description>{escape(title)} (newsvault example feed)</description>",
    ]
    for i in items:
        out += [
            "<item>",
            f"<title>{escape(i.title)}</title>",
            f"<link>{escape(i.link)}</link>",
            f'<guid isPermaLink="true">{escape(i.link)}</guid>',
            f"<dc:creator>{escape(i.author)}</dc:creator>",
            f"<pubDate>{format_datetime(i.date, usegmt=True)}</pubDate>",
            f"<content:encoded>{escape(i.html)}</content:encoded>",
            "</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom(title: str, site_link: str, items: list[Item]) -> str:
    def stamp(d: datetime) -> str:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")

    updated = stamp(max(i.date for i in items))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title>",
        f'<link href="{escape(site_link)}"/>',
        f"<id>{escape(site_link)}</id>",
        f"<updated>{updated}</updated>",
    ]
    for i in items:
        out += [
            "<entry>",
            f"<title>{escape(i.title)}</title>",
            f'<link rel="alternate" href="{escape(i.link)}"/>',
            f"<id>{escape(i.link)}</id>",
            f"<author><name>{escape(i.author)}</name></author>",
            f"<published>{stamp(i.date)}</published>",
            f"<updated>{stamp(i.date)}</updated>",
            f'<content type="html">{escape(i.html)}</content>',
            "</entry>",
        ]
    out += ["</feed>", ""]
    return "\n".join(out)


#: The demo feeds: (file, source tag in the sample, feed title, site link, format, items).
EXAMPLES = [
    ("medium.rss", "medium", "Medium (example)", "https://medium.com/", "rss", 6),
    (
        "chinafile.atom",
        "中参馆",
        "ChinaFile 中参馆 (example)",
        "https://www.chinafile.com/",
        "atom",
        5,
    ),
    ("yanjing.rss", "燕京书评", "燕京书评 (example)", "https://www.allnow.com/", "rss", 5),
]


def write_examples(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, tag, title, link, kind, count in EXAMPLES:
        items = items_for(tag, count)
        text = (rss if kind == "rss" else atom)(title, link, items)
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_examples(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "examples" / "feeds")
