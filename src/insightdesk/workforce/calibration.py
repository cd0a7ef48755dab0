"""Interval calibration: scale a model's prediction intervals by how wide they needed to be on backtest
windows that ended before the forecast origin.

For each earlier backtest point, r = |y - forecast| / the interval's half-width on the side the actual
fell (intervals of log-scale models are asymmetric on the count scale). Widening the half-widths by the
`level` quantile of r would have made exactly that share of those points fall inside, so that quantile
is the raw factor. With a handful of points it is noisy (the 95% quantile of 14 ratios is nearly their
maximum), so it is shrunk toward 1 (the model's own intervals) in log space:

    log s = n / (n + prior_points) x log s_raw

n the points it was estimated on. The factor never uses the window it is applied to: in the backtest a
window's factor comes from the windows before its cutoff; in the forecast, from all the backtest.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

PRIOR_POINTS = 14.0  # two weeks of daily points weigh as much as the model's own intervals
FACTOR_RANGE = (0.25, 4.0)  # a guard against a degenerate interval, not a tuning knob


def width_ratios(y: np.ndarray, forecast: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """|error| / half-width on the error's side; inf where the error is non-zero and the side is zero-wide."""
    y, forecast = np.asarray(y, dtype=float), np.asarray(forecast, dtype=float)
    error = y - forecast
    half = np.where(
        error >= 0, np.asarray(hi, dtype=float) - forecast, forecast - np.asarray(lo, dtype=float)
    )
    half = np.maximum(half, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(error) / half
    return np.where(np.abs(error) == 0, 0.0, ratio)


def interval_factor(ratios: np.ndarray, level: int, prior_points: float = PRIOR_POINTS) -> float:
    """The shrunk factor that would have made `level`% of the points fall inside (1.0 with no points)."""
    ratios = np.asarray(ratios, dtype=float)
    ratios = ratios[~np.isnan(ratios)]
    n = len(ratios)
    if n == 0:
        return 1.0
    raw = float(np.quantile(ratios, level / 100))
    raw = float(np.clip(raw, *FACTOR_RANGE)) if np.isfinite(raw) else FACTOR_RANGE[1]
    weight = n / (n + prior_points)
    return float(np.clip(np.exp(weight * np.log(max(raw, FACTOR_RANGE[0]))), *FACTOR_RANGE))


def factors_from(
    points: pd.DataFrame, levels: tuple[int, ...], prior_points: float = PRIOR_POINTS
) -> dict[int, float]:
    """Per level, the factor learnt from backtest points (`y`, `forecast`, `lo<level>`, `hi<level>`)."""
    out = {}
    for level in levels:
        ratios = width_ratios(points["y"], points["forecast"], points[f"lo{level}"], points[f"hi{level}"])
        out[level] = interval_factor(ratios, level, prior_points)
    return out


def scale_intervals(frame: pd.DataFrame, factors: dict[int, float]) -> pd.DataFrame:
    """The intervals' half-widths times their level's factor, around the same forecast, never below 0."""
    out = frame.copy()
    centre = out["forecast"].to_numpy(dtype=float)
    for level, factor in factors.items():
        lo, hi = out[f"lo{level}"].to_numpy(dtype=float), out[f"hi{level}"].to_numpy(dtype=float)
        out[f"lo{level}"] = np.maximum(centre - factor * (centre - lo), 0.0)
        out[f"hi{level}"] = centre + factor * (hi - centre)
    ordered = sorted(factors)
    for narrow, wide in itertools.pairwise(ordered):  # keep the wider level around the narrower
        out[f"lo{wide}"] = np.minimum(out[f"lo{wide}"], out[f"lo{narrow}"])
        out[f"hi{wide}"] = np.maximum(out[f"hi{wide}"], out[f"hi{narrow}"])
    return out
