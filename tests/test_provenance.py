"""The provenance record's file format (docs/provenance.md): append-only JSON Lines."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from newsvault.archive.provenance import Record, append, month_file, read_file

SEEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_lines_are_one_object_each_in_the_month_file(tmp_path: Path) -> None:
    records = [
        Record(
            post="_posts/2024-05-01-a.md",
            link="https://e.com/a",
            seen=SEEN,
            feed="https://e.com/feed",
            guid="1",
        ),
        Record(
            post="_posts/2024-04-30-b.md",
            link="https://e.com/b",
            seen=datetime(2024, 4, 30, tzinfo=timezone.utc),
            reconstructed=True,
        ),
    ]
    files = append(tmp_path, records)
    assert sorted(p.name for p in files) == ["2024-04.jsonl", "2024-05.jsonl"]
    line = (tmp_path / "2024-05.jsonl").read_text(encoding="utf-8")
    assert line == (
        '{"v":2,"seen":"2024-05-01T12:00:00Z","post":"_posts/2024-05-01-a.md",'
        '"link":"https://e.com/a","feed":"https://e.com/feed","guid":"1"}\n'
    )
    assert json.loads((tmp_path / "2024-04.jsonl").read_text())["reconstructed"] is True
    assert list(read_file(tmp_path / "2024-05.jsonl")) == records[:1]


def test_a_torn_last_line_is_ignored_and_never_continued(tmp_path: Path) -> None:
    record = Record(post="_posts/x.md", link="https://e.com/x", seen=SEEN, feed="f", guid="g")
    path = month_file(tmp_path, SEEN)
    append(tmp_path, [record])
    with path.open("ab") as fh:
        fh.write(record.to_line().encode()[:30])  # a crash while appending
    assert list(read_file(path)) == [record]
    later = Record(post="_posts/y.md", link="https://e.com/y", seen=SEEN, feed="f", guid="h")
    append(tmp_path, [later])
    assert list(read_file(path)) == [record, later]
    assert path.read_bytes().count(b"\n") == 3  # the torn piece stands alone on its line


def test_keys_of_later_versions_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "2024-05.jsonl"
    path.write_text(
        '{"v":3,"seen":"2024-05-01T12:00:00Z","post":"_posts/x.md","link":"l",'
        '"feed":"f","guid":"g","sha256":"ab","status":200,"later":[1]}\n<<<<<<< HEAD\n'
    )
    (record,) = read_file(path)
    assert (record.version, record.sha256, record.status) == (3, "ab", 200)
    assert record.extra == {"later": [1]}
    assert json.loads(record.to_line())["later"] == [1]


def test_version_1_lines_still_read(tmp_path: Path) -> None:
    path = tmp_path / "2024-05.jsonl"
    path.write_text(
        '{"v":1,"seen":"2024-05-01T12:00:00Z","post":"_posts/x.md","link":"l",'
        '"feed":"f","guid":"g"}\n'
    )
    (record,) = read_file(path)
    assert (record.version, record.guid, record.feed, record.sha256, record.source) == (
        1,
        "g",
        "f",
        None,
        None,
    )


def test_version_2_keys_round_trip(tmp_path: Path) -> None:
    record = Record(
        post="_posts/x.md",
        link="https://e.com/x",
        seen=SEEN,
        feed="f",
        guid="g",
        final_url="https://e.com/x/",
        status=200,
        sha256="a" * 64,
        body_sha256="b" * 64,
        source="selector",
        newsvault="0.1.0",
    )
    append(tmp_path, [record])
    assert list(read_file(month_file(tmp_path, SEEN))) == [record]
    data = json.loads(month_file(tmp_path, SEEN).read_text())
    assert data["v"] == 2 and data["source"] == "selector" and data["status"] == 200


@given(st.text(), st.one_of(st.none(), st.text()), st.text())  # lone surrogates included
def test_any_text_round_trips(link: str, guid: str | None, post: str) -> None:
    record = Record(post=post, link=link, seen=SEEN, feed="https://e.com/f", guid=guid)
    assert "\n" not in record.to_line()[:-1]
    assert Record.from_json(json.loads(record.to_line())) == record


def test_a_lone_surrogate_is_written_as_valid_utf8(tmp_path: Path) -> None:
    record = Record(post="_posts/x.md", link="https://e.com/\ud800", seen=SEEN, guid="\udfff")
    append(tmp_path, [record])
    data = month_file(tmp_path, SEEN).read_bytes()
    data.decode("utf-8")
    assert list(read_file(month_file(tmp_path, SEEN))) == [record]
