"""P-values of driver effects and disparities, and their adjustment across a run's family of tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from insightdesk.insights.drivers.config import ADJUSTMENTS


def normal_p(point: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Two-sided p-values of effects from their (bootstrap) standard errors, normal approximation."""
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * norm.sf(np.abs(point / se))
    # A level whose effect never moves (zero spread and zero effect) carries no evidence.
    return np.where((se == 0) & (point == 0), 1.0, p)


def adjust_p(pvalues: np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjusted p-values (statsmodels `multipletests`); NaN p-values stay NaN and out of the family."""
    from statsmodels.stats.multitest import multipletests

    if method not in ADJUSTMENTS:
        raise ValueError(f"unknown p-value adjustment {method!r}: use holm, bh or none")
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    how = ADJUSTMENTS[method]
    out[ok] = p[ok] if how is None else multipletests(p[ok], method=how)[1]
    return out


def ztest_p(k1: int, n1: int, k2: int, n2: int, test: Any) -> float:
    """Pooled two-proportion z-test; two rates of exactly 0 (or 1) differ by nothing, p = 1."""
    if (k1 + k2) in (0, n1 + n2):
        return 1.0
    return float(test([k1, k2], [n1, n2])[1])
