"""`insightdesk sync SOURCE [--once]` and `insightdesk sync-status`: pull helpdesks, see their lag."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import typer

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, count, fail, show, table, user_errors, warn, write_json
from insightdesk.connectors import (
    SourceConfig,
    SourceConfigError,
    SyncError,
    SyncReport,
    load_sources,
    sync_source,
    sync_status,
)
from insightdesk.store import Store, open_store

FILE_OPTION = typer.Option(
    None, "--sources", help="Connectors file (default: $INSIGHTDESK_CONNECTORS_FILE or ./connectors.yaml)."
)


def sync(
    source: str = typer.Argument(..., help="Source name from the connectors file, or `all`."),
    once: bool = typer.Option(
        False, "--once", help="Pull once and exit (default: pull on the source's interval)."
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 3 when any record was quarantined."),
    sources_file: Path = FILE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Pull SOURCE's new and changed records through its ingest profile, from its committed cursor.

    Exits 1 on a transient failure (the service was down or rate limited past patience: try again),
    2 on a terminal one (a refused credential, a configuration or API change), 3 with --strict when
    records were quarantined. Credentials come from the environment or the secrets file only.
    """
    with user_errors(SourceConfigError):
        configured = load_sources(sources_file)
        names = sorted(configured) if source == "all" else [source]
        unknown = [n for n in names if n not in configured]
        if unknown:
            raise SourceConfigError(
                f"no source {unknown[0]!r} in the connectors file (sources: {', '.join(sorted(configured))})"
            )
    rejected = 0
    while True:
        with user_errors(SourceConfigError), open_store(db) as store:
            for name in names:
                rejected += _sync_one(store, configured[name])
        if once:
            break
        interval = min(configured[n].interval_minutes for n in names)
        err.print(f"next pull in {interval} min (Ctrl+C stops)")
        try:
            time.sleep(interval * 60)
        except KeyboardInterrupt:
            break
    if strict and rejected:
        raise typer.Exit(int(ExitCode.REJECTED))


def _sync_one(store: Store, source: SourceConfig) -> int:
    with err.status(f"syncing {source.name} ({source.vendor})"):
        try:
            report = sync_source(store, source)
        except SyncError as exc:
            _check_lag(store)
            fail(exc, ExitCode.FAILED if exc.transient else ExitCode.BAD_INPUT)
    _print_report(report)
    _check_lag(store)
    return report.counts.rejected


def _check_lag(store: Store) -> None:
    """Raise (once per episode) or clear the sync-lag alerts (`insightdesk alerts list`)."""
    from insightdesk.actions.sync_lag import check_sync_lag  # lazily: actions pulls in insights

    lag = check_sync_lag(store)
    for name in lag.raised:
        warn(f"{name}: sync lag over its threshold; alert raised (insightdesk alerts list)")
    for name in lag.cleared:
        out.print(f"{name}: sync lag back under its threshold; its alert is closed")


def _print_report(report: SyncReport) -> None:
    c = report.counts
    columns = ("pages", "requests", "received", "accepted", "inserted", "updated", "rejected")
    tab = table(f"sync {report.source}", columns, right=True, title_justify="left")
    tab.add_row(
        *(count(v) for v in (c.pages, c.requests, c.received, c.accepted, c.inserted, c.updated, c.rejected))
    )
    show(tab)
    for message in report.warnings:
        warn(message)


def status(
    as_json: bool = typer.Option(False, "--json", help="JSON records instead of a table."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any source lags past its threshold."),
    db: str = DB_OPTION,
) -> None:
    """Per source: last run, last success, rows of the last run, failures in 24 h, and sync lag."""
    with user_errors(), open_store(db) as store:
        rows = sync_status(store.engine)
    if as_json:
        write_json([asdict(r) for r in rows], default=str)
    elif not rows:
        out.print("no source has synced yet (insightdesk sync SOURCE --once)")
    else:
        columns = ("source", "vendor", "department", "last run", "status", "last success", "received", "rejected", "failed 24h", "lag (min)")  # fmt: skip
        tab = table("sync status", columns, right=("received", "rejected", "failed 24h", "lag (min)"))
        for r in rows:
            lag = "never" if r.lag_minutes is None else f"{r.lag_minutes:,.0f}"
            tab.add_row(
                r.source, r.vendor, r.department or "-", _when(r.last_run_at), r.last_status or "-",
                _when(r.last_success_at), count(r.last_received), count(r.last_rejected),
                count(r.failed_runs_24h), f"[bold red]{lag}[/]" if r.lagging else lag,
            )  # fmt: skip
        show(tab)
    lagging = [r for r in rows if r.lagging]
    for r in lagging:
        warn(f"{r.source}: sync lag over its {r.lag_alert_minutes}-minute threshold")
    if strict and lagging:
        raise typer.Exit(int(ExitCode.FAILED))


def _when(moment: object) -> str:
    return "-" if moment is None else str(moment)[:19]


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)
    app.command("sync-status")(status)
