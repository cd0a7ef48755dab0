"""The workforce services the CLI and the API call: forecast demand from the store's tickets, staff a
stored forecast under a base and scenarios, and read both back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.workforce import persistence
from insightdesk.workforce.calendar import KnownEvent
from insightdesk.workforce.demand import read_demand
from insightdesk.workforce.forecast import ForecastResult, forecast_demand, interval_seconds
from insightdesk.workforce.records import new_id
from insightdesk.workforce.scenarios import Scenario, compare_scenarios
from insightdesk.workforce.staffing import StaffingParams, staff_intervals

if TYPE_CHECKING:
    from insightdesk.store import Store


def run_forecast(
    store: Store,
    *,
    group_by: str = "channel",
    granularity: str = "day",
    horizon: int = 14,
    windows: int = 4,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    series: list[str] | None = None,
    max_series: int = 10,
    events: list[KnownEvent] | None = None,
    models: tuple[str, ...] | None = None,
    created_by: str = "cli",
    budget: float | None = None,
) -> tuple[str, ForecastResult]:
    """Read arrivals, backtest the candidates, forecast and store it all; returns (id, result)."""
    demand, notes = read_demand(
        store,
        group_by=group_by,
        granularity=granularity,
        since=since,
        until=until,
        series=series,
        max_series=max_series,
    )
    result = forecast_demand(
        demand,
        granularity=granularity,
        horizon=horizon,
        windows=windows,
        events=events,
        models=models,
        budget=budget,
    )
    result.warnings[:0] = notes
    params = {
        "since": since,
        "until": until,
        "windows": windows,
        "series": series,
        "models": list(models) if models else None,
        "events": [{"date": e.day, "name": e.name, "kind": e.kind} for e in events or []],
    }
    forecast_id = persistence.save_forecast(
        store, result, group_by=group_by, params=params, created_by=created_by
    )
    return forecast_id, result


def forecast_detail(store: Store, forecast_id: str | None = None) -> dict[str, Any]:
    """A stored forecast (the latest when no id): run, backtests, points."""
    return persistence.read_forecast(store, persistence.resolve_forecast_id(store, forecast_id))


def list_forecasts(store: Store, limit: int = 20) -> pd.DataFrame:
    return persistence.list_forecasts(store, limit)


@dataclass
class StaffingResult:
    forecast_id: str
    plan_ids: dict[str, str]
    intervals: pd.DataFrame  # series, ds, volume, agents, fte, scenario, deltas
    weekly: pd.DataFrame  # series, week, agent_hours, fte, scenario, fte_delta
    detail: pd.DataFrame  # the base plan's per-interval queue figures


def run_staffing(
    store: Store,
    *,
    params: StaffingParams,
    scenarios: list[Scenario] | None = None,
    forecast_id: str | None = None,
    created_by: str = "cli",
    max_intervals: int | None = None,
) -> StaffingResult:
    """Staff the forecast periods of a stored forecast: the base plan and each scenario, stored together.

    `max_intervals` bounds intervals x plans, checked before any is staffed."""
    forecast_id = persistence.resolve_forecast_id(store, forecast_id)
    stored = persistence.read_forecast(store, forecast_id)
    seconds = interval_seconds(stored["run"]["granularity"])
    points = stored["points"]
    future = points[points["kind"] == "forecast"]
    demand = pd.DataFrame({"series": future["series"], "ds": future["ds"], "volume": future["forecast"]})
    demand = demand.fillna({"volume": 0.0}).reset_index(drop=True)
    scenarios = scenarios or []
    if max_intervals is not None and len(demand) * (1 + len(scenarios)) > max_intervals:
        raise ValueError(
            f"{len(demand):,} intervals x {1 + len(scenarios)} plans is over the limit of {max_intervals:,} "
            "per request: fewer scenarios, or run `insightdesk staffing plan`"
        )
    per_interval, per_week = compare_scenarios(demand, params, scenarios, seconds)
    detail = staff_intervals(demand, params, seconds)
    run_id = new_id("staffing")
    plan_ids: dict[str, str] = {}
    with store.begin() as conn:
        for name, scenario in [("base", None), *((s.name, s) for s in scenarios)]:
            used = params if scenario is None else scenario.params(params)
            rows = detail if scenario is None else staff_intervals(scenario.demand(demand), used, seconds)
            deltas = per_interval[per_interval["scenario"] == name][["agents_delta", "fte_delta"]]
            rows = rows.assign(**{c: deltas[c].to_numpy() for c in deltas.columns})
            weekly = per_week[per_week["scenario"] == name].drop(columns="scenario")
            plan_ids[name] = persistence.save_plan(
                run_id=run_id,
                forecast_id=forecast_id,
                scenario=name,
                description="base" if scenario is None else scenario.describe(),
                params=used.as_dict(),
                intervals=rows,
                weekly=weekly,
                created_by=created_by,
                conn=conn,
            )
    return StaffingResult(forecast_id, plan_ids, per_interval, per_week, detail)


def staffing_detail(store: Store, forecast_id: str | None = None) -> dict[str, Any]:
    """The latest staffing run of a forecast (the latest forecast by default): plans and intervals."""
    forecast_id = persistence.resolve_forecast_id(store, forecast_id)
    plans, intervals = persistence.read_plans(store, forecast_id)
    return {"forecast_id": forecast_id, "plans": plans, "intervals": intervals}
