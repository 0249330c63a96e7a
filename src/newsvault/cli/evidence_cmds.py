"""``newsvault revisit``: the due revisits alone (registered on the CLI)."""

from __future__ import annotations

import sys

from newsvault.cli import cli
from newsvault.cli.common import Options, progress_bars, vault_options
from newsvault.config import load_config
from newsvault.evidence.revisit import RevisitReport, revisit_vault
from newsvault.lock import VaultLock


@cli.command("revisit")
@vault_options
def revisit_cmd(opts: Options) -> None:
    """Revisit the archived articles that are due: record edits (revisions) and deletion
    verdicts at the source in _evidence/ and _revisions/ (docs/evidence.md).

    Bounded by [evidence] max_requests and time_budget; what is left stays due for the
    next run. With --json: the report as an object.
    """
    vault = opts.existing_vault()
    config = load_config(vault.root)
    with (
        VaultLock(vault, command="newsvault revisit"),
        progress_bars(opts, {"revisit": "revisits"}) as progress,
    ):
        report = revisit_vault(vault, config, now=opts.now, progress=progress)
    if opts.json:
        opts.emit_json(report.to_json())
    else:
        for line in summary(report):
            opts.say(line)
    sys.exit(0)


def summary(report: RevisitReport) -> list[str]:
    """The revisit lines of a run's or a revisit's summary."""
    head = (
        f"revisits: {report.done} done, {len(report.revisions)} new revision"
        f"{'s' if len(report.revisions) != 1 else ''}, {len(report.verdicts)} verdict"
        f"{'s' if len(report.verdicts) != 1 else ''}, {report.left} still due"
    )
    lines = [head]
    lines += [f"  edited at source: {post}" for post in report.revisions]
    lines += [f"  deleted at source ({reason}): {post}" for post, reason in report.verdicts]
    lines += [f"  back at source (verdict cleared): {post}" for post in report.cleared]
    if report.skipped_hosts:
        lines.append(f"  skipped (host failing, not evidence): {', '.join(report.skipped_hosts)}")
    return lines
