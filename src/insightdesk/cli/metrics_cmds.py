"""`insightdesk metrics ...`: list, explain and compute KPIs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.table import Table

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION, format_option, parse_assignments, parse_datetime, split_commas
from insightdesk.cli.output import (
    ExportFormat,
    count,
    fields_table,
    is_missing,
    kpi_difference,
    kpi_value,
    num,
    show,
    table,
    user_errors,
    write_frame,
)

if TYPE_CHECKING:
    from insightdesk.metrics import KPI, MetricsConfig
    from insightdesk.store import Store

metrics_app = typer.Typer(
    help="Service and CX KPIs with n, confidence intervals and low-n flags.", no_args_is_help=True
)

BY_OPTION = typer.Option([], "--by", "-b", help="Dimension to cut by (repeat, or comma-separate).")
GRAIN_OPTION = typer.Option(None, "--grain", "-g", help="Time grain: day, week, month or quarter.")
SINCE_OPTION = typer.Option(None, "--since", help="Start date (inclusive), YYYY-MM-DD.")
UNTIL_OPTION = typer.Option(
    None, "--until", help="End date (exclusive), YYYY-MM-DD; snapshot time of backlog KPIs."
)
WHERE_OPTION = typer.Option([], "--where", "-w", help="Filter DIM=VALUE (VALUE may be a,b,c); repeatable.")
MIN_N_OPTION = typer.Option(30, "--min-n", help="Cells with fewer observations are flagged low_n.")
FORMAT_OPTION = format_option(ExportFormat.table)
OUTPUT_OPTION = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout.")
COHORT_OPTION = typer.Option(None, "--cohort-date", help="Split date of the cohort_split dimension.")

# Columns of a computed KPI frame that the table shows as value, interval, n and flag.
STATS_COLUMNS = {
    "value",
    "ci_low",
    "ci_high",
    "n",
    "low_n",
    "method",
    "numerator",
    "denominator",
    "unit",
    "sd",
    "promoters",
    "detractors",
}
COMPARISON_COLUMNS = {
    "value",
    "reference",
    "difference",
    "n",
    "n_reference",
    "p_value",
    "p_adjusted",
    "significant",
    "test",
    "adjust",
}


def _kpi(name: str) -> KPI:
    """The registered KPI; an unknown name is a usage error (exit 2) listing the known ones."""
    from insightdesk.metrics import get_kpi

    try:
        return get_kpi(name)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from None


def _config(cohort_date: str | None) -> MetricsConfig:
    from insightdesk.metrics import MetricsConfig

    when = parse_datetime(cohort_date, "--cohort-date")
    return MetricsConfig(cohort_date=when.date() if when else None)


def _emit(frame: pd.DataFrame, fmt: ExportFormat, output: Path | None, title: str, unit: str = "") -> None:
    if fmt is ExportFormat.table:
        if output is not None:
            raise typer.BadParameter("--output needs --format csv, json or parquet")
        show(kpi_table(frame, title, unit))
        return
    with user_errors(OSError):
        write_frame(frame, fmt, output)


def _cell(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return "-" if is_missing(value) else str(value)


def kpi_table(frame: pd.DataFrame, title: str, unit: str) -> Table:
    """A frame of KPI cells: its dimension columns, then value, interval, n and a low-n flag."""
    keys = [c for c in frame.columns if c not in STATS_COLUMNS]
    tab = table(
        title,
        [*keys, "value", "95% CI", "n", "flag"],
        right=("value", "95% CI", "n"),
        caption="95% confidence intervals; [yellow]low n[/] = fewer answers than --min-n",
    )
    for row in frame.to_dict("records"):
        row_unit = row.get("unit", unit)
        ci = f"{kpi_value(row['ci_low'], row_unit)} .. {kpi_value(row['ci_high'], row_unit)}"
        flag = "[yellow]low n[/]" if row["low_n"] else ""
        style = "dim" if row["low_n"] else None
        cells = [_cell(row[key]) for key in keys]
        value = kpi_value(row["value"], row_unit)
        name = row.get("kpi") or frame.attrs.get("kpi")
        if is_missing(row["value"]) and not row["n"] and name:
            # Nothing qualified: say what was missing rather than print an empty value with n = 0.
            value, ci, flag = "no data", "", f"[yellow]{_kpi(str(name)).empty_reason}[/]"
        tab.add_row(*cells, value, ci, count(row["n"]), flag, style=style)
    return tab


@metrics_app.command("list")
def list_cmd(
    family: str = typer.Option(None, "--family", help="Only this family (feedback, resolution...)."),
) -> None:
    """Every registered KPI with its family, kind and unit."""
    from insightdesk.metrics import list_kpis

    tab = table(
        "KPIs (details: insightdesk metrics explain NAME, docs/metrics.md)",
        ("name", "family", "title", "unit", "interval"),
    )
    for kpi in list_kpis(family):
        tab.add_row(kpi.name, kpi.family, kpi.title, kpi.unit, kpi.method)
    show(tab)


@metrics_app.command("dimensions")
def dimensions_cmd() -> None:
    """Dimensions every KPI can be cut by."""
    from insightdesk.metrics import DIMENSIONS

    tab = table("Dimensions", ("name", "meaning"))
    for name, doc in DIMENSIONS.items():
        tab.add_row(name, doc)
    show(tab)


@metrics_app.command("explain")
def explain_cmd(kpi: str = typer.Argument(..., help="KPI name.")) -> None:
    """The definition of one KPI: formula, numerator, denominator, exclusions, convention."""
    spec = _kpi(kpi)
    fields = (
        "formula",
        "numerator",
        "denominator",
        "excludes",
        "edge_cases",
        "convention",
        "dated_by",
        "unit",
        "method",
    )
    rows = [(field.replace("_", " "), str(getattr(spec, field))) for field in fields]
    show(fields_table(f"{spec.name}: {spec.title}", rows))


@metrics_app.command("show")
def show_cmd(
    kpi: str = typer.Argument(..., help="KPI name (see `insightdesk metrics list`)."),
    by: list[str] = BY_OPTION,
    grain: str = GRAIN_OPTION,
    since: str = SINCE_OPTION,
    until: str = UNTIL_OPTION,
    where: list[str] = WHERE_OPTION,
    min_n: int = MIN_N_OPTION,
    compare: str = typer.Option(
        None, "--compare", help="Test each cell against `previous` period or the `rest`."
    ),
    adjust: str = typer.Option("holm", "--adjust", help="Multiple-comparison adjustment: holm, bh or none."),
    cohort_date: str = COHORT_OPTION,
    fmt: ExportFormat = FORMAT_OPTION,
    output: Path = OUTPUT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """One KPI, cut by dimensions and a time grain, with n, interval and flags."""
    from insightdesk.metrics import compare as compare_fn
    from insightdesk.metrics import compute
    from insightdesk.store import open_store

    spec = _kpi(kpi)
    by_dims, filters, config = (
        split_commas(by),
        parse_assignments(where, "--where", "DIM=VALUE"),
        _config(cohort_date),
    )
    with user_errors(ValueError), open_store(db) as store:
        if compare:
            frame = compare_fn(
                spec,
                against=compare,
                adjust=None if adjust == "none" else adjust,
                store=store,
                by=by_dims,
                grain=grain,
                since=since,
                until=until,
                where=filters or None,
                min_n=min_n,
                config=config,
            )
        else:
            frame = compute(
                spec,
                store=store,
                by=by_dims,
                grain=grain,
                since=since,
                until=until,
                where=filters or None,
                min_n=min_n,
                config=config,
            )
    if compare and fmt is ExportFormat.table:
        _show_comparison(frame, spec.title, spec.unit)
        return
    _emit(frame, fmt, output, f"{spec.title} ({spec.unit})", spec.unit)


def _show_comparison(frame: pd.DataFrame, title: str, unit: str) -> None:
    keys = [c for c in frame.columns if c not in COMPARISON_COLUMNS]
    tab = table(
        f"{title}: differences (adjusted p-values)",
        [*keys, "value", "reference", "difference", "p (adj.)", ""],
        right=("value", "reference", "difference", "p (adj.)", ""),
    )
    for row in frame.to_dict("records"):
        cells = [str(row[k].date() if isinstance(row[k], pd.Timestamp) else row[k]) for k in keys]
        tab.add_row(
            *cells,
            kpi_value(row["value"], unit),
            kpi_value(row["reference"], unit),
            kpi_difference(row["difference"], unit),
            num(row["p_adjusted"], ".3f"),
            "[bold green]significant[/]" if row["significant"] else "",
        )
    show(tab)
    if len(frame):
        out.print(f"test: {frame['test'].iloc[0]}; adjustment: {frame['adjust'].iloc[0]}")


@metrics_app.command("overview")
def overview_cmd(
    by: list[str] = BY_OPTION,
    since: str = SINCE_OPTION,
    until: str = UNTIL_OPTION,
    min_n: int = MIN_N_OPTION,
    fmt: ExportFormat = FORMAT_OPTION,
    output: Path = OUTPUT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Every KPI at once (optionally by dimensions)."""
    from insightdesk.metrics import overview
    from insightdesk.store import open_store

    with user_errors(ValueError), open_store(db) as store:
        frame = overview(store, by=split_commas(by), since=since, until=until, min_n=min_n)
    _emit(frame, fmt, output, "KPI overview")


@metrics_app.command("headline")
def headline_cmd(
    db: str = DB_OPTION, fmt: ExportFormat = FORMAT_OPTION, output: Path = OUTPUT_OPTION
) -> None:
    """The headline KPIs of the store (CSAT, NPS, CES, FCR, response and resolution times, SLA, backlog)."""
    from insightdesk.metrics import headline
    from insightdesk.store import open_store

    with user_errors(ValueError), open_store(db) as store:
        frame = headline(store)
    _emit(frame, fmt, output, "Headline KPIs")


def print_headline(store: Store) -> None:
    """Print the headline KPIs as a Rich table (for the ingest summary and the quickstart)."""
    from insightdesk.metrics import headline

    show(kpi_table(headline(store), "Headline KPIs", ""))


def register(app: typer.Typer) -> None:
    from insightdesk.cli.rollup_cmds import rollup_app

    metrics_app.add_typer(rollup_app, name="rollup")
    app.add_typer(metrics_app, name="metrics")
