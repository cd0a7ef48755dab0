"""`insightdesk quickstart`: a populated store from the bundled sample, then a summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from insightdesk.cli.console import err, out
from insightdesk.cli.metrics_cmds import print_headline
from insightdesk.ingest import IngestError, IngestResult
from insightdesk.quickstart import build_sample_store, store_summary
from insightdesk.store import open_store


def quickstart(
    db: Path = typer.Option(Path("insightdesk.duckdb"), "--db", help="DuckDB file to (re)create."),
    keep: bool = typer.Option(False, "--keep", help="Add to an existing store instead of starting fresh."),
) -> None:
    """Build a fresh embedded store from the bundled sample desk and print what it holds."""
    table = Table(title="bundled sample ingested", title_justify="left")
    for col in ("kind", "received", "inserted", "updated", "unchanged", "rejected", "seconds"):
        table.add_column(col, justify="right" if col != "kind" else "left")

    def add(result: IngestResult) -> None:
        table.add_row(
            result.kind,
            f"{result.received:,}",
            f"{result.inserted:,}",
            f"{result.updated:,}",
            f"{result.unchanged:,}",
            f"{result.rejected:,}",
            f"{result.seconds:.1f}",
        )
        err.print(f"  ingested {result.kind}: {result.inserted:,} new", highlight=False)

    try:
        report = build_sample_store(db, fresh=not keep, on_result=add)
    except IngestError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    out.print(table)
    with open_store(db) as store:
        counts = store_summary(store)
        out.print("store [bold]" + str(db) + "[/]: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        print_headline(store)
    status = "[green]all counts reconcile[/]" if report.reconciled else "[red]counts do not reconcile[/]"
    out.print(status)


def register(app: typer.Typer) -> None:
    app.command("quickstart")(quickstart)
