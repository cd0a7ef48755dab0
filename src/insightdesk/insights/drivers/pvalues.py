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
    """Adjusted p-values (Holm or Benjamini-Hochberg); NaN p-values stay NaN and out of the family.

    The metrics' implementation (`stats.adjust_pvalues`, checked against statsmodels' `multipletests`
    in tests/metrics): statsmodels' Holm runs a full garbage collection on every call, 50-100 ms in
    a process holding a server's caches.
    """
    from insightdesk.metrics import stats

    if method not in ADJUSTMENTS:
        raise ValueError(f"unknown p-value adjustment {method!r}: use holm, bh or none")
    return stats.adjust_pvalues(pvalues, ADJUSTMENTS[method])


def ztest_p(k1: int, n1: int, k2: int, n2: int, test: Any) -> float:
    """Pooled two-proportion z-test; two rates of exactly 0 (or 1) differ by nothing, p = 1."""
    if (k1 + k2) in (0, n1 + n2):
        return 1.0
    return float(test([k1, k2], [n1, n2])[1])
