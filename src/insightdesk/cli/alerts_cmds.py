"""`insightdesk alerts ...`: anomaly and threshold alerts on every KPI and theme series."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.table import Table

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import compact, count, json_lines, show, table, user_errors

alerts_app = typer.Typer(
    help="Spikes, drops and missed targets on every KPI and theme series, by segment.", no_args_is_help=True
)


def _alerts_table(df: Any, title: str) -> Table:
    columns = ("id", "sev.", "series", "segment", "period", "dir.", "observed", "expected", "n", "status")
    tab = table(title, columns, right=("observed", "expected", "n"), title_justify="left")
    for r in df.to_dict("records"):
        expected = compact(r["expected"])
        if r["kind"] == "anomaly" and r["expected_low"] is not None and r["expected_high"] is not None:
            expected += f" [{compact(r['expected_low'])}-{compact(r['expected_high'])}]"
        tab.add_row(
            r["alert_id"][:8],
            "[bold red]crit[/]" if r["severity"] == "critical" else "warn",
            str(r["label"])[:40],
            r["segment"],
            str(r["period"])[:10],
            str(r["direction"]),
            compact(r["observed"]),
            expected,
            count(r["n"]),
            r["status"],
        )
    return tab


@alerts_app.command("run")
def run(
    db: str = DB_OPTION,
    grain: str = typer.Option("week", "--grain", "-g", help="Time grain of the series: day, week or month."),
    since: str = typer.Option(None, "--since", help="Test periods from this date (YYYY-MM-DD)."),
    recent: int = typer.Option(4, "--recent", help="Without --since: test the last N complete periods."),
    all_history: bool = typer.Option(False, "--all", help="Test every period of the history (a backtest)."),
    until: str = typer.Option(None, "--until", help="Only data before this date (YYYY-MM-DD)."),
    kpi: list[str] = typer.Option(
        [], "--kpi", "-k", help="Scan only this KPI (repeatable; default every one)."
    ),
    by: list[str] = typer.Option(
        [], "--by", "-b", help="Segment dimension (repeatable; default a standard set)."
    ),
    rules: str = typer.Option(None, "--rules", help="YAML file of threshold rules (and holidays)."),
    webhook: list[str] = typer.Option(
        [], "--webhook", help="Also POST alerts as JSON to this URL (repeatable)."
    ),
    holiday: list[str] = typer.Option([], "--holiday", help="A holiday, YYYY-MM-DD (repeatable)."),
    fdr: float = typer.Option(0.05, "--fdr", help="False discovery rate across every cell tested."),
    no_themes: bool = typer.Option(False, "--no-themes", help="Skip the theme series."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not list the alerts, only the summary."),
) -> None:
    """Scan for anomalies, apply threshold rules, store the alerts and deliver the new ones."""
    from insightdesk.insights.alerts import (
        DEFAULT_DIMENSIONS,
        DEFAULT_RULES,
        AlertError,
        DetectionConfig,
        LogChannel,
        WebhookChannel,
        load_rules,
        run_alerts,
    )
    from insightdesk.metrics import MetricsError
    from insightdesk.store import open_store

    with user_errors(ValueError):
        rule_list, holidays = load_rules(rules) if rules else (list(DEFAULT_RULES), ())
        holidays = (*holidays, *(dt.date.fromisoformat(h) for h in holiday))
        channels: list[LogChannel | WebhookChannel] = [
            LogChannel(),
            *(WebhookChannel(url) for url in webhook),
        ]
        detection = DetectionConfig(fdr=fdr, holidays=holidays)
    with user_errors(AlertError, MetricsError, ValueError), open_store(db) as store:
        report = run_alerts(
            store,
            grain=grain,
            kpis=kpi or None,
            by=by or DEFAULT_DIMENSIONS,
            since=since,
            until=until,
            recent=None if all_history else recent,
            themes=not no_themes,
            rules=rule_list,
            detection=detection,
            channels=channels,
        )
    skipped = ", ".join(f"{v:,} {k}" for k, v in report.cells_not_tested.items())
    out.print(
        f"run {report.run_id}: {report.series:,} series, {report.cells_tested:,} cells tested "
        f"(FDR {report.fdr:g}; not tested: {skipped or 'none'})"
    )
    out.print(
        f"  {report.anomalies} anomalies, {report.threshold_alerts} threshold alerts: "
        f"{report.new} new, {report.already_known} already known"
    )
    for name, counts in report.delivered.items():
        out.print(f"  delivered via {name}: {counts['ok']} ok, {counts['failed']} failed", highlight=False)
    out.print("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
    if not quiet and len(report.alerts):
        show(_alerts_table(report.alerts, f"{len(report.alerts)} alerts of this run"))


@alerts_app.command("list")
def list_(
    db: str = DB_OPTION,
    status: str = typer.Option(None, "--status", help="open, acknowledged or closed (default all)."),
    kind: str = typer.Option(None, "--kind", help="anomaly or threshold."),
    since: str = typer.Option(None, "--since", help="Alerts about periods from this date."),
    limit: int = typer.Option(50, "--limit", help="Show at most this many (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines with the evidence."),
) -> None:
    """Stored alerts, newest period first."""
    from insightdesk.insights.alerts import AlertError, list_alerts
    from insightdesk.store import open_store

    with user_errors(AlertError, ValueError), open_store(db) as store:
        df = list_alerts(store, status=status, kind=kind, since=since, limit=limit)
    if as_json:
        json_lines(df.to_dict("records"))
        return
    show(_alerts_table(df, f"{len(df)} alerts"))


def _set_status(db: str | None, alert_id: str, status: str) -> None:
    from insightdesk.insights.alerts import AlertError, resolve_alert_id, set_alert_status
    from insightdesk.store import open_store

    with user_errors(AlertError), open_store(db) as store:
        row = set_alert_status(store, resolve_alert_id(store, alert_id), status)
    out.print(
        f"alert {row['alert_id']} ({row['label']}, {row['segment']}, {str(row['period'])[:10]}): {status}"
    )


@alerts_app.command("ack")
def ack(
    alert_id: str = typer.Argument(..., help="Alert id (or a unique prefix, as `alerts list` shows it)."),
    db: str = DB_OPTION,
) -> None:
    """Acknowledge an alert: someone is on it. A later scan keeps the status."""
    _set_status(db, alert_id, "acknowledged")


@alerts_app.command("close")
def close(
    alert_id: str = typer.Argument(..., help="Alert id (or a unique prefix, as `alerts list` shows it)."),
    db: str = DB_OPTION,
) -> None:
    """Close an alert. A later scan finding the same anomaly keeps it closed."""
    _set_status(db, alert_id, "closed")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
