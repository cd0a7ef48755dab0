"""Intervals, tests and multiple-comparison adjustments on per-cell aggregates.

Pure numpy/scipy, vectorised over cells, no I/O: the backend returns counts and sums, this
module turns them into estimates with honest uncertainty. Each function names its method;
tests check them against statsmodels/scipy reference implementations.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as st

ArrayLike = np.ndarray | list[float] | float


def _z(confidence: float) -> float:
    return float(st.norm.ppf(0.5 + confidence / 2))


def wilson(k: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion k/n (Wilson 1927; Agresti & Coull 1998). NaN where n == 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def nps_interval(
    promoters: ArrayLike, detractors: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald interval of NPS = (P - D) / n on the -1..1 scale (Rocks 2016).

    The promoter-minus-detractor difference of a trinomial has variance
    (p + d - (p - d)^2) / n; adding 3/4 promoter, 3/4 detractor and 3 respondents first gives
    the best coverage in Rocks' comparison, small samples included.
    """
    p_ = np.asarray(promoters, dtype=float) + 0.75
    d_ = np.asarray(detractors, dtype=float) + 0.75
    n_ = np.asarray(n, dtype=float) + 3
    p, d = p_ / n_, d_ / n_
    centre = p - d
    half = _z(confidence) * np.sqrt((p + d - centre**2) / n_)
    low, high = np.clip(centre - half, -1, 1), np.clip(centre + half, -1, 1)
    empty = np.asarray(n, dtype=float) == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def t_interval(
    mean: ArrayLike, sd: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval of a mean from summary statistics (sample sd). NaN where n < 2."""
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(n >= 2, n - 1, np.nan)
        half = st.t.ppf(0.5 + confidence / 2, df) * sd / np.sqrt(n)
    return mean - half, mean + half


def median_ranks(n: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks of the order statistics bounding the median (distribution-free, binomial).

    Same construction as `scipy.stats.quantile_test(...).confidence_interval()`; a rank of 0 or
    n + 1 means the interval is unbounded on that side (too few values).
    """
    n = np.asarray(n, dtype=np.int64)
    alpha = (1 - confidence) / 2
    low = st.binom.ppf(alpha, n, 0.5).astype(np.int64)
    high = st.binom.isf(alpha, n, 0.5).astype(np.int64) + 1
    return low, high


def band_halfwidth(n: float, confidence: float) -> float:
    """Rank distance from the middle that surely contains the median's interval ranks."""
    return 0.6 * _z(confidence) * float(np.sqrt(n)) + 3


def poisson_interval(k: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson count."""
    k = np.asarray(k, dtype=float)
    alpha = 1 - confidence
    low = np.where(k > 0, st.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    high = st.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return low, high


# ---- differences --------------------------------------------------------------------------------


def two_proportion_test(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike) -> np.ndarray:
    """Two-sided p-value of the pooled two-proportion z-test (as statsmodels `proportions_ztest`)."""
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k1 / n1 - k2 / n2) / se
        p = 2 * st.norm.sf(np.abs(z))
        # Identical proportions of 0 or 1 have no variance: no evidence of a difference.
        return np.where((se == 0) & (k1 / n1 == k2 / n2), 1.0, p)


def nps_difference_test(
    p1: ArrayLike, d1: ArrayLike, n1: ArrayLike, p2: ArrayLike, d2: ArrayLike, n2: ArrayLike
) -> np.ndarray:
    """Two-sided p-value of a Wald z-test for the difference of two independent NPS (trinomial variances)."""
    p1, d1, n1, p2, d2, n2 = (np.asarray(a, dtype=float) for a in (p1, d1, n1, p2, d2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        a_p, a_d, b_p, b_d = p1 / n1, d1 / n1, p2 / n2, d2 / n2
        var = (a_p + a_d - (a_p - a_d) ** 2) / n1 + (b_p + b_d - (b_p - b_d) ** 2) / n2
        diff = (a_p - a_d) - (b_p - b_d)
        p = 2 * st.norm.sf(np.abs(diff / np.sqrt(var)))
    return np.where((var == 0) & (diff == 0), 1.0, p)


def welch_test(
    m1: ArrayLike, s1: ArrayLike, n1: ArrayLike, m2: ArrayLike, s2: ArrayLike, n2: ArrayLike
) -> np.ndarray:
    """Two-sided p-value of Welch's t-test from summary statistics (as scipy `ttest_ind_from_stats`)."""
    m1, s1, n1, m2, s2, n2 = (np.asarray(a, dtype=float) for a in (m1, s1, n1, m2, s2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        v1, v2 = s1**2 / n1, s2**2 / n2
        t = (m1 - m2) / np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        return 2 * st.t.sf(np.abs(t), df)


def poisson_rate_test(k1: ArrayLike, k2: ArrayLike) -> np.ndarray:
    """Two-sided exact conditional test of equal Poisson rates over equal exposure (binomial, p = 1/2)."""
    k1 = np.asarray(k1, dtype=np.int64)
    k2 = np.asarray(k2, dtype=np.int64)
    out = np.full(k1.shape, np.nan)
    for i, (a, b) in enumerate(zip(k1.ravel(), k2.ravel(), strict=True)):
        if a + b > 0:
            out.flat[i] = st.binomtest(int(a), int(a + b), 0.5).pvalue
    return out


def adjust_pvalues(pvalues: ArrayLike, method: str | None = "holm") -> np.ndarray:
    """Multiple-comparison adjustment: `holm` (family-wise), `bh` (false discovery rate) or None.

    NaN p-values (no test possible) are left out of the family and stay NaN.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    if method is None or method == "none":
        out[ok] = p[ok]
        return out
    vals = p[ok]
    order = np.argsort(vals, kind="mergesort")
    ranked = vals[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method in ("bh", "fdr_bh"):
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    else:
        raise ValueError(f"unknown p-value adjustment {method!r}: use holm, bh or none")
    result = np.empty(m)
    result[order] = np.minimum(adj, 1.0)
    out[ok] = result
    return out
