"""File names: the reference rule plus portability."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from conftest import make_article
from newsvault.archive.naming import MAX_NAME_BYTES, name_for, post_filename, with_suffix

D = datetime(2021, 1, 27, 23, 57, 20, tzinfo=timezone.utc)


def test_date_is_utc() -> None:
    tz8 = timezone(timedelta(hours=8))
    assert name_for("x", D.astimezone(tz8)) == "2021-01-27-x.md"


def test_reference_and_portability_rules() -> None:
    assert name_for("a/b", D) == "2021-01-27-a--b.md"
    assert name_for('a\\b:c*d?e"f<g>h|i\x08j', D) == "2021-01-27-a-b-c-d-e-f-g-h-i-j.md"
    assert name_for("ends with dots... ", D) == "2021-01-27-ends with dots.md"
    assert name_for("", D) == "2021-01-27-.md"
    long = "字" * 60
    assert name_for(long, D) == f"2021-01-27-{'字' * 50}.md"


def test_byte_limit_never_splits_characters() -> None:
    name = name_for("😀" * 50, D)
    assert len(name.encode()) <= MAX_NAME_BYTES
    suffixed = with_suffix(name_for("/" * 50 + "x", D), 12345)
    assert len(suffixed.encode()) <= MAX_NAME_BYTES and suffixed.endswith("-12345.md")
    big = with_suffix(name, 99)
    assert len(big.encode()) <= MAX_NAME_BYTES
    big.encode("utf-8")  # no lone surrogates


def test_suffix_and_post_filename() -> None:
    assert with_suffix("2021-01-27-x.md", 1) == "2021-01-27-x.md"
    assert with_suffix("2021-01-27-x.md", 3) == "2021-01-27-x-3.md"
    assert post_filename(make_article("  two\n lines ")) == "2021-01-27-two lines.md"


def test_the_suffix_keeps_the_extension_and_the_byte_limit() -> None:
    from newsvault.archive.naming import MAX_NAME_BYTES, with_suffix

    assert with_suffix("2021-01-27-x.md", 2) == "2021-01-27-x-2.md"
    assert with_suffix("2021-01-27-x.html", 3) == "2021-01-27-x-3.html"
    assert with_suffix("2021-01-27-x.md", 1) == "2021-01-27-x.md"
    long = "2021-01-27-" + "é" * 200 + ".markdown"
    assert len(with_suffix(long, 12).encode()) <= MAX_NAME_BYTES
    assert with_suffix(long, 12).endswith("-12.markdown")
