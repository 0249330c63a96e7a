"""`check` on the real archive sample: all posts parse, exactly the flagged hazards are
reported, and nothing on disk changes."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from conftest import REAL_SAMPLE
from newsvault.archive.checker import check_archive
from newsvault.archive.posts import read_post
from paths import CORPUS

# MANIFEST flag → the start of the warning it must produce (one per flagged post).
FLAG_WARNINGS = {
    "epoch_comment_NaN": "the <!--NaN--> marker",
    "epoch_comment_differs_from_date": "the <!--1",
    "date_only_no_time": "date 20",
    "control_char_in_content": "body contains control character",
    "unicode_replacement_char": "contains U+FFFD",
    "liquid_delimiters_in_body": "body contains '{{'",
    "empty_title": "the title is empty",
    "filename_control_char": "file name contains control characters",
    "duplicate": "same link as ",  # not a MANIFEST flag: derived from the files below
}


class Expected(NamedTuple):
    """Counted from the sample's MANIFEST flags and its duplicate links, not from `check`."""

    posts: int
    ok: int
    warnings: int
    nan: int
    date_only: int


# tests/data: 196 posts, of which 39 carry a flag of FLAG_WARNINGS or share their link with
# another post (the 12 files of the six duplicate groups); the full sample: 599, 49.
EXPECTED = {"data": Expected(196, 157, 39, 13, 5), "corpus": Expected(599, 550, 49, 23, 5)}


@pytest.fixture(
    scope="module", params=[pytest.param("data"), pytest.param("corpus", marks=pytest.mark.corpus)]
)
def sample(request: pytest.FixtureRequest) -> tuple[Path, Expected]:
    root = REAL_SAMPLE if request.param == "data" else CORPUS / "posts" / "real-sample"
    return root, EXPECTED[request.param]


@pytest.fixture(scope="module")
def manifest(sample: tuple[Path, Expected]) -> dict:
    return json.loads((sample[0] / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def posts(sample: tuple[Path, Expected]) -> Path:
    return sample[0] / "_posts"


@pytest.fixture(scope="module")
def report(posts: Path):  # noqa: ANN201
    return check_archive(posts)


def test_every_real_post_parses_and_none_is_broken(
    manifest: dict,
    report,
    posts: Path,  # noqa: ANN001
    sample: tuple[Path, Expected],
) -> None:
    records = manifest["files"]
    expected = sample[1]
    assert report.posts == len(records) == expected.posts
    assert (report.ok, report.warnings) == (expected.ok, expected.warnings)
    # The fixture states that PyYAML loads all front matter and every post has the keys.
    assert manifest["summary"]["pyyaml"]["failures"] == 0
    assert report.broken == 0
    layouts = Counter(read_post(posts / r["file"]).layout for r in records)
    expected = Counter("link" if r["body_layout"].startswith("epoch") else "html" for r in records)
    assert layouts == expected


def _duplicate_links(manifest: dict, posts: Path) -> dict[str, int]:
    """Files whose ``from:`` (as YAML reads it) is also another file's, with the group size."""
    groups: dict[str, list[str]] = defaultdict(list)
    for record in manifest["files"]:
        text = (posts / record["file"]).read_text(encoding="utf-8")
        head = text[4 : text.index("\n---\n", 3)]
        groups[yaml.safe_load(head)["from"]].append(record["file"])
    return {f: len(g) for g in groups.values() if len(g) > 1 for f in g}


def test_warnings_are_exactly_the_flagged_hazards(
    manifest: dict,
    report,
    posts: Path,  # noqa: ANN001
    sample: tuple[Path, Expected],
) -> None:
    dups = _duplicate_links(manifest, posts)
    assert len(dups) == 12  # six articles the reference archived twice (ChinaFile re-posts)
    flagged = {r["file"]: {f for f in r["flags"] if f in FLAG_WARNINGS} for r in manifest["files"]}
    for name in dups:
        flagged[name].add("duplicate")
    warned = {item.path.name: [p.message for p in item.problems] for item in report.reports}
    assert set(warned) == {name for name, flags in flagged.items() if flags}
    assert report.warnings == len(warned)
    for name, flags in flagged.items():
        messages = warned.get(name, [])
        for flag in flags:
            assert sum(m.startswith(FLAG_WARNINGS[flag]) for m in messages) == 1, (name, flag)
        assert len(messages) == len(flags), (name, messages)
    counts = Counter(f for flags in flagged.values() for f in flags)
    assert (counts["epoch_comment_NaN"], counts["date_only_no_time"]) == (
        sample[1].nan,
        sample[1].date_only,
    )


def test_nothing_is_modified(manifest: dict, report, posts: Path) -> None:  # noqa: ANN001
    for record in manifest["files"]:
        data = (posts / record["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"]


def test_broken_posts_are_counted(tmp_path: Path) -> None:
    (tmp_path / "2021-01-01-a.md").write_text('---\ntitle: "a"\n---\nno date\n', encoding="utf-8")
    (tmp_path / "2021-01-01-b.md").write_text(
        '---\ntitle: "b"\ndate: 2021-01-01T00:00:00Z\nfrom: https://x.org/b\ntags: [ X ]\n'
        "categories: [ X ]\n---\n<p>fine</p>\n",
        encoding="utf-8",
    )
    (tmp_path / ".2021-01-01-c.md.1.tmp").write_text("junk", encoding="utf-8")
    result = check_archive(tmp_path)
    assert (result.posts, result.ok, result.warnings, result.broken) == (2, 1, 0, 1)
    assert result.reports[0].problems[0].message == "no date in the front matter"
