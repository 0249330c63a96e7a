"""One error tree (issue 13.9): every error class lives in ``errors.py``, and errors carry
the object that failed as an attribute (``url``, ``path``, ``file``), not only in the
message."""

from __future__ import annotations

import ast
import asyncio
import json
from pathlib import Path

import pytest

from newsvault import errors
from newsvault.config import FetchConfig
from newsvault.errors import (
    ArchiveError,
    ConfigError,
    FetchError,
    HttpError,
    LockedError,
    NewsvaultError,
)
from newsvault.fetch.http import HttpClient
from newsvault.lock import VaultLock
from newsvault.subscriptions import read_subs_file
from newsvault.vault import Vault
from servers import FeedServer, Reply

SRC = Path(__file__).resolve().parent.parent / "src" / "newsvault"
# Outside the tree on purpose (errors.py says why): a KeyboardInterrupt, not an error.
OUTSIDE = {"stop.py": {"StopTimeout"}}


def test_every_exception_class_is_defined_in_errors_py() -> None:
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                (
                    b.id
                    if isinstance(b, ast.Name)
                    else b.attr
                    if isinstance(b, ast.Attribute)
                    else ""
                ).endswith(("Error", "Exception", "Exceeded", "Address", "Interrupt", "Timeout"))
                for b in node.bases
            ):
                found.setdefault(rel, set()).add(node.name)
    tree = found.pop("errors.py")
    assert found == OUTSIDE
    assert {"HttpError", "FeedError", "FullTextError", "BlockedAddress", "LimitExceeded"} <= tree
    for name in tree:
        assert issubclass(getattr(errors, name), NewsvaultError), name
        assert name in (errors.__doc__ or ""), f"{name} is not drawn in the tree"


def test_a_fetch_error_carries_its_url_and_status(server: FeedServer) -> None:
    url = server.route("/gone", Reply(status=410, body=b"gone"))

    async def run() -> None:
        async with HttpClient(FetchConfig(allow_addresses=("127.0.0.1",), retries=0)) as client:
            await client.fetch_feed(url)

    with pytest.raises(HttpError) as caught:
        asyncio.run(run())
    assert (caught.value.url, caught.value.status) == (url, 410)
    assert isinstance(caught.value, FetchError)


def test_a_config_error_carries_its_file(tmp_path: Path) -> None:
    subs = tmp_path / "subs.json"
    for text in (
        "[{",
        json.dumps({"site": "x"}),
        json.dumps([{"site": "x"}]),
        json.dumps(
            [{"site": "a", "url": "https://e.org/f"}, {"site": "b", "url": "https://e.org/f"}]
        ),
    ):
        subs.write_text(text)
        with pytest.raises(ConfigError) as caught:
            read_subs_file(subs).subscriptions  # noqa: B018 - validating is the point
        assert caught.value.file == subs, text
        assert str(subs) in str(caught.value)


def test_archive_and_lock_errors_carry_their_path(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    vault.root.mkdir()
    vault.state_dir.write_text("not a folder")  # the lock cannot be created below it
    with pytest.raises(ArchiveError) as caught, VaultLock(vault, "test"):
        pass
    assert caught.value.path == vault.lock_file
    vault.state_dir.unlink()
    with (
        VaultLock(vault, "first"),
        pytest.raises(LockedError) as locked,
        VaultLock(vault, "second"),
    ):
        pass
    assert locked.value.path == vault.lock_file
