"""Time grains of a trend: the backend's truncation unit, pandas' period frequency, and period starts.

One table for the engine, the roll-ups and the anomaly scan, so a week starts on the same Monday
whichever of them computes it.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def period_end(start: pd.Timestamp, grain: str) -> pd.Timestamp:
    """The first instant after the period of `grain` that starts at `start` (exclusive end)."""
    start = pd.Timestamp(start).normalize()
    if grain == "week":
        return start + pd.Timedelta(days=7)
    if grain == "month":
        return start + pd.DateOffset(months=1)
    if grain == "quarter":
        return start + pd.DateOffset(months=3)
    return start + pd.Timedelta(days=1)


def partial_periods(
    starts: Sequence[object], grain: str, first: pd.Timestamp | None, last: pd.Timestamp | None
) -> list[bool]:
    """Per period start, whether the data's window [first, last] leaves part of the period out.

    `last` is the data's last instant (the newest record, or an exclusive `until`): a period ending
    after it is not complete, so its value is provisional however many answers it has. Periods
    starting before the day of `first` are partial too (a window opening mid-week).
    """
    lo = None if first is None else pd.Timestamp(first).normalize()
    hi = None if last is None else pd.Timestamp(last)
    out = []
    for start in starts:
        if start is None:
            out.append(False)
            continue
        begin = pd.Timestamp(start).tz_localize(None) if pd.Timestamp(start).tzinfo else pd.Timestamp(start)
        out.append(
            bool((lo is not None and begin < lo) or (hi is not None and period_end(begin, grain) > hi))
        )
    return out
