"""The tail models of the anomaly scan, one per kind of series, on (series x period) arrays (no I/O).

Each takes a kind's matrices and its seasonal baseline (`Baseline`) and returns, for every cell to
test, the one-sided tail probabilities of the observed value, the expected range, whether the
change is large enough to matter, and the method in words (`Tails`):

- counts: negative binomial whose variance is the larger of the Poisson variance and the robust
  spread (1.4826 x MAD) of the baseline periods;
- proportions: binomial tails at the effective sample size around the pooled baseline rate,
  over-dispersed by what the baseline periods vary beyond binomial noise;
- estimates: normal, with the cell's own standard error plus the between-period spread.

Each adds the uncertainty of the baseline itself (the median of h values has about pi / 2h times
the variance of one), and widens a series' variance by how much more its own history scatters
than the model says (`dispersion`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats as st
from scipy.special import betainc

from insightdesk.insights.alerts.config import DetectionConfig

MAD_TO_SD = 1.4826
MEDIAN_VAR = np.pi / 2  # variance of a median of h normal values ~ (pi/2) sigma^2 / h


@dataclass
class Baseline:
    """A kind's (series x period) matrices and their seasonal baseline: what every tail model reads."""

    obs: np.ndarray
    n: np.ndarray
    k: np.ndarray | None  # proportions: hits
    se: np.ndarray | None  # estimates: the cell's standard error
    base_src: np.ndarray  # observations that may enter a baseline (holiday periods blanked)
    excluded: np.ndarray  # per period: left out of every baseline
    lag_obs: np.ndarray  # (series, period, window): the comparable earlier periods
    h: np.ndarray  # baseline periods with data
    expected: np.ndarray  # median of the baseline
    enough: np.ndarray  # h reaches min_history
    volume: np.ndarray  # the cell's own volume reaches the minimum
    window: int
    step: int


@dataclass
class Tails:
    """What a tail model gives each cell; `todo` is the cells it could test (never more than asked)."""

    p_spike: np.ndarray
    p_drop: np.ndarray
    low: np.ndarray
    high: np.ndarray
    expected: np.ndarray
    big: np.ndarray  # the change is at least the practical minimum
    method: str
    todo: np.ndarray


def lags(m: np.ndarray, window: int, step: int) -> np.ndarray:
    """(series, period, window) array: the same series `step`, 2 `step`... periods earlier."""
    s, t = m.shape
    out = np.full((s, t, window), np.nan)
    for j in range(1, window + 1):
        shift = j * step
        if shift < t:
            out[:, shift:, j - 1] = m[:, : t - shift]
    return out


def nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    """np.nanmedian, quiet about all-NaN slices (a cell with no baseline yet)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no baseline yet
        return np.nanmedian(a, axis=axis)


def dispersion(z: np.ndarray, usable: np.ndarray, min_cells: int = 8) -> np.ndarray:
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
    return np.where(enough, np.fmax(1.0, (MAD_TO_SD * np.nan_to_num(mad, nan=0.0)) ** 2), 1.0)


def count_tails(b: Baseline, todo: np.ndarray, grain: str, cfg: DetectionConfig) -> Tails:
    """Counts (tickets, texts of a theme): negative binomial around the baseline median."""
    obs, lag_obs, h, expected = b.obs, b.lag_obs, b.h, b.expected
    enough, excluded, window = b.enough, b.excluded, b.window
    tail = (1 - cfg.range_confidence) / 2
    p_spike, p_drop, low, high = (np.full(b.obs.shape, np.nan) for _ in range(4))
    spread = MAD_TO_SD * nanmedian(np.abs(lag_obs - expected[..., None]), axis=2)
    mu = np.fmax(expected, 0.5)  # a series silent so far can still spike
    var = np.fmax(mu, spread**2) * (1 + MEDIAN_VAR / np.maximum(h, 1))
    var = np.fmax(var, mu * dispersion((obs - expected) / np.sqrt(mu), enough & ~excluded[None, :]))
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
    return Tails(p_spike, p_drop, low, high, expected, big, method, todo)


def proportion_tails(b: Baseline, todo: np.ndarray, grain: str, cfg: DetectionConfig) -> Tails:
    """Proportions (CSAT, FCR...): over-dispersed binomial tails around the pooled baseline rate."""
    obs, n, h, enough = b.obs, b.n, b.h, b.enough
    volume, excluded, window, step = b.volume, b.excluded, b.window, b.step
    k, base_src = b.k, b.base_src
    if k is None:
        raise ValueError("proportion cells need their hits (k)")
    z_range = float(st.norm.ppf(0.5 + cfg.range_confidence / 2))
    p_spike, p_drop, low, high = (np.full(b.obs.shape, np.nan) for _ in range(4))
    base_k = k.copy()
    base_k[:, excluded] = np.nan
    base_n = np.where(np.isnan(base_src), np.nan, n)
    lag_k, lag_n = lags(base_k, window, step), lags(base_n, window, step)
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
        var_p = np.fmax(var_p, pq / n * dispersion(resid, enough & volume & ~excluded[None, :]))
    todo = todo & (nb >= cfg.min_n)  # the baseline needs its answers too
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
    return Tails(p_spike, p_drop, low, high, expected, big, method, todo)


def estimate_tails(b: Baseline, todo: np.ndarray, grain: str, cfg: DetectionConfig) -> Tails:
    """Estimates (means, medians, NPS): normal tails, cell error plus between-period spread."""
    obs, n, h, expected = b.obs, b.n, b.h, b.expected
    enough, volume, excluded, window = b.enough, b.volume, b.excluded, b.window
    step = b.step
    lag_obs, base_src, se, shape = b.lag_obs, b.base_src, b.se, b.obs.shape
    if se is None:
        raise ValueError("estimate cells need their standard error (se)")
    z_range = float(st.norm.ppf(0.5 + cfg.range_confidence / 2))
    p_spike, p_drop, low, high = (np.full(b.obs.shape, np.nan) for _ in range(4))
    lag_se = lags(np.where(np.isnan(base_src), np.nan, se), window, step)
    spread = MAD_TO_SD * nanmedian(np.abs(lag_obs - expected[..., None]), axis=2)
    typical_se = nanmedian(lag_se, axis=2)
    between = np.fmax(spread**2 - np.nan_to_num(typical_se) ** 2, 0.0)
    # A cell's own standard error is itself noisy: a heavy-tailed duration without its usual
    # outliers shows a low mean *and* a low sd. The baseline's typical sd, scaled to the cell's
    # n, is a floor for it.
    lag_n = lags(np.where(np.isnan(base_src), np.nan, n), window, step)
    with np.errstate(invalid="ignore", divide="ignore"):
        typical_sd = nanmedian(lag_se * np.sqrt(lag_n), axis=2)
        se_cell = np.fmax(np.nan_to_num(se), np.nan_to_num(typical_sd / np.sqrt(n)))
    var = between + se_cell**2 + spread**2 * MEDIAN_VAR / np.maximum(h, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = (obs - expected) / np.sqrt(var)
    var = var * dispersion(resid, enough & volume & ~excluded[None, :])
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
    return Tails(p_spike, p_drop, low, high, expected, big, method, todo)


TAILS: dict[str, Callable[[Baseline, np.ndarray, str, DetectionConfig], Tails]] = {
    "count": count_tails,
    "proportion": proportion_tails,
    "estimate": estimate_tails,
}
