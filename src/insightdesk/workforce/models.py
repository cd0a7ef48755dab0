"""The candidate forecasting models, as data: each names its statsforecast model, whether it takes the
calendar regressors, and whether it works on log counts.

Seasonal naive is the floor every other model must beat. AutoETS and AutoARIMA take the main season,
MSTL every season (day and week for intraday series). `calendar` is a dynamic regression: AutoARIMA
errors around weekday and event effects on log(1 + count), so holidays and peaks (known in advance)
move the forecast; it runs on daily series only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.workforce.calendar import REGRESSORS, KnownEvent, daily_regressors

LEVELS = (80, 95)


@dataclass(frozen=True)
class Candidate:
    name: str
    build: Callable[[tuple[int, ...]], Any]
    exogenous: bool = False
    log_scale: bool = False
    daily_only: bool = False
    cost: float = 1.0  # relative fitting cost per period (AutoETS = 1), for the work estimate


def _seasonal_naive(seasons: tuple[int, ...]) -> Any:
    from statsforecast.models import SeasonalNaive

    return SeasonalNaive(season_length=seasons[-1], alias="seasonal_naive")


def _ets(seasons: tuple[int, ...]) -> Any:
    from statsforecast.models import AutoETS

    return AutoETS(season_length=seasons[0], alias="auto_ets")


def _arima(seasons: tuple[int, ...]) -> Any:
    from statsforecast.models import AutoARIMA

    return AutoARIMA(season_length=seasons[0], alias="auto_arima")


def _mstl(seasons: tuple[int, ...]) -> Any:
    from statsforecast.models import MSTL, AutoETS

    return MSTL(season_length=list(seasons), trend_forecaster=AutoETS(model="ZZN"), alias="mstl")


def _calendar(seasons: tuple[int, ...]) -> Any:
    from statsforecast.models import AutoARIMA

    return AutoARIMA(season_length=1, alias="calendar_arima")


CANDIDATES = (
    Candidate("seasonal_naive", _seasonal_naive, cost=0.05),
    Candidate("auto_ets", _ets),
    Candidate("auto_arima", _arima, cost=8.0),
    Candidate("mstl", _mstl, cost=1.5),
    Candidate("calendar_arima", _calendar, exogenous=True, log_scale=True, daily_only=True, cost=8.0),
)
MODEL_NAMES = tuple(c.name for c in CANDIDATES)


def candidates(names: tuple[str, ...] | None, daily: bool) -> list[Candidate]:
    """The candidates to try (all by default); seasonal naive is always among them, as the floor."""
    wanted = set(names or MODEL_NAMES) | {"seasonal_naive"}
    unknown = wanted - set(MODEL_NAMES)
    if unknown:
        raise ValueError(f"unknown model {', '.join(sorted(unknown))}; use {', '.join(MODEL_NAMES)}")
    return [c for c in CANDIDATES if c.name in wanted and (daily or not c.daily_only)]


def model_frame(series: pd.DataFrame, candidate: Candidate, events: list[KnownEvent]) -> pd.DataFrame:
    """`unique_id, ds, y` (+ regressors) as the candidate wants it."""
    frame = series[["unique_id", "ds", "y"]].copy()
    if candidate.log_scale:
        frame["y"] = np.log1p(frame["y"].clip(lower=0))
    if candidate.exogenous:
        frame = pd.concat([frame, daily_regressors(frame["ds"], events)], axis=1)
    return frame


def future_frame(future: pd.DataFrame, candidate: Candidate, events: list[KnownEvent]) -> pd.DataFrame | None:
    """The regressors of the periods to forecast (None for a model that takes none)."""
    if not candidate.exogenous:
        return None
    frame = future[["unique_id", "ds"]].reset_index(drop=True)
    return pd.concat([frame, daily_regressors(frame["ds"], events)[REGRESSORS]], axis=1)


def back_transform(frame: pd.DataFrame, candidate: Candidate, column: str) -> pd.DataFrame:
    """Forecast columns (`column`, `column-lo-80`...) back on the count scale, never below zero."""
    columns = [c for c in frame.columns if c == column or c.startswith(column + "-")]
    out = frame.copy()
    for name in columns:
        values = out[name].to_numpy(dtype=float)
        out[name] = np.expm1(values) if candidate.log_scale else values
        out[name] = out[name].clip(lower=0.0)
    return out
