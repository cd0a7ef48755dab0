"""`insightdesk drivers`: what drives low CSAT, NPS detractors and repeat contact."""

from __future__ import annotations

import pandas as pd
import typer
from rich.table import Table

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION, format_option
from insightdesk.cli.output import (
    Format,
    count,
    duration,
    num,
    pvalue,
    show,
    table,
    user_errors,
    warn,
    write_frame,
)


def _interval(low: object, high: object) -> str:
    return f"{num(low, '+.1f')} .. {num(high, '+.1f')}"


def _drivers_table(frame: pd.DataFrame, title: str) -> Table:
    tab = table(
        title,
        ("feature", "level / contrast", "effect", "95% CI", "p (adj.)", "n", ""),
        right=("effect", "95% CI", "p (adj.)", "n"),
        caption="effect in percentage points of risk, 95% bootstrap interval",
    )
    for r in frame.to_dict("records"):
        tab.add_row(
            r["feature"],
            r["level"] if r["level"] else r["contrast"],
            num(r["effect"], "+.1f"),
            _interval(r["ci_low"], r["ci_high"]),
            pvalue(r["p_adjusted"]),
            count(r["n"]),
            "[bold green]significant[/]" if r["significant"] else "",
            style=None if r["significant"] else "dim",
        )
    return tab


def _disparities_table(frame: pd.DataFrame, title: str) -> Table:
    tab = table(
        title,
        ("segment", "level", "rate", "rest", "gap", "95% CI", "p (adj.)", "n", ""),
        right=("rate", "rest", "gap", "95% CI", "p (adj.)", "n"),
        caption="raw gap of each level vs all other tickets, percentage points",
    )
    for r in frame.to_dict("records"):
        flag = "[yellow]low n[/]" if r["low_n"] else ("[bold red]significant[/]" if r["significant"] else "")
        tab.add_row(
            r["feature"],
            r["level"],
            f"{r['rate']:.1f}%",
            f"{r['rate_rest']:.1f}%",
            num(r["effect"], "+.1f"),
            _interval(r["ci_low"], r["ci_high"]),
            pvalue(r["p_adjusted"]),
            count(r["n"]),
            flag,
            style=None if r["significant"] else "dim",
        )
    return tab


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
    fmt: Format = format_option(),
    db: str = DB_OPTION,
) -> None:
    """Key drivers of an outcome: adjusted effects with intervals, and significant segment disparities."""
    from insightdesk.insights.drivers import key_drivers
    from insightdesk.store import open_store

    with user_errors(ValueError), open_store(db) as store:
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
    drivers = report.drivers if show_all else report.top(top)
    disparities = report.disparities if show_all else report.disparities[report.disparities["significant"]]
    if fmt is Format.table:
        out.print(
            f"{outcome}: {report.n:,} tickets, base rate {100 * report.base_rate:.1f}%, "
            f"in-sample AUC {report.auc:.2f}; {duration(report.seconds)}"
            + (f"; run {report.run_id}" if report.run_id else "")
        )
        show(_drivers_table(drivers, f"Drivers of {outcome} (all else equal)"))
        if len(disparities):
            show(_disparities_table(disparities, f"Segment disparities in {outcome}"))
        else:
            out.print("No segment disparity is significant after the Holm adjustment.")
        for note in report.warnings:
            warn(note)
        if report.skipped:
            err.print("not used: " + ", ".join(f"{k} ({v})" for k, v in report.skipped.items()))
        out.print(f"method: {report.method}")
        return
    frame = pd.concat([drivers, disparities], ignore_index=True)
    frame.insert(0, "outcome", outcome)
    frame.insert(0, "run_id", report.run_id)
    write_frame(frame, fmt)


def register(app: typer.Typer) -> None:
    app.command("drivers")(drivers_cmd)
