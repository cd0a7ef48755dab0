"""Time grains of a trend: the backend's truncation unit, pandas' period frequency, and period starts.

One table for the engine, the roll-ups and the anomaly scan, so a week starts on the same Monday
whichever of them computes it.
"""

from __future__ import annotations

import pandas as pd

GRAINS: dict[str, str] = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}
"""Grain name -> Ibis truncation unit."""
PANDAS_FREQ: dict[str, str] = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS"}
"""Grain name -> pandas frequency of consecutive period starts."""


def period_start(ts: pd.Timestamp, grain: str) -> pd.Timestamp:
    """Start of the period holding `ts` (weeks start on Monday), computed in Python."""
    ts = pd.Timestamp(ts).normalize()
    if grain == "week":
        return ts - pd.Timedelta(days=ts.weekday())
    if grain == "month":
        return ts.replace(day=1)
    if grain == "quarter":
        return ts.replace(day=1, month=3 * ((ts.month - 1) // 3) + 1)
    return ts
