"""Per-cell sums turned into the result frame: value, confidence interval, n and the low-n flag.

Live cells (compute.py) and roll-up cells (rollup_read.py) arrive in the same shape, so every
value and interval is computed here, by the same code, whichever way the sums were found.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.metrics import stats
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.spec import KPI


def finish_rollup(
    spec: KPI,
    cells: pd.DataFrame,
    resolution: float,
    by: list[str],
    grain: str | None,
    min_n: int,
    cfg: MetricsConfig,
) -> pd.DataFrame:
    """Cells summed from the roll-up, finished exactly like live cells; binned medians say so."""
    result = finish(spec, cells, by, grain, min_n, cfg)
    if spec.kind == "median" and resolution > 0:
        result["method"] = f"{spec.method} (values binned to {resolution:.1%})"
    result.attrs.update(kpi=spec.name, unit=spec.unit, as_of=None, source="rollup")
    return result


def finish(
    spec: KPI, cells: pd.DataFrame, by: list[str], grain: str | None, min_n: int, cfg: MetricsConfig
) -> pd.DataFrame:
    """The result frame of one request: one row per cell, sorted by cut, period and category."""
    conf = cfg.confidence
    df = cells.reset_index(drop=True)
    size = len(df)
    n = df["n"].to_numpy(dtype=float) if size else np.array([], dtype=float)
    nan = np.full(size, np.nan)
    num, den = nan, nan
    extras: dict[str, Any] = {}
    if spec.kind == "proportion":
        k = df["k"].to_numpy(dtype=float)
        value = k / np.where(n > 0, n, np.nan)
        low, high = stats.wilson(k, n, conf)
        num, den = k, n
    elif spec.kind == "share":
        keys = [*by, *(["period"] if grain else [])]
        totals = df.groupby(keys, dropna=False)["n"].transform("sum") if keys else df["n"].sum()
        k = df["n"].to_numpy(dtype=float)
        n = np.asarray(totals, dtype=float) * np.ones(size)
        value = k / n
        low, high = stats.wilson(k, n, conf)
        num, den = k, n
    elif spec.kind == "nps":
        p, d = df["promoters"].to_numpy(dtype=float), df["detractors"].to_numpy(dtype=float)
        value = (p - d) / np.where(n > 0, n, np.nan)
        low, high = stats.nps_interval(p, d, n, conf)
        extras = {"promoters": p, "detractors": d}
    elif spec.kind == "mean":
        value = df["mean"].to_numpy(dtype=float)
        sd = df["sd"].to_numpy(dtype=float)
        low, high = stats.t_interval(value, sd, n, conf)
        extras = {"sd": sd}
    elif spec.kind == "median":
        value = df["median"].to_numpy(dtype=float)
        low, high = df["lo"].to_numpy(dtype=float), df["hi"].to_numpy(dtype=float)
    elif spec.kind == "count":
        value = n.copy()
        low, high = stats.poisson_interval(n, conf)
        num = n
    else:  # backlog: a census, no sampling error
        value = n.copy()
        low, high = n.copy(), n.copy()
        num = n
    s = spec.scale
    # One frame built from whole columns: assigning column by column costs more than the statistics.
    data: dict[str, Any] = {}
    for col in by:
        values = df[col]
        if pd.api.types.is_datetime64_any_dtype(values) or any(isinstance(v, dt.date) for v in values):
            values = pd.to_datetime(values).astype("datetime64[ns]")
        data[col] = values.astype(object).where(values.notna(), None)
    if grain:
        data["period"] = pd.to_datetime(df["period"]).dt.tz_localize(None).astype("datetime64[ns]")
    if spec.kind == "share":
        data["category"] = df["category"]
    counts = n.astype("int64")
    data.update(
        value=value * s,
        ci_low=np.asarray(low, dtype=float) * s,
        ci_high=np.asarray(high, dtype=float) * s,
        n=counts,
        numerator=num,
        denominator=den,
        low_n=counts < min_n,
        method=np.full(size, spec.method, dtype=object),
        **extras,
    )
    out = pd.DataFrame(data, index=pd.RangeIndex(size))
    sort = [*by, *(["period"] if grain else []), *(["category"] if spec.kind == "share" else [])]
    if sort and size:
        out = out.sort_values(sort, na_position="last", kind="mergesort").reset_index(drop=True)
    return out
