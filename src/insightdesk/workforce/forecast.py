"""Demand forecasts per series: backtest every candidate, keep the best per series, refit it on all the
history and forecast the horizon with 80% and 95% prediction intervals.

Pure computation on frames (`unique_id`, `ds`, `y` on a complete grid); the service reads the store.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from insightdesk.workforce.backtest import (
    BacktestPlan,
    best_models,
    cross_validate,
    nested_selection,
    outer_scores,
    selection_windows,
    summarise,
    window_scores,
    windows_for,
)
from insightdesk.workforce.calendar import KnownEvent
from insightdesk.workforce.models import LEVELS, back_transform, candidates, future_frame, model_frame

# statsforecast frequency and the seasons (in periods) of each granularity.
GRANULARITIES: dict[str, tuple[str, int]] = {"day": ("D", 1), "60min": ("h", 24), "30min": ("30min", 48)}
GRANULARITIES["15min"] = ("15min", 96)
MAX_HORIZON = 2_000
MAX_SERIES = 200


def seasons_for(granularity: str) -> tuple[int, ...]:
    per_day = _granularity(granularity)[1]
    return (7,) if per_day == 1 else (per_day, per_day * 7)


def _granularity(granularity: str) -> tuple[str, int]:
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity {granularity!r} must be one of {', '.join(GRANULARITIES)}")
    return GRANULARITIES[granularity]


def interval_seconds(granularity: str) -> int:
    return 86_400 // _granularity(granularity)[1]


@dataclass
class ForecastResult:
    granularity: str
    horizon: int
    backtest: pd.DataFrame  # per series and model (and `selection`): MASE, coverage, points
    chosen: dict[str, str]
    forecast: pd.DataFrame  # unique_id, ds, model, forecast, lo80, hi80, lo95, hi95
    history: pd.DataFrame  # unique_id, ds, y
    backtest_points: pd.DataFrame  # the chosen models' backtest forecasts beside the actuals
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        chosen = self.backtest.merge(
            pd.DataFrame({"unique_id": list(self.chosen), "model": list(self.chosen.values())})
        )
        return {
            "series": len(self.chosen),
            "chosen": self.chosen,
            "mase": {str(r.unique_id): float(r.mase) for r in chosen.itertuples()},
            "coverage80": {str(r.unique_id): float(r.coverage80) for r in chosen.itertuples()},
        }


def forecast_demand(
    series: pd.DataFrame,
    *,
    granularity: str = "day",
    horizon: int = 14,
    windows: int = 4,
    events: list[KnownEvent] | None = None,
    models: tuple[str, ...] | None = None,
    budget: float | None = None,
) -> ForecastResult:
    """Backtest, choose per series, forecast `horizon` periods ahead.

    With a `budget` (work units: periods x fits x the models' relative cost, about a millisecond each
    on one core), a larger request is refused before any model is fitted."""
    freq, per_day = _granularity(granularity)
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon {horizon} must be 1 to {MAX_HORIZON} periods")
    if not 1 <= windows <= 52:
        raise ValueError(f"windows {windows} must be 1 to 52")
    if series.empty:
        raise ValueError("there is no demand to forecast: the store has no tickets in the window")
    if series["unique_id"].nunique() > MAX_SERIES:
        raise ValueError(f"{series['unique_id'].nunique()} series is more than {MAX_SERIES}: group coarser")
    events = events or []
    seasons = seasons_for(granularity)
    plan = BacktestPlan(horizon, windows, freq, seasons)
    shortest = int(series.groupby("unique_id").size().min())
    fitted_windows = windows_for(shortest, plan)
    extra = selection_windows(shortest, plan, fitted_windows)
    tried = candidates(models, daily=per_day == 1)
    work = len(series) * (fitted_windows + extra + 1) * sum(c.cost for c in tried)
    if budget is not None and work > budget:
        raise ValueError(
            f"this forecast is about {work:,.0f} units of work, over the limit of {budget:,.0f} per request: "
            "ask for fewer series, windows or models, a shorter window, or run `insightdesk forecast run`"
        )
    cv = pd.concat(
        [cross_validate(series, c, plan, fitted_windows + extra, events) for c in tried], ignore_index=True
    )
    scores = window_scores(cv, series, seasons[-1])
    outer = outer_scores(scores, fitted_windows)
    summary = pd.concat([summarise(outer), nested_selection(scores, fitted_windows)], ignore_index=True)
    cv = cv.merge(outer[["unique_id", "model", "cutoff"]], on=["unique_id", "model", "cutoff"])
    chosen = best_models(summary)
    notes = []
    if fitted_windows < windows:
        notes.append(f"only {fitted_windows} backtest windows fit the shortest series ({shortest} periods)")
    forecast = _final_forecasts(series, chosen, tried, plan, events)
    picked = pd.DataFrame({"unique_id": list(chosen), "model": list(chosen.values())})
    points = cv.merge(picked, on=["unique_id", "model"])
    return ForecastResult(granularity, horizon, summary, chosen, forecast, series, points, notes)


def _final_forecasts(
    series: pd.DataFrame,
    chosen: dict[str, str],
    tried: list[Any],
    plan: BacktestPlan,
    events: list[KnownEvent],
) -> pd.DataFrame:
    from statsforecast import StatsForecast

    frames = []
    for candidate in tried:
        ids = [uid for uid, name in chosen.items() if name == candidate.name]
        if not ids:
            continue
        subset = series[series["unique_id"].isin(ids)]
        engine = StatsForecast(models=[candidate.build(plan.seasons)], freq=plan.freq, n_jobs=1)
        future = _future_index(subset, plan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = engine.forecast(
                df=model_frame(subset, candidate, events),
                h=plan.horizon,
                X_df=future_frame(future, candidate, events),
                level=list(LEVELS),
            )
        out = back_transform(
            pd.DataFrame(out).reset_index(drop="unique_id" in out.columns), candidate, candidate.name
        )
        renamed = {candidate.name: "forecast"}
        for level in LEVELS:
            renamed |= {
                f"{candidate.name}-lo-{level}": f"lo{level}",
                f"{candidate.name}-hi-{level}": f"hi{level}",
            }
        frames.append(out.rename(columns=renamed).assign(model=candidate.name))
    columns = ["unique_id", "ds", "model", "forecast", "lo80", "hi80", "lo95", "hi95"]
    return pd.concat(frames, ignore_index=True)[columns]


def _future_index(series: pd.DataFrame, plan: BacktestPlan) -> pd.DataFrame:
    rows = []
    for uid, g in series.groupby("unique_id"):
        start = g["ds"].max()
        stamps = pd.date_range(start, periods=plan.horizon + 1, freq=plan.freq)[1:]
        rows.append(pd.DataFrame({"unique_id": uid, "ds": stamps}))
    return pd.concat(rows, ignore_index=True)
