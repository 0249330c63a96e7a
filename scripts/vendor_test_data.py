"""Choose and copy the test data subset (``tests/data/``) from the full fixture corpus.

The corpus (599 real posts, 362 feeds; ~21 MB) lives outside the repository. The tests
need a few MB of it, chosen by the rules below and copied byte for byte with trimmed
MANIFEST.json files, so that a plain clone can run the suite. Re-running this script over
the same corpus gives the same files (the choice is deterministic); ``--check`` verifies
that ``tests/data`` still holds exactly what it would copy.

Usage: python scripts/vendor_test_data.py CORPUS [--out tests/data] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# -- posts ------------------------------------------------------------------------------

#: Flag classes of the real sample kept whole: every post that carries one is copied.
ALL_OF = (
    "filename_windows_illegal_char",
    "filename_control_char",
    "filename_over_200_bytes",
    "filename_empty_slug",
    "empty_title",
    "liquid_delimiters_in_body",
    "unicode_replacement_char",
    "epoch_comment_differs_from_date",
    "author_leading_trailing_space",
    "date_only_no_time",
    "control_char_in_content",
    "filename_double_or_edge_space",
)
#: Large flag classes: at least this many examples each (those already chosen count).
SOME_OF = {
    "epoch_comment_NaN": 8,
    "html_entity_in_front_matter": 8,
    "filename_title_truncated_50": 8,
    "filename_unicode_space_or_zero_width": 8,
    "front_matter_value_contains_---": 8,
}
#: Posts for the byte-identical rendering table (tests/test_reference_bytes.py).
ORDINARY = 40
#: Every (year, first tag) stratum of the original sample keeps this many posts (those
#: already chosen count) when it has small ones; at least one in any case.
PER_STRATUM = 2
#: Posts picked for the rules above that have a choice are at most this big ("small first"
#: would favour one layout); the classes kept whole are copied whatever their size.
CHOICE_MAX_BYTES = 20_000
SEED = 5685  # the original sample's seed
#: Posts a test names (the browser's search test looks each one up by a word only it has).
NAMED = (
    "2014-12-22-翻墙新利器：萤火虫代理.md",
    "2023-06-16-The Stakes of Antony Blinken",
    "2025-02-15-不會日文去考 JLPT",
)

# -- feeds ------------------------------------------------------------------------------

#: (folder, rule) → which files of each feed collection are copied.
FEED_SETS = {
    # every small case: all of them are tiny
    "feedparser": lambda path, size: True,
    # the real-world feeds up to 32.5 KB: charsets, RDF, RSS 0.91, Atom, no declaration...
    "rss-parser": lambda path, size: size <= 32_500,
    # the feeds up to 20 KB (integration inputs and benchmark feeds), postgis.xml (a newline
    # before <?xml), and 9e0834333e854116 (declares UTF-16, is UTF-8), which a test names
    "fastfeedparser": lambda path, size: (
        size <= 20_000
        or path.endswith("9e0834333e854116")
        or path == "tests/integration/postgis.xml"
    ),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def front_matter_from(text: str) -> str | None:
    """The ``from:`` value as written (quotes stripped), for the duplicate-link groups."""
    head = text.split("\n---\n", 1)[0]
    match = re.search(r"^from: (.*)$", head, flags=re.M)
    return match.group(1).strip().strip('"') if match else None


def feedmaker_picks(posts: Path, records: list[dict]) -> set[str]:
    """The posts ``tests/feedmaker.py`` turns into ``examples/feeds/``, so that running it on
    the subset regenerates those files unchanged."""
    sys.path.insert(0, str(REPO / "tests"))
    import feedmaker  # noqa: PLC0415 - only this script needs it

    picked = set()
    for _name, tag, _title, _link, _kind, count in feedmaker.EXAMPLES:
        found = []
        for record in records:
            path = posts / record["file"]
            if path.stat().st_size <= 6000 and f"tags: [ {tag} ]" in path.read_text("utf-8"):
                item = feedmaker.read_item(path)
                if item is not None:
                    found.append((item.date, record["file"]))
        found.sort(reverse=True)
        picked |= {name for _, name in found[:count]}
    return picked


def choose_posts(sample: Path, manifest: dict) -> dict[str, list[str]]:
    """File name → why it is in the subset (rules in order; a post may meet several)."""
    records = sorted(manifest["files"], key=lambda r: r["file"])
    posts = sample / "_posts"
    why: dict[str, list[str]] = defaultdict(list)
    rng = random.Random(SEED)

    def take(name: str, reason: str) -> None:
        if reason not in why[name]:
            why[name].append(reason)

    for record in records:
        for flag in ALL_OF:
            if flag in record["flags"]:
                take(record["file"], f"flag:{flag}")
    groups = defaultdict(list)
    for record in records:
        groups[front_matter_from((posts / record["file"]).read_text("utf-8"))].append(
            record["file"]
        )
    for names in groups.values():
        if len(names) > 1:
            for name in names:
                take(name, "duplicate_link")
    small = [r for r in records if r["bytes"] <= CHOICE_MAX_BYTES]
    for flag, count in SOME_OF.items():
        have = [r for r in records if flag in r["flags"] and r["file"] in why]
        pool = [r for r in small if flag in r["flags"] and r["file"] not in why]
        for record in rng.sample(pool, min(len(pool), max(0, count - len(have)))):
            take(record["file"], f"flag:{flag}")
        for record in have:
            take(record["file"], f"flag:{flag}")
    for record in records:
        if record["file"].startswith(NAMED):
            take(record["file"], "named_by_a_test")
    for name in sorted(feedmaker_picks(posts, records)):
        take(name, "examples_feeds")
    ordinary = [r for r in small if is_ordinary(posts, r)]
    chosen_ordinary = [r for r in ordinary if r["file"] in why]
    pool = [r for r in ordinary if r["file"] not in why]
    for record in chosen_ordinary + rng.sample(
        pool, min(len(pool), ORDINARY - len(chosen_ordinary))
    ):
        take(record["file"], "reference_bytes")
    strata = defaultdict(list)
    for record in records:
        strata[(record["year"], record["tag"])].append(record)
    for key in sorted(strata):
        members = strata[key]
        have = [r for r in members if r["file"] in why]
        pool = [r for r in members if r["file"] not in why and r["bytes"] <= CHOICE_MAX_BYTES]
        need = min(PER_STRATUM, len(members)) - len(have)
        picked = rng.sample(pool, min(len(pool), max(0, need)))
        if not have and not picked:  # only big posts: the smallest, so no stratum is empty
            picked = [min(members, key=lambda r: r["bytes"])]
        for record in picked:
            take(record["file"], "stratum")
    return dict(why)


def is_ordinary(posts: Path, record: dict) -> bool:
    """Ordinary in the sense of tests/test_reference_bytes.py, judged from the file alone:
    link layout, no hazard but Medium's ``---`` URL, only the seven reference keys, a
    ``.mmmZ`` date, and title/author/site free of anything YAML, Markdown or HTML treat
    specially. (The test decides with the parser; this is the same rule before it runs.)"""
    if not record["body_layout"].startswith("epoch") or set(record["flags"]) - {
        "front_matter_value_contains_---"
    }:
        return False
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", record["date_raw"]):
        return False
    head = (posts / record["file"]).read_text("utf-8").split("\n---\n", 1)[0]
    keys = {line.split(":", 1)[0] for line in head.splitlines()[1:]}
    if keys != {"layout", "title", "date", "author", "from", "tags", "categories"}:
        return False
    fields = dict(line.split(": ", 1) for line in head.splitlines()[1:] if ": " in line)
    title = fields.get("title", "").removeprefix('"').removesuffix('"')
    tag = fields.get("tags", "").removeprefix("[ ").removesuffix(" ]")
    special = re.compile(
        r'[\\:*?"<>|\[\]&#_`{}\'\x00-\x1f\x7f-\x9f\u00a0\u2000-\u200f\u2028-\u202f]'
    )
    for value in (title, fields.get("author", ""), tag):
        if (
            not value
            or value != value.strip()
            or "  " in value
            or special.search(value)
            or value[0] in "-?!%@"
        ):
            return False
    return fields.get("categories") == fields.get("tags")


# -- copying ----------------------------------------------------------------------------


def plan(corpus: Path) -> dict[str, bytes]:
    """Relative path in tests/data → bytes, for every file of the subset."""
    out: dict[str, bytes] = {}
    sample = corpus / "posts" / "real-sample"
    manifest = json.loads((sample / "MANIFEST.json").read_text("utf-8"))
    why = choose_posts(sample, manifest)
    kept = []
    for record in manifest["files"]:
        if record["file"] in why:
            data = (sample / "_posts" / record["file"]).read_bytes()
            assert sha256(data) == record["sha256"], record["file"]
            out[f"posts/real-sample/_posts/{record['file']}"] = data
            kept.append({**record, "kept_because": why[record["file"]]})
    counts: dict[str, int] = defaultdict(int)
    for record in kept:
        for flag in record["flags"]:
            counts[flag] += 1
    trimmed = {
        "subset": {
            "of": "fixtures/posts/real-sample/MANIFEST.json (599 posts; its summary is kept below)",
            "made_by": "scripts/vendor_test_data.py",
            "rules": {
                "all_of": list(ALL_OF),
                "some_of": SOME_OF,
                "duplicate_links": "all",
                "examples_feeds": "the posts tests/feedmaker.py uses",
                "named_by_a_test": list(NAMED),
                "reference_bytes": ORDINARY,
                "per_stratum": PER_STRATUM,
                "choice_max_bytes": CHOICE_MAX_BYTES,
                "seed": SEED,
            },
            "files": len(kept),
            "bytes": sum(r["bytes"] for r in kept),
            "hazard_counts": dict(sorted(counts.items())),
        },
        **manifest,
        "files": kept,
    }
    out["posts/real-sample/MANIFEST.json"] = json_bytes(trimmed)
    out["posts/real-sample/LICENSE.oped2-repository.txt"] = (
        sample / "LICENSE.oped2-repository.txt"
    ).read_bytes()
    for path in sorted((corpus / "posts" / "seed").iterdir()):
        out[f"posts/seed/{path.name}"] = path.read_bytes()
    for folder, rule in FEED_SETS.items():
        root = corpus / "feeds" / folder
        feed_manifest = json.loads((root / "MANIFEST.json").read_text("utf-8"))
        files = [r for r in feed_manifest["files"] if rule(r["path"], r["bytes"])]
        for record in files:
            data = (root / record["path"]).read_bytes()
            assert sha256(data) == record["sha256"], record["path"]
            out[f"feeds/{folder}/{record['path']}"] = data
        left = [r["path"] for r in feed_manifest["files"] if r not in files]
        if left:
            feed_manifest = {
                **feed_manifest,
                "files": files,
                "left_out_of_tests_data": {"made_by": "scripts/vendor_test_data.py", "files": left},
            }
        out[f"feeds/{folder}/MANIFEST.json"] = json_bytes(feed_manifest)
        out[f"feeds/{folder}/LICENSE"] = (root / "LICENSE").read_bytes()
    return out


def json_bytes(value: dict) -> bytes:
    """Indented JSON with each record of ``files`` on one line (a third smaller, and a diff
    of the subset shows one line per file)."""
    records = value["files"]
    head = json.dumps({**value, "files": ["@"]}, ensure_ascii=False, indent=1)
    lines = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in records)
    return (head.replace('[\n  "@"\n ]', "[\n" + lines + "\n ]") + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="the fixtures folder (feeds/ and posts/)")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data")
    parser.add_argument("--check", action="store_true", help="only compare, change nothing")
    args = parser.parse_args(argv)
    files = plan(args.corpus)
    managed = [args.out / "feeds", args.out / "posts"]
    present = {
        p.relative_to(args.out).as_posix()
        for root in managed
        if root.is_dir()
        for p in root.rglob("*")
        if p.is_file()
    }
    if args.check:
        wrong = sorted(
            rel
            for rel, data in files.items()
            if rel not in present or (args.out / rel).read_bytes() != data
        )
        extra = sorted(present - set(files))
        for rel in wrong:
            print(f"differs or missing: {rel}")
        for rel in extra:
            print(f"not in the subset:  {rel}")
        return 1 if wrong or extra else 0
    for root in managed:
        shutil.rmtree(root, ignore_errors=True)
    for rel, data in files.items():
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    size = sum(len(d) for d in files.values())
    print(f"{len(files)} files, {size:,} bytes, written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
