"""`insightdesk drivers`: what drives low CSAT, NPS detractors and repeat contact."""

from __future__ import annotations

import math
import sys
from enum import StrEnum

import pandas as pd
import typer
from rich.table import Table

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _pp(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):+.1f}"  # type: ignore[arg-type]


def _p(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"  # type: ignore[arg-type]


def _drivers_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, caption="effect in percentage points of risk, 95% bootstrap interval")
    for col in ("feature", "level / contrast", "effect", "95% CI", "p (adj.)", "n", ""):
        table.add_column(col, justify="right" if col in ("effect", "95% CI", "p (adj.)", "n") else "left")
    for r in frame.to_dict("records"):
        level = r["level"] if r["level"] else r["contrast"]
        table.add_row(
            r["feature"],
            level,
            _pp(r["effect"]),
            f"{_pp(r['ci_low'])} .. {_pp(r['ci_high'])}",
            _p(r["p_adjusted"]),
            f"{int(r['n']):,}",
            "[bold green]significant[/]" if r["significant"] else "",
            style=None if r["significant"] else "dim",
        )
    return table


def _disparities_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, caption="raw gap of each level vs all other tickets, percentage points")
    for col in ("segment", "level", "rate", "rest", "gap", "95% CI", "p (adj.)", "n", ""):
        table.add_column(col, justify="left" if col in ("segment", "level", "") else "right")
    for r in frame.to_dict("records"):
        flag = "[yellow]low n[/]" if r["low_n"] else ("[bold red]significant[/]" if r["significant"] else "")
        table.add_row(
            r["feature"],
            r["level"],
            f"{r['rate']:.1f}%",
            f"{r['rate_rest']:.1f}%",
            _pp(r["effect"]),
            f"{_pp(r['ci_low'])} .. {_pp(r['ci_high'])}",
            _p(r["p_adjusted"]),
            f"{int(r['n']):,}",
            flag,
            style=None if r["significant"] else "dim",
        )
    return table


def drivers_cmd(
    outcome: str = typer.Option("low_csat", "--outcome", help="low_csat, detractor or repeat_contact."),
    since: str = typer.Option(None, "--since", help="Tickets created on or after this date, YYYY-MM-DD."),
    until: str = typer.Option(None, "--until", help="Tickets created before this date, YYYY-MM-DD."),
    top: int = typer.Option(15, "--top", help="Show this many drivers (largest significant effects first)."),
    show_all: bool = typer.Option(False, "--all", help="Show every driver and disparity, not only the top."),
    bootstrap: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples of the driver model."),
    adjust: str = typer.Option("bh", "--adjust", help="Adjustment of driver p-values: bh, holm or none."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    record: bool = typer.Option(True, "--record/--no-record", help="Store the run in the database."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    db: str = DB_OPTION,
) -> None:
    """Key drivers of an outcome: adjusted effects with intervals, and significant segment disparities."""
    from insightdesk.insights.drivers import key_drivers
    from insightdesk.store import open_store

    with open_store(db) as store:
        try:
            report = key_drivers(
                store,
                outcome=outcome,
                since=since,
                until=until,
                bootstrap=bootstrap,
                adjust=adjust,
                seed=seed,
                record=record,
            )
        except ValueError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
    drivers = report.drivers if show_all else report.top(top)
    disparities = report.disparities if show_all else report.disparities[report.disparities["significant"]]
    if fmt is Format.table:
        out.print(
            f"{outcome}: {report.n:,} tickets, base rate {100 * report.base_rate:.1f}%, "
            f"in-sample AUC {report.auc:.2f}; {report.seconds:.1f} s"
            + (f"; run {report.run_id}" if report.run_id else "")
        )
        out.print(_drivers_table(drivers, f"Drivers of {outcome} (all else equal)"))
        if len(disparities):
            out.print(_disparities_table(disparities, f"Segment disparities in {outcome}"))
        else:
            out.print("No segment disparity is significant after the Holm adjustment.")
        for note in report.warnings:
            err.print(f"[yellow]warning:[/] {note}")
        if report.skipped:
            err.print("not used: " + ", ".join(f"{k} ({v})" for k, v in report.skipped.items()))
        out.print(f"method: {report.method}")
        return
    frame = pd.concat([drivers, disparities], ignore_index=True)
    frame.insert(0, "outcome", outcome)
    frame.insert(0, "run_id", report.run_id)
    text = frame.to_csv(index=False) if fmt is Format.csv else frame.to_json(orient="records", indent=2)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def register(app: typer.Typer) -> None:
    app.command("drivers")(drivers_cmd)
