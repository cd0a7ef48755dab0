"""`insightdesk impact ...`: measure the effect of a change (did, prepost), analyse A/B tests, list them."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer
from rich.table import Table

from insightdesk.cli.options import DB_OPTION, format_option, parse_assignments
from insightdesk.cli.output import (
    TableOrJson,
    count,
    fields_table,
    is_missing,
    num,
    show,
    table,
    user_errors,
    warn,
    write_frame,
    write_json,
)
from insightdesk.model import display

if TYPE_CHECKING:
    from insightdesk.insights.impact import ImpactResult

impact_app = typer.Typer(
    help="Impact of a change: difference-in-differences, pre/post with trend, A/B tests.",
    no_args_is_help=True,
)


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
FORMAT_OPTION = format_option(TableOrJson.table)


def _segment(values: list[str], role: str) -> dict[str, Any]:
    return parse_assignments(values, f"--{role}")


METHODS = {"did": "difference-in-differences", "pre_post_trend": "pre/post with trend", "ab_test": "A/B test"}


def _effect(value: float, unit: str = "") -> str:
    # Infinite when a side has no data: shown as missing, like NaN. The unit's shape is the pages'.
    if is_missing(value) or not math.isfinite(value):
        return "-"
    return display.effect(value, unit, missing="-")


def _show(result: ImpactResult, fmt: TableOrJson) -> None:
    if fmt is TableOrJson.json:
        write_json(result.as_dict(), default=str)
        return
    rows = [("KPI", f"{result.kpi} ({result.unit})")]
    if result.intervention_at is not None:
        rows.append(("change at", str(result.intervention_at)))
    rows.append(("treated", json.dumps(result.treated)))
    rows.append(
        ("control", json.dumps(result.control) if result.control else "none (compared with its own trend)")
    )
    u = result.unit
    effect = (
        f"{_effect(result.effect, u)}  (95% CI {_effect(result.ci_low, u)} .. {_effect(result.ci_high, u)})"
    )
    rows.append(("effect", f"[bold]{effect}[/]" + ("  [green]significant[/]" if result.significant else "")))
    rows.append(("p-value", num(result.p_value, ".4f", finite=True)))
    rows.append(("n", f"treated {result.n_treated:,}, control {result.n_control:,}"))
    for key in ("model", "test", "mde_80", "pre_trend_p", "power", "n_per_arm_needed"):
        if result.detail.get(key) is not None:
            value = result.detail[key]
            rows.append((key.replace("_", " "), f"{value:.3g}" if isinstance(value, float) else str(value)))
    if result.analysis_id:
        rows.append(("stored as", result.analysis_id))
    title = f"{result.name or result.kpi}: {METHODS.get(result.method, result.method)}"
    show(fields_table(title, rows))
    series = result.series()
    if len(series):
        show(_series_table(series))
    for note in result.warnings:
        warn(note)


def _series_table(series: pd.DataFrame) -> Table:
    title = "Per period (0 = first period after the change)"
    if "treated" not in series:
        tab = table(title, ("period", "value", "n"), right=True)
        for row in series.to_dict("records"):
            tab.add_row(str(row["period"]), f"{row['value']:,.2f}", f"{int(row['n']):,}")
        return tab
    tab = table(title, ("period", "control", "n", "treated", "n"), right=True)
    wide = series.pivot(index="period", columns="treated", values=["value", "n"])
    for period, row in wide.iterrows():
        cells = [str(period)]
        for group in (0, 1):
            cells += [num(row.get(("value", group)), ",.2f"), count(row.get(("n", group)))]
        tab.add_row(*cells)
    return tab


def _run(func: Callable[..., ImpactResult], **kwargs: Any) -> ImpactResult:
    # A KeyError names a missing analysis or column; a ValueError, an input the analysis cannot use.
    with user_errors(ValueError, KeyError):
        return func(**kwargs)


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
    fmt: TableOrJson = FORMAT_OPTION,
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
    fmt: TableOrJson = FORMAT_OPTION,
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


def _estimate(db: str | None, fmt: TableOrJson, **params: object) -> None:
    """Run estimate_impact on the store and print the result (did and prepost differ only in the control)."""
    from insightdesk.insights.impact import estimate_impact
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
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
    with user_errors(OSError, ValueError):
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


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
    fmt: TableOrJson = FORMAT_OPTION,
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
        with user_errors(), open_store(db) as store:
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
            with user_errors(), open_store(db) as store:
                record_impact(store, result)
    _show(result, fmt)


@impact_app.command("list")
def list_cmd(
    limit: int = typer.Option(20, "--limit", help="Most recent analyses to show."),
    fmt: TableOrJson = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Stored impact analyses, most recent first."""
    from insightdesk.insights.impact import list_impact
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        frame = list_impact(store, limit=limit)
    if fmt is TableOrJson.json:
        write_frame(frame, fmt)
        return
    columns = ("id", "name", "kpi", "method", "effect", "95% CI", "p", "n (t / c)", "warnings")
    tab = table("Impact analyses", columns)
    for r in frame.to_dict("records"):
        tab.add_row(
            r["analysis_id"],
            r["name"] or "",
            r["kpi"],
            r["method"],
            _effect(r["effect"], r["unit"]),
            f"{_effect(r['ci_low'], r['unit'])} .. {_effect(r['ci_high'], r['unit'])}",
            num(r["p_value"], ".3f"),
            f"{r['n_treated']:,} / {r['n_control']:,}",
            str(len(r["warnings"] or [])),
        )
    show(tab)


@impact_app.command("show")
def show_cmd(
    analysis_id: str = typer.Argument(..., help="Analysis id (see `insightdesk impact list`)."),
    fmt: TableOrJson = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """One stored analysis with its per-period series and caveats."""
    from insightdesk.insights.impact import get_impact
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        result = _run(get_impact, store=store, analysis_id=analysis_id)
    _show(result, fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(impact_app, name="impact")
