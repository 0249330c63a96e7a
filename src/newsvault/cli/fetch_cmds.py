"""Commands of the fetch stage: remove, list, fetch, status (a thin shell over the library;
``add`` and OPML are in subs_cmds)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from newsvault.cli import cli
from newsvault.cli.common import Options, progress_bars, vault_options
from newsvault.config import load_config
from newsvault.fetch import state
from newsvault.fetch.health import span_words
from newsvault.fetch.report import ERROR, FetchReport
from newsvault.subscriptions import (
    read_subs_file,
    remove_subscription,
    save_subs_file,
)


@cli.command("remove")
@click.argument("url_or_site")
@vault_options
def remove_cmd(opts: Options, url_or_site: str) -> None:
    """Unsubscribe the feed with this URL, or every feed of this site."""
    vault = opts.existing_vault()
    subs, gone = remove_subscription(read_subs_file(vault.subs_file), url_or_site)
    save_subs_file(subs)
    if opts.json:
        opts.emit_json([{"site": s.site, "url": s.url} for s in gone])
    for sub in gone:
        opts.say(f"Removed {sub.url} ({sub.site}).")


@cli.command("list")
@vault_options
def list_cmd(opts: Options) -> None:
    """List the subscriptions."""
    subs = read_subs_file(opts.existing_vault().subs_file)
    if opts.json:
        opts.emit_json(list(subs.raw))
        return
    table = Table("site", "url", "options", box=None)
    for raw, sub in zip(subs.raw, subs.subscriptions, strict=True):
        extra = {k: v for k, v in raw.items() if k not in ("site", "url")}
        table.add_row(
            sub.site,
            sub.url,
            " ".join(f"{k}={v}" for k, v in extra.items()),
            style=None if sub.enabled else "dim",
        )
    _print(opts, table)
    opts.say(f"{len(subs.raw)} feeds.")


@cli.command("fetch")
@vault_options
@click.option(
    "--deadline",
    "deadline",
    metavar="DURATION",
    default=None,
    help="Stop after this long (e.g. 40m) with what is done archived; "
    "overrides [fetch] run_deadline.",
)
def fetch_cmd(opts: Options, deadline: str | None) -> None:
    """Read every enabled feed and archive each new article once.

    Exit status: 0 when the run worked (even if some feeds failed) or was stopped by
    Ctrl-C/SIGTERM (the article being written is finished), 1 when every feed failed,
    2 for usage or configuration errors, 3 when another run holds the vault.
    """
    from newsvault.cli.run_cmds import with_deadline
    from newsvault.pipeline import fetch_vault  # imports the archive and content stages
    from newsvault.stop import StopFlag, StopTimeout, stop_on_signals

    vault = opts.existing_vault()
    config = with_deadline(load_config(vault.root), deadline)
    stop = StopFlag()
    try:  # fetch_vault takes the vault lock
        with (
            stop_on_signals(stop, notify=opts.warn),
            progress_bars(opts, {"fetch": "feeds", "write": "posts"}) as progress,
        ):
            report = fetch_vault(
                vault, config, now=opts.now, progress=progress, should_stop=stop.is_set
            )
    except StopTimeout as exc:
        opts.warn(f"newsvault: {exc} (the lock is released; the next fetch completes the work)")
        sys.exit(0)
    if opts.json:
        opts.emit_json(report.to_json())
    elif not report.feeds:
        opts.say("No feeds to fetch: add one with `newsvault add URL --site NAME`.")
    elif opts.verbosity >= 0:
        _print(opts, _summary(report))
        for note in report.notes:
            opts.say(note)
        opts.say(
            f"{report.new} new articles from {len(report.feeds)} feeds, "
            f"{len(report.failed)} failed, in {report.duration:.1f} s."
        )
        if report.stopped:
            opts.say(f"Stopped early ({stop.signal_name or 'stop'}): the next fetch gets the rest.")
    for feed in report.failed if opts.verbosity < 0 else ():
        opts.warn(f"{feed.site} ({feed.url}): {feed.error}")
    sys.exit(report.exit_code)


@cli.command("status")
@vault_options
def status_cmd(opts: Options) -> None:
    """Per feed: last success, last attempt, consecutive failures, articles archived, and
    its health: the last error in words, or silent (nothing new for much longer than
    usual for it, docs/feed-health.md).
    Per publish target: its last result and how full it is against its host's limits
    (a warning from 80%; at 100% publishing to it is refused).

    With --json: {"feeds": [...], "targets": [...]}.
    """
    vault = opts.existing_vault()
    subs = read_subs_file(vault.subs_file).subscriptions
    from newsvault.archive.index import read_only

    with read_only(vault) as db:
        health = [
            state.feed_health(db, s.url, s.site)
            if db and state.has_state(db)
            else state.FeedHealth(s.site, s.url, None, None, None, 0, 0, 0)
            for s in subs
        ]
    from newsvault.publish.publisher import target_status

    targets = target_status(vault, load_config(vault.root))
    from newsvault.evidence.status import evidence_status

    evidence = evidence_status(vault, opts.now)
    if opts.json:
        opts.emit_json(
            {
                "feeds": [h.to_json() for h in health],
                "targets": targets,
                "evidence": evidence.to_json(),
            }
        )
        return
    _print(opts, _health_table(health))
    if targets:
        _print(opts, _targets_table(targets))
    for target in targets:
        for warning in target["warnings"]:
            opts.warn(f"warning: target {target['name']}: {warning}")
    if evidence.tracked and opts.verbosity >= 0:
        opts.say(
            f"evidence: {evidence.tracked} articles followed, {evidence.pending} revisits due "
            f"now, {evidence.scheduled} scheduled (next {evidence.next_due or 'none'}); "
            f"{len(evidence.verdicts)} deleted at source, {len(evidence.revised)} edited"
        )
        for post, reason in evidence.verdicts:
            opts.say(f"  deleted at source ({reason}): {post}")
        for post, n in evidence.revised:
            opts.say(f"  edited at source ({n} revision{'s' if n != 1 else ''}): {post}")


def _health_table(health: list[state.FeedHealth]) -> Table:
    """Per feed: last success and attempt, failures in a row, and what is wrong in words:
    the last error, or "silent" with how long and how often it usually brings something."""
    table = Table(
        "site", "last success", "last attempt", "failures", "archived", "health", box=None
    )
    for h in health:
        if h.failing:
            words = _short(h.last_error or "failed", 70)
        elif h.silent and h.last_new and h.last_attempt and h.usual_gap:
            words = (
                f"silent: nothing new for {span_words((h.last_attempt - h.last_new).total_seconds())}"
                f" (usually every {span_words(h.usual_gap)})"
            )
        else:
            words = "ok" if h.last_attempt else "never fetched"
        table.add_row(
            h.site,
            _iso(h.last_success) or "never",
            _iso(h.last_attempt) or "never",
            str(h.consecutive_failures),
            str(h.archived),
            words,
            style="red" if h.failing else "yellow" if h.silent else None,
        )
    return table


def _targets_table(targets: list[dict[str, Any]]) -> Table:
    table = Table("target", "type", "last result", "fullest limit", "url", box=None)
    for t in targets:
        usage = [u for u in t["usage"] if u["allowed"]]
        top = max(usage, key=lambda u: u["ratio"], default=None)
        fullest = f"{top['limit']} {top['ratio']:.0%}" if top else "no limits"
        last = t["last"] or "never published"
        if t["last"] and t["last"] != "ok":
            last += f": {_short(t['last_detail'], 60)}"
        table.add_row(
            t["name"],
            t["type"],
            last,
            fullest,
            t["url"],
            style="red"
            if (top and top["level"] == "over") or t["last"] == "failed"
            else "yellow"
            if top and top["level"] == "warn"
            else None,
        )
    return table


def _summary(report: FetchReport) -> Table:
    table = Table("site", "status", "http", "new", "seen", "time", "message", box=None)
    for f in report.feeds:
        table.add_row(
            f.site,
            f.status,
            str(f.http_status or ""),
            str(f.new),
            str(f.seen),
            f"{f.duration:.1f}s",
            _short(f.error or "", 70),
            style="red" if f.status == ERROR else None,
        )
    return table


def _print(opts: Options, table: Table) -> None:
    if opts.verbosity >= 0 and not opts.json:
        Console(soft_wrap=True).print(table)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
