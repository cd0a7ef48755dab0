"""Randomised A/B tests: a difference of proportions or of means, with power (no store I/O).

Proportions: pooled two-proportion z-test and Newcombe interval. Means: Welch t test and interval.
Each reports the power to detect a minimum effect of interest and the sample size it would need.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insightdesk.insights.impact.config import MEAN_MDE_SD, POWER_TARGET
from insightdesk.insights.impact.estimate import ImpactEstimate


def ab_proportions(
    control: tuple[int, int],
    treatment: tuple[int, int],
    *,
    alpha: float = 0.05,
    mde: float = 0.05,
    power: float = POWER_TARGET,
) -> ImpactEstimate:
    """Randomised A/B test of a share: (successes, trials) per arm. Effect = treatment - control, in
    percentage points; `mde` (a share, e.g. 0.05) is the smallest difference worth detecting."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        proportion_effectsize,
        proportions_ztest,
    )

    (k0, n0), (k1, n1) = control, treatment
    for name, (k, n) in (("control", control), ("treatment", treatment)):
        if n <= 0 or not 0 <= k <= n:
            raise ValueError(f"{name}: successes must be between 0 and trials > 0, got {k} of {n}")
    p0, p1 = k0 / n0, k1 / n1
    # Both arms all 0 (or all 1): no variance, no evidence of a difference.
    degenerate = k0 + k1 in (0, n0 + n1)
    p_value = 1.0 if degenerate else float(proportions_ztest([k1, k0], [n1, n0])[1])
    low, high = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb", alpha=alpha)
    estimate = ImpactEstimate(
        method="ab_test",
        effect=100 * (p1 - p0),
        ci_low=100 * float(low),
        ci_high=100 * float(high),
        p_value=p_value,
        n_treated=int(n1),
        n_control=int(n0),
    )
    target = min(max(p0 + mde, 1e-6), 1 - 1e-6) if p0 + mde <= 1 else max(p0 - mde, 1e-6)
    size = abs(proportion_effectsize(target, p0))
    analysis = NormalIndPower()
    achieved = float(analysis.power(size, nobs1=n0, ratio=n1 / n0, alpha=alpha)) if size > 0 else float("nan")
    needed = (
        float(analysis.solve_power(size, power=power, ratio=1.0, alpha=alpha)) if size > 0 else float("nan")
    )
    estimate.detail = {
        "test": "two-proportion z-test (pooled); Newcombe interval",
        "rate_control": 100 * p0,
        "rate_treatment": 100 * p1,
        "mde": 100 * mde,
        "power": achieved,
        "n_per_arm_needed": int(np.ceil(needed)) if np.isfinite(needed) else None,
    }
    _power_warning(estimate, achieved, needed, power, f"{100 * mde:g} percentage points")
    return estimate


def ab_means(
    control: np.ndarray | pd.Series | list[float],
    treatment: np.ndarray | pd.Series | list[float],
    *,
    alpha: float = 0.05,
    mde: float | None = None,
    power: float = POWER_TARGET,
) -> ImpactEstimate:
    """Randomised A/B test of a mean (Welch): effect = mean(treatment) - mean(control). `mde` in the
    outcome's units; by default 0.2 pooled standard deviations (a small standardised effect)."""
    from scipy.stats import ttest_ind
    from statsmodels.stats.power import TTestIndPower
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    a = np.asarray(control, dtype=float)
    b = np.asarray(treatment, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"a test of means needs at least 2 values per arm, got {len(a)} and {len(b)}")
    test = ttest_ind(b, a, equal_var=False)
    low, high = CompareMeans(DescrStatsW(b), DescrStatsW(a)).tconfint_diff(alpha=alpha, usevar="unequal")
    sd = float(np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))
    mde = MEAN_MDE_SD * sd if mde is None else float(mde)
    estimate = ImpactEstimate(
        method="ab_test",
        effect=float(b.mean() - a.mean()),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(test.pvalue) if np.isfinite(test.pvalue) else 1.0,
        n_treated=len(b),
        n_control=len(a),
    )
    analysis = TTestIndPower()
    size = mde / sd if sd > 0 else float("nan")
    ok = np.isfinite(size) and size > 0
    achieved = (
        float(analysis.power(size, nobs1=len(a), ratio=len(b) / len(a), alpha=alpha)) if ok else float("nan")
    )
    needed = float(analysis.solve_power(size, power=power, ratio=1.0, alpha=alpha)) if ok else float("nan")
    estimate.detail = {
        "test": "Welch t-test and interval (unequal variances)",
        "mean_control": float(a.mean()),
        "mean_treatment": float(b.mean()),
        "sd_pooled": sd,
        "mde": mde,
        "power": achieved,
        "n_per_arm_needed": int(np.ceil(needed)) if np.isfinite(needed) else None,
    }
    _power_warning(estimate, achieved, needed, power, f"{mde:.3g}")
    return estimate


def _power_warning(estimate: ImpactEstimate, achieved: float, needed: float, power: float, mde: str) -> None:
    if np.isfinite(achieved) and achieved < power:
        estimate.warnings.append(
            f"underpowered: {100 * achieved:.0f}% power to detect a difference of {mde} "
            f"(target {100 * power:.0f}%); about {int(np.ceil(needed)):,} per arm needed"
        )
