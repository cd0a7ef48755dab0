"""`insightdesk metrics ...`: list, explain and compute KPIs."""

from __future__ import annotations

import datetime as dt
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.table import Table

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION

if TYPE_CHECKING:
    from insightdesk.metrics import MetricsConfig

metrics_app = typer.Typer(
    help="Service and CX KPIs with n, confidence intervals and low-n flags.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


BY_OPTION = typer.Option([], "--by", "-b", help="Dimension to cut by (repeat, or comma-separate).")
GRAIN_OPTION = typer.Option(None, "--grain", "-g", help="Time grain: day, week, month or quarter.")
SINCE_OPTION = typer.Option(None, "--since", help="Start date (inclusive), YYYY-MM-DD.")
UNTIL_OPTION = typer.Option(
    None, "--until", help="End date (exclusive), YYYY-MM-DD; snapshot time of backlog KPIs."
)
WHERE_OPTION = typer.Option([], "--where", "-w", help="Filter DIM=VALUE (VALUE may be a,b,c); repeatable.")
MIN_N_OPTION = typer.Option(30, "--min-n", help="Cells with fewer observations are flagged low_n.")
FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="Output format.")
OUTPUT_OPTION = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout.")
COHORT_OPTION = typer.Option(None, "--cohort-date", help="Split date of the cohort_split dimension.")


def _split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _where(values: list[str]) -> dict[str, object] | None:
    where: dict[str, object] = {}
    for item in values:
        if "=" not in item:
            raise typer.BadParameter(f"--where {item!r}: expected DIM=VALUE")
        key, value = item.split("=", 1)
        parts = [p for p in value.split(",") if p]
        where[key.strip()] = parts if len(parts) > 1 else value
    return where or None


def _config(cohort_date: str | None) -> MetricsConfig:
    from insightdesk.metrics import MetricsConfig

    return MetricsConfig(cohort_date=dt.date.fromisoformat(cohort_date) if cohort_date else None)


def _fmt(value: object, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    number = float(value)  # type: ignore[arg-type]
    if unit == "share":
        return f"{100 * number:.1f}%"
    if unit in ("tickets",):
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def _emit(frame: pd.DataFrame, fmt: Format, output: Path | None, title: str, unit: str = "") -> None:
    if fmt is Format.table:
        if output is not None:
            raise typer.BadParameter("--output needs --format csv, json or parquet")
        out.print(_rich_table(frame, title, unit))
        return
    frame = frame.copy()
    if fmt is Format.csv:
        text = frame.to_csv(index=False)
    elif fmt is Format.json:
        text = frame.to_json(orient="records", date_format="iso", indent=2)
    else:
        if output is None:
            sys.stdout.buffer.write(frame.to_parquet(index=False))
            return
        frame.to_parquet(output, index=False)
        err.print(f"wrote {len(frame)} rows to {output}")
        return
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(frame)} rows to {output}")


def _rich_table(frame: pd.DataFrame, title: str, unit: str) -> Table:
    table = Table(
        title=title, caption="95% confidence intervals; [yellow]low n[/] = fewer answers than --min-n"
    )
    stats_cols = {
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
    keys = [c for c in frame.columns if c not in stats_cols]
    for key in keys:
        table.add_column(key)
    for name in ("value", "95% CI", "n"):
        table.add_column(name, justify="right")
    table.add_column("flag")
    for row in frame.to_dict("records"):
        row_unit = row.get("unit", unit)
        cells = []
        for key in keys:
            value = row[key]
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat()
            cells.append(
                "-" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
            )
        ci = f"{_fmt(row['ci_low'], row_unit)} .. {_fmt(row['ci_high'], row_unit)}"
        flag = "[yellow]low n[/]" if row["low_n"] else ""
        style = "dim" if row["low_n"] else None
        table.add_row(*cells, _fmt(row["value"], row_unit), ci, f"{int(row['n']):,}", flag, style=style)
    return table


@metrics_app.command("list")
def list_cmd(
    family: str = typer.Option(None, "--family", help="Only this family (feedback, resolution...)."),
) -> None:
    """Every registered KPI with its family, kind and unit."""
    from insightdesk.metrics import list_kpis

    table = Table(title="KPIs (details: insightdesk metrics explain NAME, docs/metrics.md)")
    for col in ("name", "family", "title", "unit", "interval"):
        table.add_column(col)
    for kpi in list_kpis(family):
        table.add_row(kpi.name, kpi.family, kpi.title, kpi.unit, kpi.method)
    out.print(table)


@metrics_app.command("dimensions")
def dimensions_cmd() -> None:
    """Dimensions every KPI can be cut by."""
    from insightdesk.metrics import DIMENSIONS

    table = Table(title="Dimensions")
    table.add_column("name")
    table.add_column("meaning")
    for name, doc in DIMENSIONS.items():
        table.add_row(name, doc)
    out.print(table)


@metrics_app.command("explain")
def explain_cmd(kpi: str = typer.Argument(..., help="KPI name.")) -> None:
    """The definition of one KPI: formula, numerator, denominator, exclusions, convention."""
    from insightdesk.metrics import get_kpi

    try:
        spec = get_kpi(kpi)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from None
    table = Table(title=f"{spec.name}: {spec.title}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for field in (
        "formula",
        "numerator",
        "denominator",
        "excludes",
        "edge_cases",
        "convention",
        "dated_by",
        "unit",
        "method",
    ):
        table.add_row(field.replace("_", " "), str(getattr(spec, field)))
    out.print(table)


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
    fmt: Format = FORMAT_OPTION,
    output: Path = OUTPUT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """One KPI, cut by dimensions and a time grain, with n, interval and flags."""
    from insightdesk.metrics import compare as compare_fn
    from insightdesk.metrics import compute, get_kpi
    from insightdesk.store import open_store

    try:
        spec = get_kpi(kpi)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from None
    kwargs = dict(
        by=_split(by),
        grain=grain,
        since=since,
        until=until,
        where=_where(where),
        min_n=min_n,
        config=_config(cohort_date),
    )
    with open_store(db) as store:
        try:
            if compare:
                frame = compare_fn(
                    spec, against=compare, adjust=None if adjust == "none" else adjust, store=store, **kwargs
                )
            else:
                frame = compute(spec, store=store, **kwargs)
        except ValueError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
    if compare and fmt is Format.table:
        _emit_comparison(frame, spec.title, spec.unit)
        return
    _emit(frame, fmt, output, f"{spec.title} ({spec.unit})", spec.unit)


def _emit_comparison(frame: pd.DataFrame, title: str, unit: str) -> None:
    table = Table(title=f"{title}: differences (adjusted p-values)")
    keys = [
        c
        for c in frame.columns
        if c
        not in {
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
    ]
    for key in keys:
        table.add_column(key)
    for col in ("value", "reference", "difference", "p (adj.)", ""):
        table.add_column(col, justify="right")
    for row in frame.to_dict("records"):
        cells = [str(row[k].date() if isinstance(row[k], pd.Timestamp) else row[k]) for k in keys]
        p = row["p_adjusted"]
        table.add_row(
            *cells,
            _fmt(row["value"], unit),
            _fmt(row["reference"], unit),
            _fmt(row["difference"], unit),
            "-" if pd.isna(p) else f"{p:.3f}",
            "[bold green]significant[/]" if row["significant"] else "",
        )
    out.print(table)
    if len(frame):
        out.print(f"test: {frame['test'].iloc[0]}; adjustment: {frame['adjust'].iloc[0]}")


@metrics_app.command("overview")
def overview_cmd(
    by: list[str] = BY_OPTION,
    since: str = SINCE_OPTION,
    until: str = UNTIL_OPTION,
    min_n: int = MIN_N_OPTION,
    fmt: Format = FORMAT_OPTION,
    output: Path = OUTPUT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Every KPI at once (optionally by dimensions)."""
    from insightdesk.metrics import overview
    from insightdesk.store import open_store

    with open_store(db) as store:
        frame = overview(store, by=_split(by), since=since, until=until, min_n=min_n)
    _emit(frame, fmt, output, "KPI overview")


@metrics_app.command("headline")
def headline_cmd(db: str = DB_OPTION, fmt: Format = FORMAT_OPTION, output: Path = OUTPUT_OPTION) -> None:
    """The headline KPIs of the store (CSAT, NPS, CES, FCR, response and resolution times, SLA, backlog)."""
    from insightdesk.store import open_store

    with open_store(db) as store:
        frame = headline_frame(store)
    _emit(frame, fmt, output, "Headline KPIs")


def headline_frame(store: object) -> pd.DataFrame:
    from insightdesk.metrics import headline

    return headline(store)


def print_headline(store: object) -> None:
    """Print the headline KPIs as a Rich table (for the ingest summary and the quickstart)."""
    out.print(_rich_table(headline_frame(store), "Headline KPIs", ""))


def register(app: typer.Typer) -> None:
    from insightdesk.cli.rollup_cmds import rollup_app

    metrics_app.add_typer(rollup_app, name="rollup")
    app.add_typer(metrics_app, name="metrics")
