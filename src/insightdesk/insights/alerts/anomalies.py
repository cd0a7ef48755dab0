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
   tested, at `fdr` (statsmodels `multipletests`, `fdr_bh`).
4. **Rules** a cell must pass to be tested or to fire: a minimum volume (`min_count` for counts,
   `min_n` observations for proportions and estimates), `min_history` baseline periods, and a
   minimum practical change (`min_rel_change` for counts, `min_abs_change` for proportions).
   On holiday periods count drops are not tested (a quiet holiday is expected); on the days
   after a holiday count spikes are not tested (the catch-up is expected).
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as st
from scipy.special import betainc

from insightdesk.metrics.grains import PANDAS_FREQ

KINDS = ("count", "proportion", "estimate")
SEASON: dict[str, int] = {"day": 7, "week": 1, "month": 1, "quarter": 1}
"""Lag between comparable periods: a day is compared with the same weekday of earlier weeks."""
DEFAULT_WINDOW: dict[str, int] = {"day": 8, "week": 8, "month": 6, "quarter": 4}
FREQ = PANDAS_FREQ  # consecutive period starts, as the metrics engine truncates them
STEP: dict[str, pd.DateOffset] = {
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
}
_MAD_TO_SD = 1.4826
_MEDIAN_VAR = np.pi / 2  # variance of a median of h normal values ~ (pi/2) sigma^2 / h

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


@dataclass(frozen=True)
class DetectionConfig:
    """Settings of the anomaly scan; the defaults are documented in docs/insights.md."""

    fdr: float = 0.05
    """False discovery rate of the Benjamini-Hochberg procedure over every cell tested in one scan."""
    window: int | None = None
    """Baseline length in comparable periods (default: 8 same weekdays, 8 weeks, 6 months, 4 quarters)."""
    min_history: int = 4
    """Baseline periods a cell needs before it is tested."""
    min_count: float = 10
    """Counts: the larger of observed and expected must reach this, or the cell is not tested."""
    min_n: int = 30
    """Proportions and estimates: observations the cell (and its baseline) needs to be tested."""
    min_rel_change: float = 0.3
    """Counts fire only when observed / expected - 1 is at least this far from 0."""
    min_abs_change: float = 0.03
    """Proportions fire only when the observed share is at least this far from the expected one."""
    holidays: tuple[dt.date, ...] = field(default_factory=tuple)
    """Holiday dates: out of every baseline; count drops on them are not tested."""
    after_holiday_days: int = 1
    """At daily grain, days after a holiday left out of baselines, with their count spikes untested."""
    range_confidence: float = 0.95
    """Coverage of the expected range reported with each cell."""

    def __post_init__(self) -> None:
        if not 0 < self.fdr < 1:
            raise ValueError(f"fdr must be between 0 and 1, got {self.fdr}")
        if self.window is not None and self.window < 2:
            raise ValueError(f"window must be at least 2 periods, got {self.window}")
        if self.min_history < 2:
            raise ValueError(f"min_history must be at least 2, got {self.min_history}")
        if not 0 < self.range_confidence < 1:
            raise ValueError(f"range_confidence must be between 0 and 1, got {self.range_confidence}")

    def window_for(self, grain: str) -> int:
        return self.window or DEFAULT_WINDOW[grain]


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
        from statsmodels.stats.multitest import multipletests

        q[tested] = multipletests(out.loc[tested, "p_value"].to_numpy(dtype=float), method="fdr_bh")[1]
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


def _lags(m: np.ndarray, window: int, step: int) -> np.ndarray:
    """(series, period, window) array: the same series `step`, 2 `step`... periods earlier."""
    s, t = m.shape
    out = np.full((s, t, window), np.nan)
    for j in range(1, window + 1):
        shift = j * step
        if shift < t:
            out[:, shift:, j - 1] = m[:, : t - shift]
    return out


def _nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no baseline yet
        return np.nanmedian(a, axis=axis)


def _dispersion(z: np.ndarray, usable: np.ndarray, min_cells: int = 8) -> np.ndarray:
    """Per series, how much wider its cells scatter around their baselines than the model says:
    (1.4826 x MAD of the standardised residuals)^2 over its whole history, at least 1.

    A window of 8 baseline periods gives a noisy spread (often far too small by chance); the
    series' own history pins it down, and the MAD ignores the anomalies themselves. Returned as a
    (series, 1) column that scales each cell's variance.
    """
    z = np.where(usable, z, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmedian(z, axis=1, keepdims=True)
        mad = np.nanmedian(np.abs(z - centre), axis=1, keepdims=True)
    enough = np.sum(~np.isnan(z), axis=1, keepdims=True) >= min_cells
    return np.where(enough, np.fmax(1.0, (_MAD_TO_SD * np.nan_to_num(mad, nan=0.0)) ** 2), 1.0)


def _detect_kind(
    kind: str, group: pd.DataFrame, grain: str, cfg: DetectionConfig, test_from: pd.Timestamp | None
) -> pd.DataFrame:
    keys, periods, rows, cols = _grid(group, grain)
    shape = (len(keys), len(periods))
    holiday, after = _calendar_masks(periods, grain, cfg)
    excluded = holiday | after
    window, step = cfg.window_for(grain), SEASON[grain]
    z_range = float(st.norm.ppf(0.5 + cfg.range_confidence / 2))
    tail = (1 - cfg.range_confidence) / 2

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
    lag_obs = _lags(base_src, window, step)
    h = np.sum(~np.isnan(lag_obs), axis=2)
    expected = _nanmedian(lag_obs, axis=2)
    low = np.full(shape, np.nan)
    high = np.full(shape, np.nan)
    p_spike = np.full(shape, np.nan)
    p_drop = np.full(shape, np.nan)

    present = ~np.isnan(obs)
    enough = h >= cfg.min_history
    if kind == "count":
        volume = np.fmax(obs, np.nan_to_num(expected)) >= cfg.min_count
    else:
        volume = np.nan_to_num(n) >= cfg.min_n
    in_window = np.ones(shape[1], dtype=bool) if test_from is None else np.asarray(periods >= test_from)
    todo = present & enough & volume & in_window[None, :]

    if kind == "count":
        spread = _MAD_TO_SD * _nanmedian(np.abs(lag_obs - expected[..., None]), axis=2)
        mu = np.fmax(expected, 0.5)  # a series silent so far can still spike
        var = np.fmax(mu, spread**2) * (1 + _MEDIAN_VAR / np.maximum(h, 1))
        var = np.fmax(var, mu * _dispersion((obs - expected) / np.sqrt(mu), enough & ~excluded[None, :]))
        var = np.fmax(var, mu * (1 + 1e-9))  # strictly over-dispersed, for the negative binomial
        i = np.nonzero(todo)
        r_, p_ = mu[i] ** 2 / (var[i] - mu[i]), mu[i] / var[i]
        x = obs[i]
        p_spike[i] = st.nbinom.sf(x - 1, r_, p_)
        p_drop[i] = st.nbinom.cdf(x, r_, p_)
        low[i], high[i] = st.nbinom.ppf(tail, r_, p_), st.nbinom.ppf(1 - tail, r_, p_)
        big = np.abs(obs / mu - 1) >= cfg.min_rel_change
        method = (
            f"negative binomial tail around the median of {window} prior "
            f"{'same weekdays' if grain == 'day' else grain + 's'} (variance: max(Poisson, robust spread))"
        )
    elif kind == "proportion":
        base_k = k.copy()
        base_k[:, excluded] = np.nan
        base_n = np.where(np.isnan(base_src), np.nan, n)
        lag_k, lag_n = _lags(base_k, window, step), _lags(base_n, window, step)
        nb = np.nansum(lag_n, axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            p0 = np.nansum(lag_k, axis=2) / nb
            p0 = np.clip(p0, 0.5 / np.fmax(nb, 1), 1 - 0.5 / np.fmax(nb, 1))
            pq = p0 * (1 - p0)
            # Over-dispersion: how much more the baseline periods vary than binomial noise says.
            chi = np.nansum((lag_k - lag_n * p0[..., None]) ** 2 / (lag_n * pq[..., None]), axis=2)
            phi = np.fmax(1.0, chi / np.maximum(h - 1, 1))
            nbar = nb / np.maximum(h, 1)
            rho = (phi - 1) / np.fmax(nbar - 1, 1)
            # Variance of k under H0: beta-binomial spread plus the baseline rate's own error.
            var_p = pq / n * (1 + (n - 1) * rho) + pq * phi / nb
            resid = (obs - p0) / np.sqrt(pq / n)
            var_p = np.fmax(var_p, pq / n * _dispersion(resid, enough & volume & ~excluded[None, :]))
        volume_base = nb >= cfg.min_n
        todo &= volume_base
        i = np.nonzero(todo)
        # Binomial tails at the effective sample size n / deff (Kish design effect), through the
        # regularised incomplete beta function: exact for binomial noise, skew kept near 0 or 1,
        # and fast on arrays (scipy's beta-binomial cdf and ppf are 10-100x slower).
        deff = var_p[i] * n[i] / pq[i]
        n_eff, k_eff = n[i] / deff, k[i] / deff
        with np.errstate(invalid="ignore", divide="ignore"):
            p_spike[i] = np.where(k_eff > 0, betainc(np.fmax(k_eff, 1e-12), n_eff - k_eff + 1, p0[i]), 1.0)
            p_drop[i] = np.where(
                n_eff - k_eff > 0, betainc(np.fmax(n_eff - k_eff, 1e-12), k_eff + 1, 1 - p0[i]), 1.0
            )
        half = z_range * np.sqrt(var_p[i])
        low[i], high[i] = np.clip(p0[i] - half, 0, 1), np.clip(p0[i] + half, 0, 1)
        expected = p0
        big = np.abs(obs - p0) >= cfg.min_abs_change
        method = (
            f"binomial tail (effective sample size) around the pooled rate of {window} prior "
            f"{'same weekdays' if grain == 'day' else grain + 's'} (over-dispersion from their spread)"
        )
    else:
        lag_se = _lags(np.where(np.isnan(base_src), np.nan, se), window, step)
        spread = _MAD_TO_SD * _nanmedian(np.abs(lag_obs - expected[..., None]), axis=2)
        typical_se = _nanmedian(lag_se, axis=2)
        between = np.fmax(spread**2 - np.nan_to_num(typical_se) ** 2, 0.0)
        # A cell's own standard error is itself noisy: a heavy-tailed duration without its usual
        # outliers shows a low mean *and* a low sd. The baseline's typical sd, scaled to the cell's
        # n, is a floor for it.
        lag_n = _lags(np.where(np.isnan(base_src), np.nan, n), window, step)
        with np.errstate(invalid="ignore", divide="ignore"):
            typical_sd = _nanmedian(lag_se * np.sqrt(lag_n), axis=2)
            se_cell = np.fmax(np.nan_to_num(se), np.nan_to_num(typical_sd / np.sqrt(n)))
        var = between + se_cell**2 + spread**2 * _MEDIAN_VAR / np.maximum(h, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            resid = (obs - expected) / np.sqrt(var)
        var = var * _dispersion(resid, enough & volume & ~excluded[None, :])
        var = np.fmax(var, (1e-6 * np.fmax(1.0, np.abs(np.nan_to_num(expected)))) ** 2)
        sd = np.sqrt(var)
        i = np.nonzero(todo)
        z = (obs[i] - expected[i]) / sd[i]
        p_spike[i], p_drop[i] = st.norm.sf(z), st.norm.cdf(z)
        low[i], high[i] = expected[i] - z_range * sd[i], expected[i] + z_range * sd[i]
        big = np.ones(shape, dtype=bool)
        method = (
            f"normal tail around the median of {window} prior "
            f"{'same weekdays' if grain == 'day' else grain + 's'} (cell's standard error + between-period spread)"
        )

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
            "expected_low": low[keep],
            "expected_high": high[keep],
            "baseline_periods": h[keep],
            "p_value": np.where(tested, p_value, np.nan)[keep],
            "direction": np.where(spike, "spike", "drop")[keep],
            "tested": tested[keep],
            "reason": reason[keep],
            "method": method,
            "_big": big[keep],
        }
    )
    out.loc[~out["tested"], "direction"] = None
    return out
