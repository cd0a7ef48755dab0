"""Statistics of impact analyses, on plain frames and arrays (no store I/O here).

- Difference-in-differences: OLS on ticket-level outcomes, `y ~ treated + C(period) + treated:post`
  (period fixed effects absorb everything that moved both segments), cluster-robust errors by
  customer when clusters are given (HC1 otherwise), t intervals. A pre-trend test (treated x linear
  time on pre-period rows) warns when the parallel-trends assumption looks doubtful.
- Pre/post with trend (no control; weaker): segmented regression on the segment's period means,
  `mean_k = a + b k + c post + d k post` weighted by each period's n; `c` is the level change at
  the intervention. Anything else that changed at the same time is attributed to the intervention.
- A/B tests: difference of proportions (pooled z-test, Newcombe interval) or of means (Welch t test
  and interval), with the power to detect a minimum effect of interest and the sample size needed.

Outcomes are in reporting units: 0/100 for shares (effects in percentage points), +100/0/-100 per
NPS answer (effects in NPS points), hours for times.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

POWER_TARGET = 0.8
SMALL_CELL = 30
F = TypeVar("F", bound=Callable[..., Any])


def _one_blas_thread(func: F) -> F:
    """Small least-squares fits run several times faster on one BLAS thread than on contended ones."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass
class ImpactEstimate:
    """An estimated effect (treated minus control, in the outcome's units) with its evidence."""

    method: str  # did, pre_post_trend or ab_test
    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int
    warnings: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)


def _mde(se: float, alpha: float, power: float = POWER_TARGET) -> float:
    """Smallest true effect the design detects with `power` (normal approximation)."""
    from scipy.stats import norm

    return float((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * se)


def _inconclusive(estimate: ImpactEstimate, mde: float) -> None:
    if not estimate.significant:
        estimate.warnings.append(
            f"inconclusive: no significant effect, and this design detects only effects of about "
            f"±{mde:.3g} or more (80% power)"
        )


# ---- difference-in-differences ------------------------------------------------------------------


def _period_series(frame: pd.DataFrame, y: str, period: str, group: str | None) -> list[dict[str, Any]]:
    keys = [period] if group is None else [period, group]
    stats = frame.groupby(keys, observed=True)[y].agg(["mean", "count"]).reset_index()
    return stats.rename(columns={"mean": "value", "count": "n"}).to_dict("records")


@_one_blas_thread
def did_estimate(
    frame: pd.DataFrame,
    *,
    y: str = "y",
    treated: str = "treated",
    post: str = "post",
    period: str = "period",
    cluster: str | None = None,
    alpha: float = 0.05,
) -> ImpactEstimate:
    """Difference-in-differences on ticket-level rows (`treated`, `post` 0/1; `period` an integer
    index, negative before the intervention). See the module docstring."""
    import statsmodels.api as sm

    data = frame[[y, treated, post, period] + ([cluster] if cluster else [])].dropna(subset=[y])
    cells = data.groupby([treated, post])[y].count()
    needed = [(t, p) for t in (0, 1) for p in (0, 1)]
    missing = [
        f"{'treated' if t else 'control'} {'after' if p else 'before'}"
        for t, p in needed
        if not cells.get((t, p))
    ]
    if missing:
        raise ValueError(
            f"difference-in-differences needs observations in every cell; none in: {', '.join(missing)}"
        )
    periods = np.sort(data[period].unique())
    dummies = (data[period].to_numpy()[:, None] == periods[None, 1:]).astype(float)
    t = data[treated].to_numpy(dtype=float)
    tp = t * data[post].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(data)), t, dummies, tp])
    model = sm.OLS(data[y].to_numpy(dtype=float), x)
    groups = None
    if cluster:
        groups = pd.factorize(data[cluster].astype(str))[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        errors = f"cluster-robust by {cluster} ({len(np.unique(groups)):,} clusters)"
    else:
        fit = model.fit(cov_type="HC1", use_t=True)
        errors = "heteroskedasticity-robust (HC1)"
    k = x.shape[1] - 1
    low, high = fit.conf_int(alpha)[k]
    estimate = ImpactEstimate(
        method="did",
        effect=float(fit.params[k]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[k]),
        n_treated=int((t == 1).sum()),
        n_control=int((t == 0).sum()),
    )
    se = float(fit.bse[k])
    mde = _mde(se, alpha)
    estimate.detail = {
        "model": f"OLS {y} ~ treated + C(period) + treated:post; {errors}; t interval",
        "se": se,
        "mde_80": mde,
        "cells": {
            f"{'treated' if a else 'control'}_{'post' if b else 'pre'}": int(n) for (a, b), n in cells.items()
        },
        "periods": len(periods),
        "series": _period_series(data, y, period, treated),
    }
    small = [name for name, n in estimate.detail["cells"].items() if n < SMALL_CELL]
    if small:
        estimate.warnings.append(f"small sample: fewer than {SMALL_CELL} observations in {', '.join(small)}")
    pre = data[data[post] == 0]
    if pre[period].nunique() >= 2:
        trend_p = _pre_trend_p(pre, y, treated, period, cluster)
        estimate.detail["pre_trend_p"] = trend_p
        if trend_p < alpha:
            estimate.warnings.append(
                f"pre-trends differ (p = {trend_p:.3f}): the segments were already drifting apart before "
                "the change; the parallel-trends assumption is doubtful"
            )
    else:
        estimate.warnings.append("a single pre-period: parallel trends cannot be checked")
    _inconclusive(estimate, mde)
    return estimate


def _pre_trend_p(pre: pd.DataFrame, y: str, treated: str, period: str, cluster: str | None) -> float:
    """p-value of a different linear trend of the treated segment before the intervention."""
    import statsmodels.api as sm

    periods = np.sort(pre[period].unique())
    dummies = (pre[period].to_numpy()[:, None] == periods[None, 1:]).astype(float)
    t = pre[treated].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(pre)), t, dummies, t * pre[period].to_numpy(dtype=float)])
    model = sm.OLS(pre[y].to_numpy(dtype=float), x)
    if cluster:
        groups = pd.factorize(pre[cluster].astype(str))[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    else:
        fit = model.fit(cov_type="HC1", use_t=True)
    return float(fit.pvalues[-1])


# ---- pre/post with trend ---------------------------------------------------------------------------


@_one_blas_thread
def prepost_trend_estimate(
    frame: pd.DataFrame,
    *,
    y: str = "y",
    period: str = "period",
    alpha: float = 0.05,
    min_pre: int = 3,
    min_post: int = 2,
) -> ImpactEstimate:
    """Interrupted time series of one segment's period means (`period` < 0 before the change)."""
    import statsmodels.api as sm

    data = frame[[y, period]].dropna(subset=[y])
    series = data.groupby(period)[y].agg(["mean", "count"]).reset_index()
    pre_n, post_n = int((series[period] < 0).sum()), int((series[period] >= 0).sum())
    if pre_n < min_pre or post_n < min_post:
        raise ValueError(
            f"pre/post with trend needs at least {min_pre} periods before and {min_post} after the change, "
            f"got {pre_n} and {post_n} (use a finer --grain or a longer window)"
        )
    k = series[period].to_numpy(dtype=float)
    after = (k >= 0).astype(float)
    x = np.column_stack([np.ones(len(k)), k, after, after * k])
    # Weighted by n: a period mean of many tickets is more precise. The residual scale is estimated,
    # so variation between periods beyond sampling noise widens the interval.
    fit = sm.WLS(series["mean"].to_numpy(), x, weights=series["count"].to_numpy(dtype=float)).fit()
    low, high = fit.conf_int(alpha)[2]
    n_pre = int(series.loc[k < 0, "count"].sum())
    n_post = int(series.loc[k >= 0, "count"].sum())
    estimate = ImpactEstimate(
        method="pre_post_trend",
        effect=float(fit.params[2]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[2]),
        n_treated=n_pre + n_post,
        n_control=0,  # no control segment: the comparison is the segment's own past
        warnings=[
            "weaker design: no control segment, so anything else that changed at the same time is "
            "attributed to the intervention (pre/post with trend)"
        ],
    )
    se = float(fit.bse[2])
    estimate.detail = {
        "model": f"WLS of period means: {y} ~ period + post + period:post, weights n; t interval "
        f"({int(fit.df_resid)} df)",
        "se": se,
        "mde_80": _mde(se, alpha),
        "pre_slope": float(fit.params[1]),
        "slope_change": float(fit.params[3]),
        "slope_change_p": float(fit.pvalues[3]),
        "periods_pre": pre_n,
        "periods_post": post_n,
        "series": series.rename(columns={"mean": "value", "count": "n"}).to_dict("records"),
        "n_pre": n_pre,
        "n_post": n_post,
    }
    if pre_n < 6:
        estimate.warnings.append(f"only {pre_n} pre-periods: the trend before the change is poorly estimated")
    if series["count"].min() < SMALL_CELL:
        estimate.warnings.append(f"small sample: some periods have fewer than {SMALL_CELL} observations")
    _inconclusive(estimate, estimate.detail["mde_80"])
    return estimate


# ---- A/B tests ------------------------------------------------------------------------------------


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
    mde = 0.2 * sd if mde is None else float(mde)
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
