"""Every read and write of the workforce tables. A forecast and its backtests and points are written in
one transaction, as is a staffing plan with its intervals, so a crash leaves neither half."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.store.tables.workforce import (
    staffing_intervals,
    staffing_plans,
    workforce_backtests,
    workforce_forecast_points,
    workforce_forecasts,
)
from insightdesk.workforce.records import finite, from_json, naive, new_id, read_frame, to_json, utcnow

if TYPE_CHECKING:
    from insightdesk.store import Store
    from insightdesk.workforce.forecast import ForecastResult

_POINT_VALUES = ("actual", "forecast", "lo80", "hi80", "lo95", "hi95")


def _points(forecast_id: str, result: ForecastResult) -> list[dict[str, Any]]:
    rows = []
    for r in result.history.itertuples(index=False):
        rows.append({"series": r.unique_id, "kind": "history", "ds": naive(r.ds), "actual": float(r.y)})
    backtest = result.backtest_points.rename(columns={"y": "actual"})
    forecast = result.forecast
    for kind, frame in (("backtest", backtest), ("forecast", forecast)):
        for record in frame.to_dict("records"):
            row = {"series": str(record["unique_id"]), "kind": kind, "ds": naive(record["ds"])}
            row.update({k: finite(record.get(k)) for k in _POINT_VALUES if k in record})
            rows.append(row)
    for row in rows:
        row["forecast_id"] = forecast_id
        for key in _POINT_VALUES:
            row.setdefault(key, None)
    return rows


def save_forecast(
    store: Store, result: ForecastResult, *, group_by: str, params: dict[str, Any], created_by: str
) -> str:
    forecast_id = new_id("forecast")
    backtests = []
    for r in result.backtest.to_dict("records"):
        row: dict[str, Any] = {k: finite(r[k]) for k in r if k.startswith(("mase", "mae", "coverage"))}
        row.update(forecast_id=forecast_id, series=str(r["unique_id"]), model=str(r["model"]))
        row.update(points=int(r["points"]), windows=int(r["windows"]))
        row["chosen"] = result.chosen.get(row["series"]) == row["model"]
        backtests.append(row)
    with store.begin() as conn:
        conn.execute(
            workforce_forecasts.insert().values(
                forecast_id=forecast_id,
                granularity=result.granularity,
                group_by=group_by,
                horizon=result.horizon,
                params=to_json(params),
                chosen=to_json(result.chosen),
                warnings=to_json(result.warnings),
                created_by=created_by,
                created_at=utcnow(),
            )
        )
        conn.execute(workforce_backtests.insert(), backtests)
        conn.execute(workforce_forecast_points.insert(), _points(forecast_id, result))
    return forecast_id


def list_forecasts(store: Store, limit: int = 20) -> pd.DataFrame:
    f = workforce_forecasts
    query = sa.select(f).order_by(f.c.created_at.desc(), f.c.forecast_id.desc()).limit(limit)
    frame = read_frame(store, query)
    for column in ("params", "chosen", "warnings"):
        frame[column] = frame[column].map(from_json)
    return frame


def resolve_forecast_id(store: Store, forecast_id: str | None) -> str:
    """The id given (checked) or the latest forecast's; KeyError names what is missing."""
    f = workforce_forecasts
    with store.engine.connect() as conn:
        if forecast_id:
            found = conn.execute(sa.select(f.c.forecast_id).where(f.c.forecast_id == forecast_id)).scalar()
            if found is None:
                raise KeyError(f"no forecast {forecast_id!r}; `insightdesk forecast list` shows them")
            return str(found)
        latest = conn.execute(sa.select(f.c.forecast_id).order_by(f.c.created_at.desc()).limit(1)).scalar()
    if latest is None:
        raise KeyError("no forecast yet: run `insightdesk forecast run` first")
    return str(latest)


def read_forecast(store: Store, forecast_id: str) -> dict[str, Any]:
    """The run row, its backtests and its points (all kinds)."""
    f, b, p = workforce_forecasts, workforce_backtests, workforce_forecast_points
    run = read_frame(store, sa.select(f).where(f.c.forecast_id == forecast_id)).to_dict("records")[0]
    for column in ("params", "chosen", "warnings"):
        run[column] = from_json(run[column])
    backtests = read_frame(
        store, sa.select(b).where(b.c.forecast_id == forecast_id).order_by(b.c.series, b.c.mase)
    )
    points = read_frame(
        store, sa.select(p).where(p.c.forecast_id == forecast_id).order_by(p.c.series, p.c.kind, p.c.ds)
    )
    return {"run": run, "backtests": backtests, "points": points}


def save_plan(
    *,
    run_id: str,
    forecast_id: str,
    scenario: str,
    description: str,
    params: dict[str, Any],
    intervals: pd.DataFrame,
    weekly: pd.DataFrame,
    created_by: str,
    conn: sa.Connection,
) -> str:
    plan_id = f"{run_id}/{scenario}"
    conn.execute(
        staffing_plans.insert().values(
            plan_id=plan_id,
            forecast_id=forecast_id,
            scenario=scenario,
            description=description,
            params=to_json(params),
            weekly=to_json(weekly.to_dict("records")),
            created_by=created_by,
            created_at=utcnow(),
        )
    )
    rows = []
    for r in intervals.to_dict("records"):
        row: dict[str, Any] = {
            k: finite(r.get(k)) for k in ("volume", "service_level", "asa", "p_abandon", "occupancy", "fte")
        }
        row.update(plan_id=plan_id, series=str(r["series"]), ds=naive(r["ds"]), agents=int(r["agents"]))
        row["agents_delta"] = int(r.get("agents_delta") or 0)
        row["fte_delta"] = finite(r.get("fte_delta")) or 0.0
        rows.append(row)
    if rows:
        conn.execute(staffing_intervals.insert(), rows)
    return plan_id


def read_plans(store: Store, forecast_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(plans of the forecast's latest staffing run, their intervals)."""
    s, i = staffing_plans, staffing_intervals
    plans = read_frame(store, sa.select(s).where(s.c.forecast_id == forecast_id).order_by(s.c.created_at))
    if plans.empty:
        return plans, pd.DataFrame(columns=[c.name for c in i.columns] + ["scenario"])
    # The most recent staffing run: its plans' ids are `<run id>/<scenario>`.
    latest_run = str(plans.loc[plans["scenario"] == "base", "plan_id"].iloc[-1]).rsplit("/", 1)[0]
    plans = plans[plans["plan_id"].str.startswith(latest_run + "/")].reset_index(drop=True)
    plans["params"] = plans["params"].map(from_json)
    plans["weekly"] = plans["weekly"].map(from_json)
    intervals = read_frame(
        store, sa.select(i).where(i.c.plan_id.in_(list(plans["plan_id"]))).order_by(i.c.ds)
    )
    intervals = intervals.merge(plans[["plan_id", "scenario"]], on="plan_id")
    return plans, intervals
