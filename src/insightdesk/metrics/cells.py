"""The backend's per-cell frames turned into one row per cell: medians from ranked values, backlog
levels from flows in and out. Other kinds come back from the backend as they are needed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from insightdesk.metrics import stats
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.grains import PANDAS_FREQ, period_start
from insightdesk.metrics.spec import KPI


def cells(
    spec: KPI,
    frames: list[pd.DataFrame],
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    as_of: dt.datetime,
    cfg: MetricsConfig,
) -> pd.DataFrame:
    """One row per cell from the frames the request's queries (plan.py) returned."""
    keys = [*by, *(["period"] if grain else [])]
    if spec.kind == "median":
        return median_from_rows(frames[0], keys, cfg)
    if spec.kind == "backlog" and grain is not None:
        return backlog_levels(frames[0], frames[1], by, grain, since, as_of)
    return frames[0]


def median_from_rows(rows: pd.DataFrame, keys: list[str], cfg: MetricsConfig) -> pd.DataFrame:
    """Median and its distribution-free order-statistic interval per cell.

    `rows` holds, per cell, the ranked values near the middle (rank, n, x); the ranks each cell
    needs are looked up at once for all cells (a per-cell loop cost more than the query).
    """
    if rows.empty and not keys:
        return pd.DataFrame({"n": [0], "median": [np.nan], "lo": [np.nan], "hi": [np.nan]})
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "n", "median", "lo", "hi"])
    rows = rows.reset_index(drop=True)
    cell_id = (
        rows.groupby(keys, dropna=False, sort=False).ngroup().to_numpy() if keys else np.zeros(len(rows))
    )
    firsts = pd.Series(np.arange(len(rows))).groupby(cell_id, sort=False).first()
    out = rows.loc[firsts.to_numpy(), [*keys, "n"]].reset_index(drop=True)
    n = out["n"].to_numpy(dtype=np.int64)
    lows, highs = stats.median_ranks(n, cfg.confidence)
    value = pd.Series(
        rows["x"].astype(float).to_numpy(),
        index=pd.MultiIndex.from_arrays([cell_id.astype(np.int64), rows["rank"].astype(np.int64).to_numpy()]),
    )
    value = value[~value.index.duplicated()]
    ids = firsts.index.to_numpy(dtype=np.int64)

    def at(ranks: np.ndarray) -> np.ndarray:
        return value.reindex(pd.MultiIndex.from_arrays([ids, ranks.astype(np.int64)])).to_numpy()

    out["median"] = (at((n + 1) // 2) + at((n + 2) // 2)) / 2
    out["lo"] = np.where(lows >= 1, at(lows), np.nan)
    out["hi"] = np.where(highs <= n, at(highs), np.nan)
    out["n"] = n
    return out


def backlog_levels(
    a: pd.DataFrame, b: pd.DataFrame, by: list[str], grain: str, since: dt.datetime | None, as_of: dt.datetime
) -> pd.DataFrame:
    """Backlog per cell and period: flows in (`a`) minus flows out (`b`), accumulated."""
    for frame in (a, b):
        frame["period"] = pd.to_datetime(frame["period"])
    flows = pd.merge(a, b, on=[*by, "period"], how="outer").fillna({"d_in": 0, "d_out": 0})
    if flows.empty:
        return pd.DataFrame(columns=[*by, "period", "n"])
    # `as_of` is exclusive (it is `until` when given): the last period holds the instant just before it.
    last = period_start(pd.Timestamp(as_of) - pd.Timedelta(microseconds=1), grain)
    periods = pd.date_range(flows["period"].min(), last, freq=PANDAS_FREQ[grain])
    frames = []
    groups = flows.groupby(by, dropna=False, sort=False) if by else [((), flows)]
    for key, cell in groups:
        series = cell.groupby("period")[["d_in", "d_out"]].sum().reindex(periods, fill_value=0)
        level = (series["d_in"].astype(float) - series["d_out"].astype(float)).cumsum()
        frame = pd.DataFrame({"period": periods, "n": level.to_numpy()})
        for name, value in zip(by, key if isinstance(key, tuple) else (key,), strict=True):
            frame[name] = value
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if since is not None:
        out = out[out["period"] >= period_start(pd.Timestamp(since), grain)]
    return out
