"""`insightdesk impact ...`: measure the effect of a change (did, prepost), analyse A/B tests, list them."""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer
from rich.table import Table

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION

if TYPE_CHECKING:
    from insightdesk.insights.impact import ImpactResult

impact_app = typer.Typer(
    help="Impact of a change: difference-in-differences, pre/post with trend, A/B tests.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    json = "json"


KPI_OPTION = typer.Option(
    "csat", "--kpi", help="csat, nps, repeat_contact, fcr, resolution_hours, first_response_hours."
)
AT_OPTION = typer.Option(..., "--at", help="When the change took effect, YYYY-MM-DD (or an ISO timestamp).")
TREATED_OPTION = typer.Option(
    ..., "--treated", "-t", help="Treated segment COLUMN=VALUE (VALUE may be a,b); repeatable."
)
SINCE_OPTION = typer.Option(None, "--since", help="Window start, YYYY-MM-DD (default: --window-days before).")
UNTIL_OPTION = typer.Option(
    None, "--until", help="Window end (exclusive), YYYY-MM-DD (default: --window-days after)."
)
WINDOW_OPTION = typer.Option(
    84, "--window-days", help="Days either side of the change when --since/--until are not given."
)
GRAIN_OPTION = typer.Option(
    "week", "--grain", help="Periods aligned on the change: day, week or month (4 weeks)."
)
NAME_OPTION = typer.Option(None, "--name", help="What was changed (stored with the analysis).")
RECORD_OPTION = typer.Option(True, "--record/--no-record", help="Store the analysis in the database.")
FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="Output format.")


def _segment(values: list[str], role: str) -> dict[str, Any]:
    segment: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise typer.BadParameter(f"--{role} {item!r}: expected COLUMN=VALUE")
        key, value = item.split("=", 1)
        parts = [p for p in value.split(",") if p]
        segment[key.strip()] = parts if len(parts) > 1 else value
    return segment


def _num(value: float, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:+,.{digits}f}"


def _show(result: ImpactResult, fmt: Format) -> None:
    if fmt is Format.json:
        payload = result.as_dict()
        sys.stdout.write(json.dumps(payload, default=str, indent=2) + "\n")
        return
    labels = {
        "did": "difference-in-differences",
        "pre_post_trend": "pre/post with trend",
        "ab_test": "A/B test",
    }
    table = Table(
        title=f"{result.name or result.kpi}: {labels.get(result.method, result.method)}", show_header=False
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("KPI", f"{result.kpi} ({result.unit})")
    if result.intervention_at is not None:
        table.add_row("change at", str(result.intervention_at))
    table.add_row("treated", json.dumps(result.treated))
    table.add_row(
        "control", json.dumps(result.control) if result.control else "none (compared with its own trend)"
    )
    effect = f"{_num(result.effect)}  (95% CI {_num(result.ci_low)} .. {_num(result.ci_high)})"
    table.add_row("effect", f"[bold]{effect}[/]" + ("  [green]significant[/]" if result.significant else ""))
    table.add_row("p-value", "-" if not math.isfinite(result.p_value) else f"{result.p_value:.4f}")
    table.add_row("n", f"treated {result.n_treated:,}, control {result.n_control:,}")
    for key in ("model", "test", "mde_80", "pre_trend_p", "power", "n_per_arm_needed"):
        if result.detail.get(key) is not None:
            value = result.detail[key]
            table.add_row(key.replace("_", " "), f"{value:.3g}" if isinstance(value, float) else str(value))
    if result.analysis_id:
        table.add_row("stored as", result.analysis_id)
    out.print(table)
    series = result.series()
    if len(series):
        out.print(_series_table(series))
    for note in result.warnings:
        err.print(f"[yellow]warning:[/] {note}")


def _series_table(series: pd.DataFrame) -> Table:
    table = Table(title="Per period (0 = first period after the change)")
    wide = (
        series.pivot(index="period", columns="treated", values=["value", "n"])
        if "treated" in series
        else None
    )
    if wide is not None:
        for col in ("period", "control", "n", "treated", "n"):
            table.add_column(col, justify="right")
        for period, row in wide.iterrows():
            cells = [str(period)]
            for group in (0, 1):
                value, n = row.get(("value", group)), row.get(("n", group))
                cells += ["-" if pd.isna(value) else f"{value:,.2f}", "-" if pd.isna(n) else f"{int(n):,}"]
            table.add_row(*cells)
        return table
    for col in ("period", "value", "n"):
        table.add_column(col, justify="right")
    for row in series.to_dict("records"):
        table.add_row(str(row["period"]), f"{row['value']:,.2f}", f"{int(row['n']):,}")
    return table


def _run(func: Any, **kwargs: Any) -> ImpactResult:
    try:
        return func(**kwargs)
    except (ValueError, KeyError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


@impact_app.command("did")
def did_cmd(
    kpi: str = KPI_OPTION,
    at: str = AT_OPTION,
    treated: list[str] = TREATED_OPTION,
    control: list[str] = typer.Option(
        ..., "--control", "-c", help="Control segment COLUMN=VALUE; repeatable."
    ),
    since: str = SINCE_OPTION,
    until: str = UNTIL_OPTION,
    window_days: int = WINDOW_OPTION,
    grain: str = GRAIN_OPTION,
    name: str = NAME_OPTION,
    record: bool = RECORD_OPTION,
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Difference-in-differences: the change's effect on the treated segment against a control segment."""
    _estimate(
        db,
        fmt,
        kpi=kpi,
        intervention_at=at,
        treated=_segment(treated, "treated"),
        control=_segment(control, "control"),
        since=since,
        until=until,
        window_days=window_days,
        grain=grain,
        name=name,
        record=record,
    )


@impact_app.command("prepost")
def prepost_cmd(
    kpi: str = KPI_OPTION,
    at: str = AT_OPTION,
    treated: list[str] = TREATED_OPTION,
    since: str = SINCE_OPTION,
    until: str = UNTIL_OPTION,
    window_days: int = WINDOW_OPTION,
    grain: str = GRAIN_OPTION,
    name: str = NAME_OPTION,
    record: bool = RECORD_OPTION,
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Pre/post with trend (no control segment; weaker evidence, labelled as such)."""
    _estimate(
        db,
        fmt,
        kpi=kpi,
        intervention_at=at,
        treated=_segment(treated, "treated"),
        control=None,
        since=since,
        until=until,
        window_days=window_days,
        grain=grain,
        name=name,
        record=record,
    )


def _estimate(db: str | None, fmt: Format, **params: object) -> None:
    """Run estimate_impact on the store and print the result (did and prepost differ only in the control)."""
    from insightdesk.insights.impact import estimate_impact
    from insightdesk.store import open_store

    with open_store(db) as store:
        result = _run(estimate_impact, store=store, **params)
    _show(result, fmt)


def _parse_counts(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    arms = [arm.split("/") for arm in text.split(",")]
    if len(arms) != 2 or any(len(arm) != 2 or not all(v.strip().isdigit() for v in arm) for arm in arms):
        raise typer.BadParameter(
            f"--counts {text!r}: expected CONTROL_SUCCESSES/TRIALS,TREATMENT_SUCCESSES/TRIALS, e.g. 120/1000,150/1000"
        )
    (k0, n0), (k1, n1) = ((int(k), int(n)) for k, n in arms)
    return (k0, n0), (k1, n1)


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


@impact_app.command("abtest")
def abtest_cmd(
    counts: str = typer.Option(
        None, "--counts", help="From counts: CONTROL_SUCCESSES/TRIALS,TREATMENT_SUCCESSES/TRIALS."
    ),
    file: Path = typer.Option(None, "--file", help="From a CSV or Parquet file with one row per unit."),
    arm_column: str = typer.Option("arm", "--arm-column", help="Column of the arm (with --file)."),
    outcome_column: str = typer.Option("y", "--outcome-column", help="Column of the outcome (with --file)."),
    control_arm: str = typer.Option(None, "--control-arm", help="Control arm's label (with --file)."),
    treatment_arm: str = typer.Option(None, "--treatment-arm", help="Treatment arm's label (with --file)."),
    kpi: str = typer.Option(
        None, "--kpi", help="From the store: KPI compared between --treated and --control."
    ),
    treated: list[str] = typer.Option([], "--treated", "-t", help="Treatment arm as a segment COLUMN=VALUE."),
    control: list[str] = typer.Option([], "--control", "-c", help="Control arm as a segment COLUMN=VALUE."),
    since: str = typer.Option(None, "--since", help="Tickets created on or after (store mode)."),
    until: str = typer.Option(None, "--until", help="Tickets created before (store mode)."),
    mde: float = typer.Option(
        None,
        "--mde",
        help="Smallest effect worth detecting (percentage points for shares; default 5, or 0.2 SD).",
    ),
    power: float = typer.Option(
        0.8, "--power", help="Power wanted; below it the test is flagged underpowered."
    ),
    name: str = NAME_OPTION,
    record: bool = RECORD_OPTION,
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """A/B test: difference, interval, p-value, power and the sample size needed (counts, a file or segments)."""
    from insightdesk.insights.impact import ab_test, ab_test_frame, ab_test_segments, record_impact
    from insightdesk.store import open_store

    modes = [m for m, given in (("--counts", counts), ("--file", file), ("--kpi", kpi)) if given]
    if len(modes) != 1:
        raise typer.BadParameter("give exactly one of --counts, --file or --kpi with --treated/--control")
    common = {"mde": mde, "power": power, "name": name}
    if kpi:
        if not treated or not control:
            raise typer.BadParameter("--kpi needs --treated and --control segments")
        with open_store(db) as store:
            result = _run(
                ab_test_segments,
                store=store,
                kpi=kpi,
                treated=_segment(treated, "treated"),
                control=_segment(control, "control"),
                since=since,
                until=until,
                record=record,
                **common,
            )
    else:
        if counts:
            control_counts, treatment_counts = _parse_counts(counts)
            result = _run(ab_test, control=control_counts, treatment=treatment_counts, **common)
        else:
            result = _run(
                ab_test_frame,
                frame=_read_table(file),
                arm=arm_column,
                outcome=outcome_column,
                control_arm=control_arm,
                treatment_arm=treatment_arm,
                **common,
            )
        if record:
            with open_store(db) as store:
                record_impact(store, result)
    _show(result, fmt)


@impact_app.command("list")
def list_cmd(
    limit: int = typer.Option(20, "--limit", help="Most recent analyses to show."),
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Stored impact analyses, most recent first."""
    from insightdesk.insights.impact import list_impact
    from insightdesk.store import open_store

    with open_store(db) as store:
        frame = list_impact(store, limit=limit)
    if fmt is Format.json:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=2) + "\n")
        return
    table = Table(title="Impact analyses")
    for col in ("id", "name", "kpi", "method", "effect", "95% CI", "p", "n (t / c)", "warnings"):
        table.add_column(col)
    for r in frame.to_dict("records"):
        table.add_row(
            r["analysis_id"],
            r["name"] or "",
            r["kpi"],
            r["method"],
            _num(r["effect"]),
            f"{_num(r['ci_low'])} .. {_num(r['ci_high'])}",
            "-" if r["p_value"] is None or pd.isna(r["p_value"]) else f"{r['p_value']:.3f}",
            f"{r['n_treated']:,} / {r['n_control']:,}",
            str(len(r["warnings"] or [])),
        )
    out.print(table)


@impact_app.command("show")
def show_cmd(
    analysis_id: str = typer.Argument(..., help="Analysis id (see `insightdesk impact list`)."),
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """One stored analysis with its per-period series and caveats."""
    from insightdesk.insights.impact import get_impact
    from insightdesk.store import open_store

    with open_store(db) as store:
        result = _run(get_impact, store=store, analysis_id=analysis_id)
    _show(result, fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(impact_app, name="impact")
