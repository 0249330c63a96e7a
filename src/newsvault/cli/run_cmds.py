"""``newsvault run``: fetch, build and publish in one locked step (registered on the CLI)."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from newsvault.cli import cli
from newsvault.cli.common import Options, progress_bars, vault_options
from newsvault.clock import fixed_clock, parse_duration
from newsvault.config import Config, load_config
from newsvault.errors import NewsvaultError
from newsvault.runner import MIN_INTERVAL, Loop, RunReport, run_once
from newsvault.stop import StopFlag, StopTimeout, stop_on_signals
from newsvault.vault import Vault


@cli.command("run")
@vault_options
@click.option(
    "--every",
    "every",
    metavar="DURATION",
    default=None,
    help="Run again and again, this long apart (at least 1m: 90s, 15m, 1h, 1h30m), "
    "with a little random delay added; stop with Ctrl-C or SIGTERM.",
)
@click.option(
    "--no-publish",
    "no_publish",
    is_flag=True,
    help="Fetch and build only; skip [publish] (no commit, push or deploy).",
)
@click.option(
    "--deadline",
    "deadline",
    metavar="DURATION",
    default=None,
    help="Stop fetching after this long (e.g. 40m) and archive, build and publish "
    "what is done; overrides [fetch] run_deadline.",
)
def run_command(opts: Options, every: str | None, no_publish: bool, deadline: str | None) -> None:
    """Fetch all feeds, build the site, publish: the hourly job in one command.

    Holds the vault lock while it works (a second run exits with status 3). On
    SIGINT/SIGTERM it finishes the article being written, releases the lock and exits.
    """
    vault = opts.existing_vault()
    config = with_deadline(load_config(vault.root), deadline)  # a broken config fails first
    interval = parse_duration(every, minimum=MIN_INTERVAL) if every is not None else None
    stop = StopFlag()
    try:
        _run(opts, vault, config, stop, interval, not no_publish, deadline)
    except StopTimeout as exc:
        opts.warn(f"newsvault: {exc} (the lock is released; the next run completes the work)")
    sys.exit(0)


def _run(
    opts: Options,
    vault: Vault,
    config: Config,
    stop: StopFlag,
    interval: float | None,
    publish: bool,
    deadline: str | None = None,
) -> None:
    with stop_on_signals(stop, notify=opts.warn):
        if interval is None:
            with progress_bars(opts) as progress:
                report = run_once(
                    vault, config, now=opts.now, publish=publish, stop=stop, progress=progress
                )
            _show(opts, report)
            sys.exit(report.exit_code)
        loop = Loop(
            vault=vault,
            load_config=lambda: with_deadline(load_config(vault.root), deadline),
            interval=interval,
            on_report=lambda r: _show(opts, r),
            on_error=lambda e: _error(opts, e),
            clock=fixed_clock(opts.now),
            publish=publish,
            stop=stop,
        )
        opts.say(f"running every {_duration_text(interval)} (Ctrl-C to stop)")
        loop.run()
        opts.say(
            f"stopped after {loop.runs} run{'s' if loop.runs != 1 else ''}"
            + (f" ({stop.signal_name})" if stop.signal_name else "")
        )


def with_deadline(config: Config, deadline: str | None) -> Config:
    """``config`` with ``--deadline`` as its run deadline (when given)."""
    if deadline is None:
        return config
    seconds = parse_duration(deadline, option="--deadline")
    return replace(config, fetch=replace(config.fetch, run_deadline=seconds))


def _duration_text(seconds: float) -> str:
    whole = int(seconds)
    if whole != seconds or whole < 60:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)


def _error(opts: Options, exc: NewsvaultError) -> None:
    """A round of ``--every`` that failed (the loop goes on): like the CLI's errors."""
    opts.warn(f"newsvault: {exc}")
    if opts.json:
        from newsvault.cli import error_json

        opts.emit_json(error_json(type(exc).__name__, str(exc), exc.exit_code))


def _show(opts: Options, report: RunReport) -> None:
    if opts.json:
        opts.emit_json(report.to_json())
        return
    for line in summary_lines(report):
        opts.say(line)
    for error in report.publish.errors if report.publish else ():
        opts.warn(f"newsvault: publish {error}")
    if report.build_error:
        opts.warn(f"newsvault: build failed: {report.build_error}")


def summary_lines(report: RunReport) -> list[str]:
    """A short human summary of a run."""
    stamp = report.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    feeds = tuple(getattr(report.fetch, "feeds", ()) or ())
    failed = [f for f in feeds if getattr(f, "status", "") == "error"]
    head = (
        f"run {stamp}: {report.new_articles} new article{'s' if report.new_articles != 1 else ''}"
    )
    if feeds:
        head += f" from {len(feeds)} feed{'s' if len(feeds) != 1 else ''}"
        head += f" ({len(failed)} failed)" if failed else ""
    lines = [head]
    if report.fetch is not None and not feeds:
        lines.append("  no feeds to fetch: add one with `newsvault add URL --site NAME`")
    if report.stale_lock:
        lines.append(f"  took over a stale lock ({report.stale_lock.describe()})")
    if report.swept:
        lines.append(f"  removed {len(report.swept)} temporary file(s) a killed run left behind")
    by_site = getattr(report.fetch, "new_by_site", {}) or {}
    for site, n in sorted(by_site.items(), key=lambda kv: (-kv[1], kv[0])):
        if n:
            lines.append(f"  {site}: {n}")
    lines += [f"  failed: {f.site} ({f.url}): {f.error}" for f in failed]
    lines += [f"  {note}" for note in getattr(report.fetch, "notes", ())]
    if report.stopped and report.build is None and report.build_error is None:
        lines.append("  stopped early: the site was not built or published (the next run will)")
        return lines
    if report.revisit is not None:
        from newsvault.cli.evidence_cmds import summary

        lines += ["  " + line for line in summary(report.revisit)]
    if report.build is not None:
        posts = getattr(report.build, "posts", None)
        what = f"{posts} posts" if posts is not None else "site"
        lines.append(f"  site built: {what} in {_site_dir(report)}")
        lines += [f"  {note}" for note in getattr(report.build, "notes", ())]
    if report.stopped:
        lines.append("  stopped early: nothing was published (the next run will)")
        return lines
    lines += _publish_lines(report)
    return lines


def _site_dir(report: RunReport) -> str:
    return str(getattr(report.build, "site_dir", "_site/"))


def _publish_lines(report: RunReport) -> list[str]:
    pub = report.publish
    if pub is None:
        return []
    lines = []
    if pub.commit:
        lines.append(f"  committed {pub.commit.sha[:10]} ({pub.commit.changed} files)")
    for target in pub.targets:
        lines.append(
            f"  target {target.name} ({target.type}): {target.status}"
            + (f": {target.detail}" if target.detail and target.status == "ok" else "")
        )
        renamed = getattr(target.result, "renamed", ())
        lines += [f"    kept both posts named {old}: ours is now {new}" for old, new in renamed]
    lines += [f"  warning: {warning}" for warning in pub.warnings]
    lines += [f"  {note}" for note in pub.notes]
    return lines
