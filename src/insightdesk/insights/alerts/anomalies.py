"""Spikes and drops in many time series at once (pure numpy/scipy, no I/O).

Every series is laid out as one row of a (series x period) matrix, so a scan of thousands of
KPI x segment series is a handful of array operations, not a model fit per series:

1. **Baseline**: for each cell, the median of the same series over the `window` prior periods;
   at daily grain only the same weekday counts (weekly seasonality: Monday is compared with
   Mondays). Holidays (and, at daily grain, the catch-up days after them) never enter a baseline.
2. **Tail probability** of the observed value under the series' own noise:
   - counts (tickets, texts of a theme): negative binomial whose variance is the larger of the
     Poisson variance and the robust spread (1.4826 x MAD) of the baseline periods;
   - proportions (CSAT, FCR...): beta-binomial around the pooled baseline rate, over-dispersed
     by what the baseline periods vary beyond binomial noise, so a small n cannot fire;
   - estimates (means, medians, NPS): normal, with the cell's own standard error plus the
     between-period spread of the baseline.
   Each adds the uncertainty of the baseline itself (the median of h values has about
   pi / 2h times the variance of one).
3. **False positives** are controlled across the whole scan: Benjamini-Hochberg over every cell
   tested, at `fdr` (`metrics.stats.adjust_pvalues`, checked against statsmodels' `fdr_bh`).
4. **Rules** a cell must pass to be tested or to fire: a minimum volume (`min_count` for counts,
   `min_n` observations for proportions and estimates), `min_history` baseline periods, and a
   minimum practical change (`min_rel_change` for counts, `min_abs_change` for proportions).
   On holiday periods count drops are not tested (a quiet holiday is expected); on the days
   after a holiday count spikes are not tested (the catch-up is expected).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from insightdesk.insights.alerts.config import DetectionConfig
from insightdesk.insights.alerts.periods import FREQ, SEASON, STEP
from insightdesk.insights.alerts.tails import TAILS, Baseline, lags, nanmedian

KINDS = ("count", "proportion", "estimate")

OUTPUT_COLUMNS = [
    "series",
    "segment",
    "period",
    "kind",
    "observed",
    "n",
    "expected",
    "expected_low",
    "expected_high",
    "baseline_periods",
    "p_value",
    "q_value",
    "direction",
    "tested",
    "anomaly",
    "reason",
    "method",
]


def detect(
    cells: pd.DataFrame,
    grain: str = "week",
    config: DetectionConfig | None = None,
    *,
    test_from: dt.datetime | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Test every cell of every series against its own seasonal baseline.

    `cells` has one row per series x segment x period with `series`, `segment`, `period` (start
    of the period), `kind` (count, proportion or estimate) and the measure: `value` for counts;
    `k` (hits) and `n` for proportions; `value`, `se` (standard error) and `n` for estimates.
    Periods must be complete (drop a partial first or last period first); a count missing
    between a series' first and last row counts as zero (give explicit zeros after a series'
    last non-zero period up to where its data ends: a segment that went silent is a drop).

    Returns one row per cell (OUTPUT_COLUMNS): expected value and range, p-value, BH q-value,
    `direction` (spike or drop), `tested`, `anomaly`, and `reason` when not tested or not fired.
    Only periods at or after `test_from` are tested (earlier ones serve as baseline).
    """
    if grain not in FREQ:
        raise ValueError(f"grain {grain!r} is not one of {', '.join(FREQ)}")
    cfg = config or DetectionConfig()
    missing = {"series", "segment", "period", "kind"} - set(cells.columns)
    if missing:
        raise ValueError(f"cells lack column(s) {', '.join(sorted(missing))}")
    unknown = set(cells["kind"].unique()) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind(s) {', '.join(map(str, unknown))}; expected {', '.join(KINDS)}")
    if cells.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    start = pd.Timestamp(test_from) if test_from is not None else None
    parts = [
        _detect_kind(str(kind), group, grain, cfg, start)
        for kind, group in cells.groupby("kind", sort=False, observed=True)
    ]
    out = pd.concat(parts, ignore_index=True)
    tested = out["tested"].to_numpy(dtype=bool)
    q = np.full(len(out), np.nan)
    if tested.any():
        from insightdesk.metrics import stats

        q[tested] = stats.adjust_pvalues(out.loc[tested, "p_value"].to_numpy(dtype=float), "bh")
    out["q_value"] = q
    significant = tested & (q <= cfg.fdr)
    big = out.pop("_big").to_numpy(dtype=bool)
    out["anomaly"] = significant & big
    small = significant & ~big
    out.loc[small, "reason"] = "change below the practical minimum"
    return out[OUTPUT_COLUMNS]


def _grid(group: pd.DataFrame, grain: str) -> tuple[pd.DataFrame, pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Series keys, the full period range, and each row's (series, period) position."""
    period = pd.to_datetime(group["period"]).dt.tz_localize(None)
    periods = pd.date_range(period.min(), period.max(), freq=FREQ[grain])
    if len(periods) == 0 or periods[0] != period.min() or (period != period.dt.normalize()).any():
        raise ValueError(
            f"periods are not {grain} starts (e.g. {period.min()}); truncate them to the grain first"
        )
    col = periods.get_indexer(period)
    if (col < 0).any():
        bad = period[col < 0].iloc[0]
        raise ValueError(f"period {bad} is not a {grain} start; truncate periods to the grain first")
    codes = group.groupby(["series", "segment"], sort=True, observed=True).ngroup().to_numpy()
    keys = (
        group[["series", "segment"]]
        .assign(_code=codes)
        .drop_duplicates("_code")
        .sort_values("_code")
        .reset_index(drop=True)
    )
    return keys[["series", "segment"]], periods, codes, col


def _matrix(shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray, values: pd.Series) -> np.ndarray:
    m = np.full(shape, np.nan)
    m[rows, cols] = values.to_numpy(dtype=float)
    return m


def _calendar_masks(
    periods: pd.DatetimeIndex, grain: str, cfg: DetectionConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Per period: does it contain a holiday; is it (daily grain) within the days after one."""
    holiday = np.zeros(len(periods), dtype=bool)
    after = np.zeros(len(periods), dtype=bool)
    if not cfg.holidays:
        return holiday, after
    days = pd.DatetimeIndex(sorted({pd.Timestamp(d) for d in cfg.holidays}))
    ends = periods + STEP[grain]
    lo = days.searchsorted(periods, side="left")
    hi = days.searchsorted(ends, side="left")
    holiday = hi > lo
    if grain == "day" and cfg.after_holiday_days > 0:
        gap = pd.DateOffset(days=cfg.after_holiday_days)
        lo_after = days.searchsorted(periods - gap, side="left")
        after = (lo > lo_after) & ~holiday
    return holiday, after


def _detect_kind(
    kind: str, group: pd.DataFrame, grain: str, cfg: DetectionConfig, test_from: pd.Timestamp | None
) -> pd.DataFrame:
    keys, periods, rows, cols = _grid(group, grain)
    shape = (len(keys), len(periods))
    holiday, after = _calendar_masks(periods, grain, cfg)
    excluded = holiday | after
    window, step = cfg.window_for(grain), SEASON[grain]

    k: np.ndarray | None = None
    se: np.ndarray | None = None
    if kind == "count":
        obs = _matrix(shape, rows, cols, group["value"])
        # Zero between a series' first and last row; before it, no history (a new segment). After
        # its last row the series is unknown: the caller gives explicit zeros up to where its data ends.
        has = ~np.isnan(obs)
        inside = np.maximum.accumulate(has, axis=1) & np.maximum.accumulate(has[:, ::-1], axis=1)[:, ::-1]
        obs = np.where(inside & np.isnan(obs), 0.0, obs)
        n = obs.copy()
    elif kind == "proportion":
        k = _matrix(shape, rows, cols, group["k"])
        n = _matrix(shape, rows, cols, group["n"])
        n = np.where(n > 0, n, np.nan)
        k = np.where(np.isnan(n), np.nan, k)
        obs = k / n
    else:
        obs = _matrix(shape, rows, cols, group["value"])
        se = _matrix(shape, rows, cols, group["se"])
        n = _matrix(shape, rows, cols, group["n"]) if "n" in group else np.full(shape, np.nan)

    base_src = obs.copy()
    base_src[:, excluded] = np.nan
    lag_obs = lags(base_src, window, step)
    h = np.sum(~np.isnan(lag_obs), axis=2)
    expected = nanmedian(lag_obs, axis=2)

    present = ~np.isnan(obs)
    enough = h >= cfg.min_history
    if kind == "count":
        volume = np.fmax(obs, np.nan_to_num(expected)) >= cfg.min_count
    else:
        volume = np.nan_to_num(n) >= cfg.min_n
    in_window = np.ones(shape[1], dtype=bool) if test_from is None else np.asarray(periods >= test_from)
    todo = present & enough & volume & in_window[None, :]

    base = Baseline(obs, n, k, se, base_src, excluded, lag_obs, h, expected, enough, volume, window, step)
    tails = TAILS[kind](base, todo, grain, cfg)
    todo, expected = tails.todo, tails.expected
    p_spike, p_drop = tails.p_spike, tails.p_drop

    spike = np.nan_to_num(p_spike, nan=1.0) <= np.nan_to_num(p_drop, nan=1.0)
    p_value = np.fmin(1.0, 2 * np.fmin(np.nan_to_num(p_spike, nan=1.0), np.nan_to_num(p_drop, nan=1.0)))
    tested = todo.copy()
    reason = np.full(shape, "", dtype=object)
    reason[:, ~in_window] = "before the tested window"
    reason[:, in_window] = np.where(enough[:, in_window], reason[:, in_window], "short history")
    reason[enough & in_window[None, :] & ~todo] = "low volume"
    if kind == "count":
        # Calendar effects on volume are known, not anomalies.
        quiet_holiday = todo & holiday[None, :] & ~spike
        catch_up = todo & after[None, :] & spike
        tested &= ~(quiet_holiday | catch_up)
        reason[quiet_holiday] = "holiday: drops not tested"
        reason[catch_up] = "after a holiday: spikes not tested"

    # Only cells with data go out: the grid is for the arithmetic.
    keep = np.nonzero(present)
    out = pd.DataFrame(
        {
            "series": keys["series"].to_numpy()[keep[0]],
            "segment": keys["segment"].to_numpy()[keep[0]],
            "period": periods[keep[1]],
            "kind": kind,
            "observed": obs[keep],
            "n": n[keep],
            "expected": np.where(enough, expected, np.nan)[keep],
            "expected_low": tails.low[keep],
            "expected_high": tails.high[keep],
            "baseline_periods": h[keep],
            "p_value": np.where(tested, p_value, np.nan)[keep],
            "direction": np.where(spike, "spike", "drop")[keep],
            "tested": tested[keep],
            "reason": reason[keep],
            "method": tails.method,
            "_big": tails.big[keep],
        }
    )
    out.loc[~out["tested"], "direction"] = None
    return out
