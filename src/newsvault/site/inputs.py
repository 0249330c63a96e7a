"""What a page plan is made from, read from the vault by the builder.

:class:`~newsvault.site.plan.Plan` does no I/O: ``site/build.py`` reads everything the
plan needs besides the posts (the subscriptions, the fetch state, when posts were
archived, the theme's digest, the files published as they are, an adopted site's old
pages) into one :class:`SiteInputs` first. Rendering a page reads its post or file later.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2

from newsvault.archive import provenance
from newsvault.archive.index import read_only
from newsvault.config import Config
from newsvault.errors import NewsvaultError
from newsvault.evidence.history import History, histories
from newsvault.fetch import state
from newsvault.site.files import SiteFile, asset_files, kept_files, site_file, static_files
from newsvault.site.theme import bytecode_cache, theme_digest
from newsvault.subscriptions import read_subs_file
from newsvault.vault import Vault


@dataclass(frozen=True)
class SiteInputs:
    """Everything besides the posts that decides the pages, as read at the build's start."""

    theme_key: str = ""  # the theme's and the site code's digest (theme.theme_digest)
    jinja_cache: jinja2.BytecodeCache | None = None  # compiled templates kept between builds
    subscribed: tuple[str, ...] = ()  # sites of the enabled subscriptions
    last_updates: dict[str, datetime] = field(default_factory=dict)  # site → last fetch
    health: dict[str, state.FeedHealth] = field(default_factory=dict)  # site → feed health
    archived: dict[str, datetime] = field(default_factory=dict)  # post name → when archived
    static: tuple[tuple[str, SiteFile], ...] = ()  # (site path, file) of the theme's files
    assets: tuple[tuple[str, SiteFile], ...] = ()  # (path under assets/, file)
    asset_notes: tuple[str, ...] = ()  # the symbolic links left out of assets/
    legacy_texts: dict[str, str] = field(default_factory=dict)  # [legacy] pages → their text
    legacy_kept: tuple[tuple[str, SiteFile], ...] = ()  # (site path, file) of [legacy] keep
    evidence: dict[str, History] = field(default_factory=dict)  # post name → what to show


def read_inputs(vault: Vault, config: Config) -> SiteInputs:
    """Read what the plan of ``vault``'s site needs (writing only the caches of it)."""
    notes: list[str] = []
    assets = asset_files(vault.root, vault.assets_dir, notes)
    return SiteInputs(
        theme_key=theme_digest(vault.templates_dir),
        jinja_cache=bytecode_cache(vault.state_dir / "site" / "jinja"),
        subscribed=tuple(subscribed_sites(vault)),
        last_updates=last_updates(vault),
        health=source_health(vault),
        archived=archived_times(vault),
        evidence=read_evidence(vault),
        static=tuple(static_files()),
        assets=tuple((rel, site_file(path)) for rel, path in assets),
        asset_notes=tuple(notes),
        legacy_texts={
            rel: (vault.root / rel).read_text(encoding="utf-8") for rel in config.legacy.pages
        },
        legacy_kept=tuple(
            (out, site_file(path))
            for rel in config.legacy.keep
            for out, path in kept_files(vault.root, rel)
        ),
    )


def read_evidence(vault: Vault) -> dict[str, History]:
    """The histories in the vault's ``_evidence/`` that show on the site (each month
    file's deciding lines cached in ``.newsvault/site/evidence.pickle``)."""
    found = histories(vault.root, vault.state_dir / "site" / "evidence.pickle")
    return {p: h for p, h in found.items() if h.shown}


def last_updates(vault: Vault) -> dict[str, datetime]:
    """Last successful fetch per site from the fetch stage; unknown ({}) without fetch state."""
    try:
        with read_only(vault) as db:
            return state.last_success_by_site(db) if db is not None and state.has_state(db) else {}
    except (NewsvaultError, sqlite3.Error):
        return {}


def archived_times(vault: Vault) -> dict[str, datetime]:
    """When each post was archived (its first line in ``_provenance/``). Reconstructed lines
    say only the post's own date, not when anyone saw it: left out. Each month file's
    times are kept in ``.newsvault/site/archived.pickle``."""
    seen: dict[str, datetime] = {}
    months = provenance.read_months(
        vault.root / provenance.FOLDER, _first_seen, vault.state_dir / "site" / "archived.pickle"
    )
    for times in months:
        for post, when in times.items():
            if post not in seen or when < seen[post]:
                seen[post] = when
    return seen


def _first_seen(path: Path) -> dict[str, datetime]:
    times: dict[str, datetime] = {}
    for record in provenance.read_file(path):
        if not record.reconstructed and (
            record.post not in times or record.seen < times[record.post]
        ):
            times[record.post] = record.seen
    return times


def subscribed_sites(vault: Vault) -> list[str]:
    """The sites of the enabled subscriptions (``subscriptions.py`` reads and checks
    subs.json: a broken one is the user's to fix, and ``build`` says so)."""
    return [site for site, _ in subscribed_feeds(vault)]


def subscribed_feeds(vault: Vault) -> list[tuple[str, str]]:
    """(site, url) of the enabled subscriptions."""
    return [(s.site, s.url) for s in read_subs_file(vault.subs_file).subscriptions if s.enabled]


def source_health(vault: Vault) -> dict[str, state.FeedHealth]:
    """Each subscribed site's feed health (fetch/health.py); {} without fetch state."""
    try:
        feeds = subscribed_feeds(vault)
        with read_only(vault) as db:
            return state.health_by_site(db, feeds) if db is not None and state.has_state(db) else {}
    except (NewsvaultError, sqlite3.Error):
        return {}
