"""Difference-in-differences on ticket-level outcomes (no store I/O).

OLS of `y ~ treated + C(period) + treated:post` (period fixed effects absorb everything that moved
both segments), cluster-robust errors by customer when clusters are given (HC1 otherwise), t
intervals. A pre-trend test (treated x linear time on pre-period rows) warns when the
parallel-trends assumption looks doubtful.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from insightdesk.insights.common.threads import single_threaded
from insightdesk.insights.impact.config import SMALL_CELL
from insightdesk.insights.impact.estimate import ImpactEstimate, add_inconclusive_warning, mde


def _period_series(frame: pd.DataFrame, y: str, period: str, group: str | None) -> list[dict[str, Any]]:
    keys = [period] if group is None else [period, group]
    stats = frame.groupby(keys, observed=True)[y].agg(["mean", "count"]).reset_index()
    return stats.rename(columns={"mean": "value", "count": "n"}).to_dict("records")


@single_threaded
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
    mde_80 = mde(se, alpha)
    estimate.detail = {
        "model": f"OLS {y} ~ treated + C(period) + treated:post; {errors}; t interval",
        "se": se,
        "mde_80": mde_80,
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
    add_inconclusive_warning(estimate, mde_80)
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
