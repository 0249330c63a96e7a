"""newsvault.toml: every setting declared once, with its help and its limits.

The generated file (what ``newsvault init`` writes) carries each help line and loads to
the defaults; every key set in it round-trips; a value outside what a setting allows is
a ConfigError naming the file, the key and what is allowed, and the CLI exits 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from newsvault.config import (
    SECTIONS,
    Config,
    TargetConfig,
    allowed,
    config_from_dict,
    config_template,
    describe,
    load_config,
    toml_value,
)
from newsvault.errors import ConfigError

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


def _uncomment(text: str) -> str:
    """The generated file with every ``# key = default`` and ``# [section]`` line switched on."""
    return "\n".join(
        line[2:] if line.startswith("# ") and ("=" in line or line.startswith("# [")) else line
        for line in text.splitlines()
    )


def test_every_setting_is_declared_with_setting() -> None:
    for cls in [*SECTIONS.values(), TargetConfig]:
        for item in fields(cls):
            assert "help" in item.metadata, (
                f'{cls.__name__}.{item.name}: declare it with setting(default, "help", …) '
                "(CONTRIBUTING.md, Adding a setting)"
            )


def test_every_setting_has_help_and_is_described() -> None:
    declared = [(name, f.name) for name, cls in SECTIONS.items() for f in fields(cls)]
    declared += [("targets.NAME", f.name) for f in fields(TargetConfig) if f.name != "name"]
    described = describe()
    assert [(s.section, s.name) for s in described] == declared
    for info in described:
        assert info.help.endswith(".") and len(info.help) > 10, info


def test_generated_file_carries_every_help_and_loads_to_the_defaults() -> None:
    text = config_template()
    assert tomllib.loads(text) == {}  # everything commented out
    joined = " ".join(line[2:].strip() for line in text.splitlines() if line.startswith("## "))
    for info in describe():
        assert info.help in joined, info.name
        if info.allowed:
            assert info.allowed in joined, info.name
    assert config_from_dict(tomllib.loads(_uncomment(text))) == Config()


def _strategy(item: Any, hint: Any) -> st.SearchStrategy[Any]:
    """Values setting ``item`` accepts, from its type and its declared limits (a rule's
    values are its examples; choices and limits apply to each value of a list or table)."""
    meta = item.metadata
    if meta["rule"] is not None:
        return st.sampled_from((item.default, *meta["rule"].examples))
    return _values_of(hint, meta)


def _values_of(hint: Any, meta: Any) -> st.SearchStrategy[Any]:
    origin = get_origin(hint)
    if origin is tuple:
        return st.lists(_values_of(get_args(hint)[0], meta), max_size=3).map(tuple)
    if origin is dict:
        return st.dictionaries(TEXT, _values_of(get_args(hint)[1], meta), max_size=3)
    if meta["choices"]:
        return st.sampled_from(meta["choices"])
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(min_value=meta["minimum"], max_value=2**62)
    if hint is float:
        low = meta["above"] if meta["above"] is not None else meta["minimum"]
        return st.floats(
            min_value=low, exclude_min=meta["above"] is not None, max_value=1e12, allow_nan=False
        )
    assert hint is str, f"no strategy for {hint}: add one to _values_of"
    return TEXT


@st.composite
def _values(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for section, cls in SECTIONS.items():
        hints = get_type_hints(cls)
        chosen = draw(st.sets(st.sampled_from([f.name for f in fields(cls)])))
        items = {f.name: f for f in fields(cls)}
        if chosen:
            out[section] = {k: draw(_strategy(items[k], hints[k])) for k in sorted(chosen)}
    return out


@settings(max_examples=150, deadline=None)
@given(_values())
def test_every_key_round_trips_from_the_generated_file(values: dict[str, dict[str, Any]]) -> None:
    config = config_from_dict(tomllib.loads(config_template(values)))
    for section, given_values in values.items():
        for key, value in given_values.items():
            assert getattr(getattr(config, section), key) == value, (section, key)
    untouched = [
        (s, f.name)
        for s, cls in SECTIONS.items()
        for f in fields(cls)
        if f.name not in values.get(s, {})
    ]
    for section, key in untouched:
        assert getattr(getattr(config, section), key) == getattr(getattr(Config(), section), key)


@given(
    st.one_of(TEXT, st.lists(TEXT, max_size=3), st.dictionaries(TEXT, st.integers(), max_size=3))
)
def test_toml_value_writes_what_tomllib_reads(value: Any) -> None:
    assert tomllib.loads(f"x = {toml_value(value)}")["x"] == value


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        (
            "content",
            "images",
            "bogus",
            "images must be one of 'keep', 'proxy', 'local', not 'bogus'",
        ),
        ("fetch", "concurrency", -4, "concurrency must be at least 1, not -4"),
        (
            "archive",
            "layout",
            "decade",
            "layout must be one of 'flat', 'year', 'year/month', not 'decade'",
        ),
        ("site", "timezone", "Asia/Taipei", "timezone must be an offset such as '+08:00'"),
        ("site", "per_page", 0, "per_page must be at least 1, not 0"),
        ("fetch", "read_timeout", 0, "read_timeout must be more than 0, not 0"),
        ("fetch", "proxy", "ftp://p.example", "proxy must be empty or an http://"),
        ("fetch", "hosts", {"a.example": 0}, "hosts must be at least 1, not {'a.example': 0}"),
        (
            "fetch",
            "allow_addresses",
            ["10.0.0.0/33"],
            "allow_addresses must be an IP address or network",
        ),
        (
            "content",
            "image_proxy",
            "https://p.example/",
            "image_proxy must be empty or an http(s):// address with {url} in it",
        ),
        ("site", "base_url", "user.github.io", "base_url must be empty or an http(s):// address"),
    ],
)
def test_a_value_outside_the_allowed_is_a_config_error(
    tmp_path: Path, section: str, key: str, value: Any, message: str
) -> None:
    (tmp_path / "newsvault.toml").write_text(
        f"[{section}]\n{key} = {toml_value(value)}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'newsvault.toml'}: [{section}]: {message}")


def test_target_limits_are_checked_after_sizes_are_read() -> None:
    table = {"targets": {"m": {"type": "folder", "folder": "out", "max_site_bytes": "1 GB"}}}
    assert config_from_dict(table).targets[0].max_site_bytes == 10**9
    table["targets"]["m"]["verify_hours"] = -1
    with pytest.raises(
        ConfigError, match=r"\[targets.m\]: verify_hours must be at least 0, not -1"
    ):
        config_from_dict(table)


def test_every_declared_limit_has_words() -> None:
    for cls in [*SECTIONS.values(), TargetConfig]:
        for item in fields(cls):
            meta = item.metadata
            limited = (
                meta["choices"]
                or meta["rule"]
                or meta["minimum"] is not None
                or meta["above"] is not None
            )
            assert bool(allowed(item)) == bool(limited), item.name
            assert item.default is not MISSING or item.default_factory is not MISSING


def test_cli_exits_2_naming_file_key_and_allowed(tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "newsvault.toml").write_text('[content]\nimages = "bogus"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run(
        [sys.executable, "-m", "newsvault", "build", "--vault", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr == (
        f"newsvault: {tmp_path / 'newsvault.toml'}: [content]: images must be one of "
        "'keep', 'proxy', 'local', not 'bogus'\n"
    )
