"""subs.json: the reference format, optional keys, clear errors, unknown keys kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsvault.errors import ConfigError, UsageError
from newsvault.models import Subscription
from newsvault.subscriptions import (
    add_subscription,
    load_subscriptions,
    read_subs_file,
    remove_subscription,
    save_subs_file,
)


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "subs.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_reference_format(tmp_path: Path) -> None:
    path = write(tmp_path, [{"site": "(臺)中央社CNA", "url": "https://example.com/cna.xml"}])
    assert load_subscriptions(path) == [
        Subscription("(臺)中央社CNA", "https://example.com/cna.xml")
    ]


def test_optional_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {
                "site": "S",
                "url": "u",
                "author": " Ann ",
                "tags": ["a", "b"],
                "categories": "c",
                "enabled": False,
                "fulltext": "article.main",
                "images": "local",
            }
        ],
    )
    assert load_subscriptions(path) == [
        Subscription(
            "S",
            "u",
            author="Ann",
            tags=("a", "b"),
            categories=("c",),
            enabled=False,
            fulltext="article.main",
            images="local",
        )
    ]


def test_missing_file_is_an_empty_list(tmp_path: Path) -> None:
    assert load_subscriptions(tmp_path / "subs.json") == []


@pytest.mark.parametrize(
    "data,message",
    [
        ({"site": "x"}, "must be a JSON array"),
        (["x"], "entry 1: must be an object"),
        ([{"site": "A", "url": "u"}, {"site": "B"}], "entry 2 (site 'B'): 'url' is required"),
        ([{"url": "u"}], "entry 1: 'site' is required"),
        ([{"site": "A", "url": "u", "tags": [1]}], "entry 1 (site 'A'): 'tags' must be a list"),
        ([{"site": "A", "url": "u", "enabled": "yes"}], "'enabled' must be true or false"),
        (
            [{"site": "A", "url": "u", "images": "copy"}],
            "'images' must be one of keep, proxy, local",
        ),
        ([{"site": "A", "url": "u", "fulltext": 3}], "'fulltext' must be"),
        ([{"site": "A", "url": "u", "author": 3}], "'author' must be a string"),
        (
            [{"site": "A", "url": "u"}, {"site": "B", "url": "u"}],
            "entry 2 (site 'B'): url u is already used by entry 1",
        ),
    ],
)
def test_errors_name_file_entry_and_problem(tmp_path: Path, data: object, message: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as err:
        load_subscriptions(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_invalid_json_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "subs.json"
    path.write_text('[{"site": "a",\n "url": }]')
    with pytest.raises(ConfigError, match=r"not valid JSON: .*line 2, column 9"):
        load_subscriptions(path)


def test_add_and_remove_keep_unknown_keys(tmp_path: Path) -> None:
    path = write(tmp_path, [{"site": "A", "url": "https://a/feed", "future_key": {"x": 1}}])
    subs = add_subscription(
        read_subs_file(path), {"site": "B", "url": "https://b/feed", "tags": ["t"]}
    )
    save_subs_file(subs)
    saved = json.loads(path.read_text())
    assert saved == [
        {"site": "A", "url": "https://a/feed", "future_key": {"x": 1}},
        {"site": "B", "url": "https://b/feed", "tags": ["t"]},
    ]
    with pytest.raises(UsageError, match="already subscribed"):
        add_subscription(read_subs_file(path), {"site": "C", "url": "https://a/feed"})
    remaining, gone = remove_subscription(read_subs_file(path), "A")
    assert [s.site for s in gone] == ["A"] and [s.site for s in remaining.subscriptions] == ["B"]
    with pytest.raises(UsageError, match="no subscription"):
        remove_subscription(remaining, "nope")


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "site": st.text(min_size=1).filter(str.strip),
                "url": st.text(min_size=1).filter(str.strip),
            }
        ),
        unique_by=lambda d: d["url"].strip(),
        max_size=5,
    )
)
def test_save_then_load_round_trips(entries: list[dict[str, str]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "subs.json"
        subs = read_subs_file(path)
        for entry in entries:
            subs = add_subscription(subs, entry)
        save_subs_file(subs)
        assert [(s.site, s.url) for s in load_subscriptions(path)] == [
            (e["site"], e["url"].strip()) for e in entries
        ]


def test_the_site_reads_subs_json_through_this_module(tmp_path: Path) -> None:
    """One subs.json reader (issue 13.4): the site's list of sources skips disabled
    subscriptions, and a broken file is a ConfigError naming it, not an empty list."""
    from newsvault.site.inputs import subscribed_sites
    from newsvault.vault import Vault

    vault = Vault(tmp_path)
    vault.subs_file.write_text(
        json.dumps(
            [
                {"site": "On", "url": "https://a.example/feed"},
                {"site": "Off", "url": "https://b.example/feed", "enabled": False},
            ]
        )
    )
    assert subscribed_sites(vault) == ["On"]
    vault.subs_file.write_text('[{"site": "On"}]')
    with pytest.raises(ConfigError, match="subs.json"):
        subscribed_sites(vault)


def test_one_list_of_image_modes() -> None:
    """subs.json, the CLI's ``--images`` choices and the content stage check against
    ``models.IMAGE_MODES`` (issue 13.4), so they cannot disagree."""
    from newsvault.cli.subs_cmds import add_cmd
    from newsvault.content.clean import ContentOptions
    from newsvault.models import IMAGE_MODES

    choice = next(p for p in add_cmd.params if p.name == "images")
    assert tuple(choice.type.choices) == IMAGE_MODES == ("keep", "proxy", "local")
    for mode in IMAGE_MODES:
        assert ContentOptions(images=mode).images == mode
    with pytest.raises(ConfigError, match="keep, proxy, local"):
        ContentOptions(images="bogus")
