"""`insightdesk forecast ...` and `insightdesk staffing ...`: demand forecasts with their backtests,
Erlang C/A staffing with scenarios, and the tier escalation analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer

from insightdesk.cli.options import DB_OPTION, format_option, parse_datetime, split_commas
from insightdesk.cli.output import (
    Format,
    fields_table,
    frame_table,
    num,
    show,
    user_errors,
    warn,
    write_rows,
)

if TYPE_CHECKING:
    from insightdesk.workforce import Scenario, StaffingParams

forecast_app = typer.Typer(
    help="Demand forecasts per channel or queue, with rolling-origin backtests.", no_args_is_help=True
)
staffing_app = typer.Typer(
    help="Agents and FTE per interval (Erlang C / Erlang A), scenarios, tiers.", no_args_is_help=True
)
FORMAT_OPTION = format_option(Format.table)
FORECAST_ID = typer.Option(None, "--forecast", help="Forecast id (default: the latest).")


def _show_backtests(backtests: pd.DataFrame, title: str) -> None:
    frame = backtests.rename(columns={"unique_id": "series"})
    frame = frame[["series", "model", "mase", "coverage80", "coverage95", "points", "windows"]]
    formats = {"mase": ".3f", "coverage80": ".0%", "coverage95": ".0%", "points": "d", "windows": "d"}
    show(frame_table(frame, title, formats))


@forecast_app.command("run")
def forecast_run(
    group_by: str = typer.Option(
        "channel", "--group-by", help="all, channel, team_id, category, type or priority."
    ),
    granularity: str = typer.Option("day", "--granularity", help="day, 60min, 30min or 15min."),
    horizon: int = typer.Option(14, "--horizon", help="Periods to forecast (and of each backtest window)."),
    windows: int = typer.Option(4, "--windows", help="Rolling-origin backtest windows."),
    since: str = typer.Option(None, "--since", help="History from, YYYY-MM-DD."),
    until: str = typer.Option(None, "--until", help="History until (exclusive), YYYY-MM-DD."),
    series: list[str] = typer.Option([], "--series", help="Only these series (repeatable or a,b)."),
    max_series: int = typer.Option(10, "--max-series", help="Keep the busiest N series."),
    events: Path = typer.Option(None, "--events", help="CSV of known events: date,name,kind (closed|peak)."),
    models: list[str] = typer.Option(
        [], "--model", help="Candidate models (default: all); repeatable or a,b."
    ),
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Backtest every candidate per series, keep the best by MASE, forecast with 80%/95% intervals."""
    from insightdesk.store import open_store
    from insightdesk.workforce import EventFileError, read_events, run_forecast

    known = []
    if events is not None:
        with user_errors(EventFileError):
            known = read_events(events)
    with user_errors(ValueError), open_store(db) as store:
        forecast_id, result = run_forecast(
            store,
            group_by=group_by,
            granularity=granularity,
            horizon=horizon,
            windows=windows,
            since=parse_datetime(since, "--since"),
            until=parse_datetime(until, "--until"),
            series=split_commas(series) or None,
            max_series=max_series,
            events=known,
            models=tuple(split_commas(models)) or None,
        )
    if fmt is not Format.table:
        frame = result.backtest.assign(chosen=lambda f: f["model"] == f["unique_id"].map(result.chosen))
        write_rows(frame, fmt, list(frame.columns))
        return
    _show_backtests(result.backtest, f"Backtest of {forecast_id} (MASE < 1 beats seasonal naive)")
    chosen = ", ".join(f"{k}: {v}" for k, v in result.chosen.items())
    show(fields_table("Forecast", [("id", forecast_id), ("chosen", chosen), ("horizon", str(horizon))]))
    for note in result.warnings:
        warn(note)


@forecast_app.command("list")
def forecast_list(
    limit: int = typer.Option(20, "--limit"), fmt: Format = FORMAT_OPTION, db: str = DB_OPTION
) -> None:
    """Stored forecasts, most recent first."""
    from insightdesk.store import open_store
    from insightdesk.workforce import list_forecasts

    with user_errors(), open_store(db) as store:
        frame = list_forecasts(store, limit)
    columns = ["forecast_id", "granularity", "group_by", "horizon", "chosen", "created_at"]
    if fmt is not Format.table:
        write_rows(frame, fmt, columns, nested={"chosen"})
        return
    show(frame_table(frame[columns].astype({"chosen": str}), "Forecasts", {"horizon": "d"}))


@forecast_app.command("show")
def forecast_show(
    forecast_id: str = typer.Argument(None), fmt: Format = FORMAT_OPTION, db: str = DB_OPTION
) -> None:
    """A forecast's backtests and its forecast periods with their intervals."""
    from insightdesk.store import open_store
    from insightdesk.workforce import forecast_detail

    with user_errors(KeyError), open_store(db) as store:
        detail = forecast_detail(store, forecast_id)
    points = detail["points"]
    future = points[points["kind"] == "forecast"][
        ["series", "ds", "forecast", "lo80", "hi80", "lo95", "hi95"]
    ]
    if fmt is not Format.table:
        write_rows(future, fmt, list(future.columns))
        return
    _show_backtests(detail["backtests"], f"Backtest of {detail['run']['forecast_id']}")
    show(frame_table(future, "Forecast", {c: ",.1f" for c in ("forecast", "lo80", "hi80", "lo95", "hi95")}))


def parse_scenario(text: str) -> Scenario:
    """`NAME:deflection=0.15,series=web|email,aht=-0.1,sl=0.9,target=30` as a Scenario."""
    from insightdesk.workforce import Scenario

    name, _, spec = text.partition(":")
    values: dict[str, Any] = {}
    keys = {"deflection": "deflection", "aht": "aht_change", "sl": "service_level", "target": "target"}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, eq, value = part.partition("=")
        if not eq or key.strip() not in {*keys, "series"}:
            raise typer.BadParameter(
                f"--scenario {text!r}: {part!r} is not one of deflection=, series=, aht=, sl=, target=",
            )
        if key.strip() == "series":
            values["deflection_series"] = tuple(v for v in value.split("|") if v)
            continue
        try:
            values[keys[key.strip()]] = float(value)
        except ValueError:
            raise typer.BadParameter(f"--scenario {text!r}: {key} {value!r} is not a number") from None
    try:
        return Scenario(name=name.strip(), **values)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def staffing_params(**values: Any) -> StaffingParams:
    from insightdesk.workforce import StaffingParams

    try:
        return StaffingParams(**values)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@staffing_app.command("plan")
def staffing_plan(
    forecast_id: str = FORECAST_ID,
    aht: float = typer.Option(300.0, "--aht", help="Average handle time, seconds."),
    service_level: float = typer.Option(0.8, "--sl", help="Share to answer within --target (0-1)."),
    target: float = typer.Option(20.0, "--target", help="Answer-time target, seconds."),
    max_occupancy: float = typer.Option(0.85, "--max-occupancy", help="Occupancy cap (0-1)."),
    shrinkage: float = typer.Option(0.3, "--shrinkage", help="Share of paid time off the phones (0-1)."),
    model: str = typer.Option("erlang_c", "--model", help="erlang_c or erlang_a (with --patience)."),
    patience: float = typer.Option(
        180.0, "--patience", help="Mean patience before abandoning, seconds (Erlang A)."
    ),
    channel_mode: str = typer.Option(
        "live", "--channel-mode", help="live, chat (with --concurrency) or email."
    ),
    concurrency: int = typer.Option(1, "--concurrency", help="Chat sessions per agent."),
    scenarios: list[str] = typer.Option(
        [], "--scenario", help="NAME:deflection=0.15,series=web,aht=-0.1,sl=0.9,target=30"
    ),
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Staff a stored forecast: the base plan and each scenario, FTE per week side by side."""
    from insightdesk.store import open_store
    from insightdesk.workforce import run_staffing

    params = staffing_params(
        aht=aht, service_level=service_level, target=target, max_occupancy=max_occupancy, shrinkage=shrinkage,
        model=model, patience=patience, channel_mode=channel_mode, concurrency=concurrency,
    )  # fmt: skip
    parsed = [parse_scenario(s) for s in scenarios]
    with user_errors(ValueError, KeyError), open_store(db) as store:
        result = run_staffing(store, params=params, scenarios=parsed, forecast_id=forecast_id)
    weekly = result.weekly[["scenario", "series", "week", "agent_hours", "fte", "fte_delta"]]
    if fmt is not Format.table:
        write_rows(weekly, fmt, list(weekly.columns))
        return
    formats = {"agent_hours": ",.1f", "fte": ",.2f", "fte_delta": "+,.2f"}
    show(frame_table(weekly.astype({"week": str}), f"FTE per week ({params.model})", formats))
    peak = result.detail.sort_values("agents", ascending=False).head(1)
    if len(peak):
        row = peak.iloc[0]
        show(fields_table("Busiest interval (base)", [
            ("when", f"{row['series']} {row['ds']}"), ("volume", num(row["volume"], ",.1f")),
            ("agents", str(int(row["agents"]))), ("service level", num(row["service_level"], ".1%")),
            ("ASA", num(row["asa"], ".1f") + " s"), ("abandon", num(row["p_abandon"], ".1%")),
        ]))  # fmt: skip


@staffing_app.command("erlang")
def staffing_erlang(
    volume: float = typer.Option(..., "--volume", help="Arrivals in the interval."),
    interval: int = typer.Option(1800, "--interval", help="Interval length, seconds."),
    aht: float = typer.Option(180.0, "--aht", help="Average handle time, seconds."),
    service_level: float = typer.Option(0.8, "--sl"),
    target: float = typer.Option(20.0, "--target"),
    max_occupancy: float = typer.Option(0.85, "--max-occupancy"),
    shrinkage: float = typer.Option(0.3, "--shrinkage"),
    model: str = typer.Option("erlang_c", "--model"),
    patience: float = typer.Option(180.0, "--patience"),
) -> None:
    """One interval, no store: agents needed and the queue they give (a calculator)."""
    from insightdesk.workforce import agents_for_interval

    if volume < 0 or interval <= 0:
        raise typer.BadParameter("--volume must be 0 or more and --interval above 0")
    params = staffing_params(
        aht=aht, service_level=service_level, target=target, max_occupancy=max_occupancy,
        shrinkage=shrinkage, model=model, patience=patience,
    )  # fmt: skip
    with user_errors(ValueError):
        metrics = agents_for_interval(volume, interval, params)
    if metrics is None:
        show(fields_table("Staffing", [("agents", "0 (no arrivals)")]))
        return
    show(fields_table(f"Staffing ({model})", [
        ("traffic", f"{metrics.traffic:.3f} Erlangs"), ("agents", str(metrics.agents)),
        ("FTE", num(metrics.agents / (1 - shrinkage), ".2f")), ("P(wait)", num(metrics.p_wait, ".4f")),
        ("service level", num(metrics.service_level, ".2%")), ("ASA", num(metrics.asa, ".2f") + " s"),
        ("abandon", num(metrics.p_abandon, ".2%")), ("occupancy", num(metrics.occupancy, ".1%")),
    ]))  # fmt: skip


@staffing_app.command("tiers")
def staffing_tiers(
    topic: str = typer.Option(
        "category", "--topic", help="category, subcategory, channel, type or priority."
    ),
    since: str = typer.Option(None, "--since"),
    until: str = typer.Option(None, "--until"),
    touch_minutes: list[str] = typer.Option(
        [], "--touch-minutes", help="TIER=MINUTES of effort per touch, e.g. L1=10."
    ),
    limit: int = typer.Option(20, "--limit"),
    fmt: Format = FORMAT_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Where tickets escalate, by topic and tier, and the hours each tier held them."""
    from insightdesk.cli.options import parse_assignments
    from insightdesk.store import open_store
    from insightdesk.workforce import escalation_summary, tier_paths

    minutes = {}
    for tier, value in parse_assignments(touch_minutes, "--touch-minutes", "TIER=MINUTES").items():
        try:
            minutes[tier] = float(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"--touch-minutes {tier}={value!r}: MINUTES is not a number") from None
    with user_errors(ValueError), open_store(db) as store:
        paths = tier_paths(
            store, topic=topic, since=parse_datetime(since, "--since"), until=parse_datetime(until, "--until")
        )
    summary = escalation_summary(paths, minutes or None).head(limit)
    if fmt is not Format.table:
        write_rows(summary, fmt, list(summary.columns))
        return
    formats = {c: ",.1f" for c in summary.columns if c.startswith(("hours_", "effort", "extra_"))}
    formats |= {c: ".0%" for c in summary.columns if c.startswith("resolved_")}
    formats |= {"escalation_rate": ".1%", "tickets": ",d", "escalated": ",d"}
    formats |= {c: ",d" for c in summary.columns if c.startswith("touches_")}
    show(frame_table(summary, f"Escalation by {topic}", formats))


def register(app: typer.Typer) -> None:
    from insightdesk.cli.workforce_pool_cmds import register as register_pool

    register_pool(staffing_app)
    app.add_typer(forecast_app, name="forecast")
    app.add_typer(staffing_app, name="staffing")
