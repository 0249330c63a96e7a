"""Where things live in a vault (docs/guide.md, "A vault")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Vault:
    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / "newsvault.toml"

    @property
    def subs_file(self) -> Path:
        return self.root / "subs.json"

    @property
    def posts_dir(self) -> Path:
        return self.root / "_posts"

    @property
    def assets_dir(self) -> Path:
        return self.root / "assets"

    @property
    def state_dir(self) -> Path:
        return self.root / ".newsvault"

    @property
    def index_file(self) -> Path:
        return self.state_dir / "index.sqlite"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "lock"

    @property
    def site_dir(self) -> Path:
        return self.root / "_site"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"
