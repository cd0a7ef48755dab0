"""Differences that carry a test: period over period, or each segment against the rest.

Tests run on the per-cell sufficient statistics compute() returns (counts, means and sds), and
p-values are adjusted for the number of comparisons made (Holm by default, or
Benjamini-Hochberg), so scanning many segments does not manufacture "significant" moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.metrics import stats
from insightdesk.metrics.compute import MetricsError, compute
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.registry import get_kpi
from insightdesk.metrics.spec import KPI

TESTS = {
    "proportion": "two-proportion z-test",
    "share": "two-proportion z-test",
    "nps": "Wald z-test, trinomial variances",
    "mean": "Welch t-test",
    "count": "exact conditional Poisson test",
}


def compare(
    kpi: str | KPI,
    *,
    against: str = "previous",
    by: Sequence[str] = (),
    grain: str | None = None,
    adjust: str | None = "holm",
    config: MetricsConfig | None = None,
    cells: pd.DataFrame | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Each cell against the previous period (`against="previous"`) or against all other segments (`"rest"`).

    `cells`: the frame `compute()` already returned for the same KPI, `by`, grain and filters; given,
    it is reused instead of querying again (a dashboard shows the cells and their comparison together).

    Columns: the cell keys, `value`, `reference`, `difference`, `n`, `n_reference`, `p_value`,
    `p_adjusted`, `significant` (p_adjusted < 1 - confidence), `test`, `adjust`.
    """
    spec = kpi if isinstance(kpi, KPI) else get_kpi(kpi)
    cfg = config or MetricsConfig()
    by = list(by)
    if against == "previous" and grain is None:
        raise MetricsError("period-over-period comparison needs a grain (day, week, month, quarter)")
    if against == "rest" and not by:
        raise MetricsError("segment-vs-rest comparison needs at least one `by` dimension")
    if against not in ("previous", "rest"):
        raise MetricsError(f"against={against!r}: use 'previous' or 'rest'")
    if cells is None:
        cells = compute(spec, by=by, grain=grain, config=cfg, **kwargs)
    stat = _stats_frame(spec, cells)
    period = ["period"] if grain else []
    category = ["category"] if spec.kind == "share" else []
    if against == "previous":
        series_keys = [*by, *category]
        stat = (
            stat.sort_values([*series_keys, "period"], kind="mergesort")
            if series_keys
            else stat.sort_values("period")
        )
        # Each cell's reference is the row before it in its series, when that row is the previous
        # period (a gap means no reference). Numeric columns only: shifting labels costs more.
        numeric = ["value", "n", "k", "p", "d", "s", "q", "mean", "sd_"]
        a = stat.reset_index(drop=True)
        if series_keys:
            shifted = a.groupby(series_keys, dropna=False, sort=False)[[*numeric, "period"]].shift(1)
        else:
            shifted = a[[*numeric, "period"]].shift(1)
        expected = _previous_period(a["period"], grain)
        gap = pd.to_datetime(shifted["period"]).ne(expected).to_numpy()
        b = shifted[numeric].astype(float)
        b.loc[gap, :] = np.nan
    else:
        total_keys = [*period, *category]
        sums = ["n", "k", "p", "d", "s", "q"]
        totals = (
            stat.groupby(total_keys, dropna=False)[sums].transform("sum") if total_keys else stat[sums].sum()
        )
        a = stat
        b = stat.copy()
        for col in sums:
            b[col] = totals[col] - stat[col]
        b = _recompute_means(b)
    value = a["value"].to_numpy()
    reference = _value(spec, b)
    p_value = np.asarray(_test(spec, a, b, against), dtype=float)
    p_adjusted = stats.adjust_pvalues(p_value, adjust)
    test = (
        TESTS.get(spec.kind, "none (no test for this kind)")
        if not (spec.kind == "count" and against == "rest")
        else "none (counts have no segment-vs-rest test)"
    )
    # One frame from whole columns: pandas' column-by-column inserts cost more than the tests.
    columns: dict[str, Any] = {c: a[c].to_numpy() for c in [*by, *period, *category]}
    columns.update(
        value=value,
        reference=reference,
        difference=value - reference,
        n=a["n"].to_numpy(),
        n_reference=b["n"].to_numpy(),
        p_value=p_value,
        p_adjusted=p_adjusted,
        significant=p_adjusted < (1 - cfg.confidence),
        test=np.full(len(a), test, dtype=object),
        adjust=np.full(len(a), adjust or "none", dtype=object),
    )
    return pd.DataFrame(columns, index=pd.RangeIndex(len(a)))


def _previous_period(periods: pd.Series, grain: str | None) -> pd.Series:
    offset = {
        "day": pd.DateOffset(days=1),
        "week": pd.DateOffset(weeks=1),
        "month": pd.DateOffset(months=1),
        "quarter": pd.DateOffset(months=3),
    }[grain or "day"]
    return pd.to_datetime(periods) - offset


def _stats_frame(spec: KPI, cells: pd.DataFrame) -> pd.DataFrame:
    """Sufficient statistics per cell: n, k (hits), p/d (promoters/detractors), s/q (sum, sum of squares)."""
    n = cells["n"].to_numpy(dtype=float)
    nan = np.full(len(cells), np.nan)
    value = cells["value"].to_numpy(dtype=float)
    columns: dict[str, object] = {c: cells[c].to_numpy() for c in cells.columns if c not in ("n", "value")}
    columns.update(n=n, value=value, k=nan, p=nan, d=nan, s=nan, q=nan, mean=nan, sd_=nan)
    if spec.kind in ("proportion", "share", "count"):
        columns["k"] = cells["numerator"].to_numpy(dtype=float)
    if spec.kind == "nps":
        columns["p"] = cells["promoters"].to_numpy(dtype=float)
        columns["d"] = cells["detractors"].to_numpy(dtype=float)
    if spec.kind == "mean":
        mean = value / spec.scale
        sd_raw = cells["sd"].to_numpy(dtype=float)
        sd = np.nan_to_num(sd_raw, nan=0.0)
        columns.update(s=n * mean, q=(n - 1) * sd**2 + n * mean**2, mean=mean, sd_=sd_raw)
    # One frame from whole columns: column-by-column assignment cost more than the tests.
    return pd.DataFrame(columns, index=cells.index)


def _recompute_means(b: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        b["mean"] = b["s"] / b["n"]
        b["sd_"] = np.sqrt(np.clip((b["q"] - b["n"] * b["mean"] ** 2) / (b["n"] - 1), 0, None))
    return b


def _value(spec: KPI, b: pd.DataFrame) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.kind in ("proportion", "share"):
            return (b["k"] / b["n"]).to_numpy() * spec.scale
        if spec.kind == "nps":
            return ((b["p"] - b["d"]) / b["n"]).to_numpy() * spec.scale
        if spec.kind == "mean":
            return b["mean"].to_numpy() * spec.scale
        if spec.kind == "count":
            return b["n"].to_numpy()
    return b["value"].to_numpy() if "value" in b else np.full(len(b), np.nan)


def _test(spec: KPI, a: pd.DataFrame, b: pd.DataFrame, against: str) -> np.ndarray:
    if spec.kind in ("proportion", "share"):
        return stats.two_proportion_test(a["k"], a["n"], b["k"], b["n"])
    if spec.kind == "nps":
        return stats.nps_difference_test(a["p"], a["d"], a["n"], b["p"], b["d"], b["n"])
    if spec.kind == "mean":
        return stats.welch_test(a["mean"], a["sd_"], a["n"], b["mean"], b["sd_"], b["n"])
    if spec.kind == "count" and against == "previous":
        ok = b["n"].notna().to_numpy()
        out = np.full(len(a), np.nan)
        if ok.any():
            out[ok] = stats.poisson_rate_test(
                a["n"].to_numpy()[ok].astype(int), b["n"].to_numpy()[ok].astype(int)
            )
        return out
    return np.full(len(a), np.nan)
