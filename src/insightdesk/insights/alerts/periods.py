"""The calendar of the alert scan: period grains, their steps and seasons, complete periods (no I/O)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

# One calendar for the whole product: the metrics engine's period starts and pandas frequencies.
from insightdesk.metrics.grains import PANDAS_FREQ, period_start

FREQ = PANDAS_FREQ
truncate = period_start

SEASON: dict[str, int] = {"day": 7, "week": 1, "month": 1, "quarter": 1}
"""Lag between comparable periods: a day is compared with the same weekday of earlier weeks."""
DEFAULT_WINDOW: dict[str, int] = {"day": 8, "week": 8, "month": 6, "quarter": 4}
"""Baseline length in comparable periods when DetectionConfig.window is not set."""
STEP: dict[str, pd.DateOffset] = {
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
}


def history_start(since: dt.datetime | None, grain: str, window: int) -> dt.datetime | None:
    """Start of the data a scan from `since` needs: its baseline periods before it."""
    if since is None:
        return None
    start = truncate(pd.Timestamp(since), grain)
    return (start - STEP[grain] * (window * SEASON[grain] + 1)).to_pydatetime()


def complete_periods(
    periods: pd.Series, grain: str, first_ts: Any, last_ts: Any, until: dt.datetime | None
) -> np.ndarray:
    """True where a period lies wholly inside the data: from the day of the first record to the end
    of the day of the last one, and before `until`."""
    starts = pd.to_datetime(periods)
    if pd.isna(first_ts) or pd.isna(last_ts):
        return np.zeros(len(starts), dtype=bool)
    lo = pd.Timestamp(first_ts).normalize()
    hi = pd.Timestamp(last_ts).normalize() + pd.Timedelta(days=1)
    if until is not None:
        hi = min(hi, pd.Timestamp(until))
    ends = starts + STEP[grain]
    return ((starts >= lo) & (ends <= hi)).to_numpy()
