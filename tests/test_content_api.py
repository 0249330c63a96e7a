"""The content stage's public interface, as the fetch stage calls it."""

from __future__ import annotations

import inspect

import pytest

import newsvault.content as content
from content_support import HttpxFetcher
from newsvault.config import ContentConfig
from newsvault.errors import ConfigError
from newsvault.models import Subscription


def test_exports() -> None:
    assert set(content.__all__) == {
        "STAGES", "ContentOptions", "ContentResult", "Fetcher", "ImageStore",
        "clean_html", "prepare_content", "sanitize", "to_one_line",
    }  # fmt: skip
    for name in content.__all__:
        assert getattr(content, name) is not None


def test_prepare_content_signature() -> None:
    params = inspect.signature(content.prepare_content).parameters
    assert list(params)[:6] == ["html", "link", "options", "fetcher", "assets_dir", "image_store"]
    assert all(
        params[p].kind is inspect.Parameter.KEYWORD_ONLY
        for p in ("options", "fetcher", "assets_dir")
    )
    assert inspect.iscoroutinefunction(content.prepare_content)


def test_a_client_with_get_satisfies_the_fetcher_protocol() -> None:
    assert isinstance(HttpxFetcher(), content.Fetcher)
    assert not isinstance(object(), content.Fetcher)


def test_options_from_config_and_subscription() -> None:
    cfg = ContentConfig(images="proxy")
    assert content.ContentOptions.for_subscription(cfg).images == "proxy"
    sub = Subscription(site="S", url="https://s.example/feed", images="local", fulltext="div.post")
    opts = content.ContentOptions.for_subscription(cfg, sub, "/repo/")
    assert (opts.images, opts.fulltext_rule, opts.site_base_path) == ("local", "div.post", "/repo/")
    assert content.ContentOptions(fulltext=True).fulltext_rule == "auto"
    assert content.ContentOptions(fulltext=False).fulltext_rule is None


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="images must be one of"):
        content.ContentOptions(images="download")
    with pytest.raises(ConfigError, match="must contain"):
        content.ContentOptions(images="proxy", image_proxy="https://p.example/")
