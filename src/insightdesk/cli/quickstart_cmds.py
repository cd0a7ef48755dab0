"""`insightdesk quickstart`: a populated store from the bundled sample, then a summary."""

from __future__ import annotations

from pathlib import Path

import typer

from insightdesk.cli.console import err, out
from insightdesk.cli.metrics_cmds import print_headline
from insightdesk.cli.output import duration, show, table, user_errors
from insightdesk.governance.users import ensure_quickstart_admin
from insightdesk.ingest import IngestError, IngestResult
from insightdesk.quickstart import (
    analyse_sample_insights,
    analyse_sample_text,
    build_sample_store,
    store_summary,
)
from insightdesk.store import open_store


def quickstart(
    db: Path = typer.Option(Path("insightdesk.duckdb"), "--db", help="DuckDB file to (re)create."),
    keep: bool = typer.Option(False, "--keep", help="Add to an existing store instead of starting fresh."),
    text: bool = typer.Option(
        True,
        "--text/--no-text",
        help="Run the offline text pipeline, theme discovery and the insight engine.",
    ),
    serve: bool = typer.Option(False, "--serve/--no-serve", help="Then serve the dashboard on --port."),
    port: int = typer.Option(8000, "--port", help="Port for --serve (on 127.0.0.1)."),
) -> None:
    """Build a fresh embedded store from the bundled sample desk, analyse its text, print what it holds."""
    columns = ("kind", "received", "inserted", "updated", "unchanged", "rejected", "seconds")
    tab = table("bundled sample ingested", columns, right=columns[1:], title_justify="left")

    def add(result: IngestResult) -> None:
        tab.add_row(
            result.kind,
            f"{result.received:,}",
            f"{result.inserted:,}",
            f"{result.updated:,}",
            f"{result.unchanged:,}",
            f"{result.rejected:,}",
            f"{result.seconds:.1f}",
        )
        err.print(f"  ingested {result.kind}: {result.inserted:,} new", highlight=False)

    with user_errors(IngestError):
        report = build_sample_store(db, fresh=not keep, on_result=add)
    show(tab)
    with user_errors(), open_store(db) as store:
        if text:
            err.print("  analysing free text offline (language, PII redaction, sentiment, themes)...")
            summary = analyse_sample_text(store)
            out.print(
                f"text: {summary.analysed:,} texts analysed, {summary.themes} themes ({duration(summary.seconds, digits=0, unit='s')})"
            )
            err.print("  finding what matters (pain points, drivers, risk model, alerts)...")
            found = analyse_sample_insights(store)
            auc = f"{found.risk_auc:.2f}" if found.risk_auc is not None else "-"
            out.print(
                f"insights: {found.painpoints} pain points ranked (top: {found.top_painpoint}); significant "
                f"drivers {found.drivers}; low-CSAT risk model AUC {auc}, {found.risk_scored:,} tickets "
                f"scored; {found.alerts} alerts ({duration(found.seconds, digits=0, unit='s')})",
                highlight=False,
            )
            for reason in found.skipped:
                err.print(f"  skipped {reason}", highlight=False)
        counts = store_summary(store)
        out.print("store [bold]" + str(db) + "[/]: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        print_headline(store)
        username, password = ensure_quickstart_admin(store)
    status = "[green]all counts reconcile[/]" if report.reconciled else "[red]counts do not reconcile[/]"
    out.print(status)
    if password:
        out.print(
            f"dashboard login: [bold]{username}[/] / [bold]{password}[/] (local quickstart account, shown once; "
            f"change it with `insightdesk users set-password {username}`)"
        )
    if serve:
        from insightdesk.api.server import serve as run_server

        out.print(f"dashboard: [bold]http://127.0.0.1:{port}[/] (Ctrl+C to stop)")
        run_server(str(db), host="127.0.0.1", port=port)


def register(app: typer.Typer) -> None:
    app.command("quickstart")(quickstart)
