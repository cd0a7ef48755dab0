"""Rolling-origin backtests: every candidate is refitted at each cutoff on the data before it and
scored on the `horizon` periods after it, never on what it was fitted on.

Per series and model:
- MASE = MAE of the window / MAE of the seasonal naive's one-season-ahead errors on that window's
  training data (Hyndman and Koehler, 2006), averaged over the windows; below 1 beats the floor.
- coverage80 / coverage95 = share of backtest points inside the 80% / 95% interval, with a Wilson
  95% interval over the n points, since a handful of windows leave it uncertain.
The chosen model is the lowest mean MASE. Choosing among several on the same windows flatters the
winner, so `selection` scores the choice honestly: each window is forecast by the model that was best
on the windows before it (nested), and that score is what a user should expect.

Selection windows: before the scored (outer) windows, up to as many again are backtested when the
series is long enough (`selection_windows`). They are never scored; they are only what the first outer
windows choose on, so every outer window gets a choice made on data before its cutoff, and none is
left out for want of a past.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from insightdesk.workforce.calendar import KnownEvent
from insightdesk.workforce.models import LEVELS, Candidate, back_transform, model_frame

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BacktestPlan:
    horizon: int
    windows: int
    freq: str
    seasons: tuple[int, ...]
    # Periods between cutoffs; by default a horizon, so windows do not overlap. A step of 1 forecasts
    # from every period (more, overlapping points: a finer coverage estimate, at `horizon` times the fits).
    step: int | None = None


def windows_for(length: int, plan: BacktestPlan) -> int:
    """How many windows fit while keeping two long seasons (at least) to fit on; ValueError if none."""
    min_train = max(2 * plan.seasons[-1], 14)
    fit = (length - min_train) // plan.horizon
    if fit < 1:
        raise ValueError(
            f"a series of {length} periods is too short to backtest a {plan.horizon}-period horizon: "
            f"it needs at least {min_train + plan.horizon} periods"
        )
    return min(plan.windows, fit)


def selection_windows(length: int, plan: BacktestPlan, windows: int) -> int:
    """Extra windows before the `windows` scored ones, only to choose on: as many as fit, at most `windows`."""
    min_train = max(2 * plan.seasons[-1], 14)
    fit = (length - min_train) // plan.horizon
    return max(0, min(fit - windows, windows))


def cross_validate(
    series: pd.DataFrame, candidate: Candidate, plan: BacktestPlan, windows: int, events: list[KnownEvent]
) -> pd.DataFrame:
    """Backtest forecasts of one candidate: unique_id, ds, cutoff, y, forecast, lo/hi per level."""
    from statsforecast import StatsForecast

    frame = model_frame(series, candidate, events)
    model = candidate.build(plan.seasons)
    engine = StatsForecast(models=[model], freq=plan.freq, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = engine.cross_validation(
            df=frame,
            h=plan.horizon,
            step_size=plan.step or plan.horizon,
            n_windows=windows,
            level=list(LEVELS),
        )
    cv = back_transform(pd.DataFrame(cv).drop(columns="y"), candidate, candidate.name)
    cv = cv.merge(series[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="left")
    return _standard_columns(cv, candidate.name)


def _standard_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    renamed = {name: "forecast"}
    for level in LEVELS:
        renamed[f"{name}-lo-{level}"] = f"lo{level}"
        renamed[f"{name}-hi-{level}"] = f"hi{level}"
    return frame.rename(columns=renamed).assign(model=name)


def window_scores(cv: pd.DataFrame, series: pd.DataFrame, season: int) -> pd.DataFrame:
    """One row per series, model and cutoff: MAE, the seasonal-naive scale, MASE, hits per level."""
    rows = []
    history = {uid: g.sort_values("ds") for uid, g in series.groupby("unique_id")}
    for (uid, model, cutoff), g in cv.groupby(["unique_id", "model", "cutoff"]):
        train = history[uid]
        y = train.loc[train["ds"] <= cutoff, "y"].to_numpy(dtype=float)
        scale = float(np.mean(np.abs(y[season:] - y[:-season]))) if len(y) > season else float("nan")
        mae = float(np.mean(np.abs(g["y"] - g["forecast"])))
        row = {"unique_id": uid, "model": model, "cutoff": cutoff, "mae": mae, "scale": scale, "n": len(g)}
        row["mase"] = mae / scale if scale > 0 else float("nan")
        for level in LEVELS:
            row[f"hits{level}"] = int(((g["y"] >= g[f"lo{level}"]) & (g["y"] <= g[f"hi{level}"])).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def outer_scores(scores: pd.DataFrame, outer: int) -> pd.DataFrame:
    """The last `outer` windows of each series: the ones every figure is reported on."""
    parts = []
    for _, g in scores.groupby("unique_id"):
        keep = sorted(g["cutoff"].unique())[-outer:]
        parts.append(g[g["cutoff"].isin(keep)])
    return pd.concat(parts, ignore_index=True) if parts else scores


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Per series and model: mean MASE, coverage per level with its Wilson interval, points, windows."""
    rows = []
    for (uid, model), g in scores.groupby(["unique_id", "model"]):
        n = int(g["n"].sum())
        row = {"unique_id": uid, "model": model, "mase": float(g["mase"].mean()), "points": n}
        row["windows"] = len(g)
        row["mae"] = float(g["mae"].mean())
        for level in LEVELS:
            hits = int(g[f"hits{level}"].sum())
            low, high = proportion_confint(hits, n, alpha=0.05, method="wilson") if n else (np.nan, np.nan)
            row.update({f"coverage{level}": hits / n if n else np.nan, f"coverage{level}_low": low})
            row[f"coverage{level}_high"] = high
        rows.append(row)
    return pd.DataFrame(rows)


def nested_selection(scores: pd.DataFrame, outer: int | None = None) -> pd.DataFrame:
    """Per series: the score of choosing, before each of the last `outer` windows (all by default), the
    model best on every window before it (`scores` may hold selection windows before the outer ones).

    A window with no window before it has no past to choose on and is left out."""
    rows = []
    for uid, g in scores.groupby("unique_id"):
        cutoffs = sorted(g["cutoff"].unique())
        first = max(1, len(cutoffs) - outer) if outer else 1
        picked = []
        for i, cutoff in enumerate(cutoffs[first:], start=first):
            past = g[g["cutoff"].isin(cutoffs[:i])].groupby("model")["mase"].mean()
            choice = str(past.idxmin())
            picked.append(g[(g["cutoff"] == cutoff) & (g["model"] == choice)])
        if picked:
            chosen = pd.concat(picked).assign(unique_id=uid, model="selection")
            rows.append(chosen)
    if not rows:
        return pd.DataFrame()
    return summarise(pd.concat(rows, ignore_index=True))


def best_models(summary: pd.DataFrame) -> dict[str, str]:
    """The model with the lowest backtest MASE per series (seasonal naive when nothing beats it)."""
    chosen: dict[str, str] = {}
    for uid, g in summary[summary["model"] != "selection"].groupby("unique_id"):
        ranked = g.dropna(subset=["mase"]).sort_values(["mase", "model"])
        chosen[str(uid)] = str(ranked.iloc[0]["model"]) if len(ranked) else "seasonal_naive"
    return chosen
