"""Pre/post with trend: one segment against its own past, when there is no control (no store I/O).

Segmented regression on the segment's period means, `mean_k = a + b k + c post + d k post`
weighted by each period's n; `c` is the level change at the intervention. A weaker design:
anything else that changed at the same time is attributed to the intervention, and it says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insightdesk.insights.common.threads import single_threaded
from insightdesk.insights.impact.config import SMALL_CELL
from insightdesk.insights.impact.estimate import ImpactEstimate, add_inconclusive_warning, mde


@single_threaded
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
        "mde_80": mde(se, alpha),
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
    add_inconclusive_warning(estimate, estimate.detail["mde_80"])
    return estimate
