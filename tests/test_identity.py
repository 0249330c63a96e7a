"""The dedup key."""

from __future__ import annotations

import pytest

from newsvault.archive.identity import normalize_link


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("HTTPS://Example.COM:443/a?b=1#frag", "https://example.com/a?b=1#frag"),
        ("https://x.org/a#", "https://x.org/a"),
        ("https://x.org/a#utm_source=feed&utm_medium=rss", "https://x.org/a"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://x.org/a?utm_source=rss&id=7&UTM_medium=x&fbclid=1", "https://x.org/a?id=7"),
        ("https://x.org/A/Path?Q=Keep", "https://x.org/A/Path?Q=Keep"),
        ("https://medium.com/x?source=rss-1------2", "https://medium.com/x?source=rss-1------2"),
        ("  https://x.org/a  ", "https://x.org/a"),
        ("urn:uuid:1234", "urn:uuid:1234"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_link(raw: str | None, key: str) -> None:
    assert normalize_link(raw) == key


def test_prefix_is_not_identity() -> None:
    assert normalize_link("https://x.org/a") != normalize_link("https://x.org/ab")
