"""Business hours: a configurable calendar turned into a small per-UTC-day table.

Business time between two instants is F(t2) - F(t1), where F(t) counts the business seconds
from the table's start to t. F is exact (time zone, daylight saving, holidays) yet needs only a
join on the UTC date and a little arithmetic, so it runs in any SQL engine: for each UTC day the
table holds the business seconds before its midnight (`cum`) and the at most two business
intervals falling inside it, as seconds after that midnight.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import pandas as pd

_UTC = dt.UTC


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours in a time zone, on given weekdays (0 = Monday), minus holidays (local dates)."""

    timezone: str = "UTC"
    open: str = "09:00"
    close: str = "17:00"
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[dt.date, ...] = ()
    start: dt.date = dt.date(2000, 1, 1)
    """First day the calendar covers; timestamps outside [start, end] get no business time (null)."""
    end: dt.date = dt.date(2045, 12, 31)

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # fail early on an unknown zone
        if _clock(self.open) >= _clock(self.close):
            raise ValueError(f"business calendar: open {self.open} must be before close {self.close}")

    @property
    def daily_hours(self) -> float:
        return (_seconds(_clock(self.close)) - _seconds(_clock(self.open))) / 3600


def _clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@functools.lru_cache(maxsize=8)
def business_intervals(cal: BusinessCalendar) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """Business intervals as naive UTC instants, in time order."""
    zone = ZoneInfo(cal.timezone)
    holidays = set(cal.holidays)
    opening, closing = _clock(cal.open), _clock(cal.close)
    out = []
    day = cal.start - dt.timedelta(days=1)
    while day <= cal.end + dt.timedelta(days=1):
        if day.weekday() in cal.weekdays and day not in holidays:
            start = dt.datetime.combine(day, opening, zone).astimezone(_UTC).replace(tzinfo=None)
            end = dt.datetime.combine(day, closing, zone).astimezone(_UTC).replace(tzinfo=None)
            out.append((start, end))
        day += dt.timedelta(days=1)
    return tuple(out)


@functools.lru_cache(maxsize=8)
def calendar_table(cal: BusinessCalendar) -> pd.DataFrame:
    """One row per UTC day: day, day_epoch, cum, s1, e1, s2, e2 (seconds; empty intervals are 0, 0)."""
    import pandas as pd

    intervals = business_intervals(cal)
    rows: dict[dt.date, list[tuple[int, int]]] = {}
    for start, end in intervals:
        day = start.date()
        while dt.datetime.combine(day, dt.time()) < end:
            midnight = dt.datetime.combine(day, dt.time())
            lo = max(start, midnight)
            hi = min(end, midnight + dt.timedelta(days=1))
            if hi > lo:
                rows.setdefault(day, []).append(
                    (int((lo - midnight).total_seconds()), int((hi - midnight).total_seconds()))
                )
            day += dt.timedelta(days=1)
    days = pd.date_range(cal.start, cal.end, freq="D")
    records = []
    cum = 0
    for ts in days:
        day = ts.date()
        parts = sorted(rows.get(day, []))
        if len(parts) > 2:
            raise ValueError(f"business calendar: more than two business intervals in UTC day {day}")
        parts += [(0, 0)] * (2 - len(parts))
        (s1, e1), (s2, e2) = parts
        records.append((day, int(ts.timestamp()), cum, s1, e1, s2, e2))
        cum += (e1 - s1) + (e2 - s2)
    frame = pd.DataFrame.from_records(records, columns=["day", "day_epoch", "cum", "s1", "e1", "s2", "e2"])
    for col in ("day_epoch", "cum", "s1", "e1", "s2", "e2"):
        frame[col] = frame[col].astype("int64")
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def business_seconds_between(cal: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """Reference implementation (pure Python, naive UTC in): business seconds in [start, end)."""
    intervals = business_intervals(cal)
    first = bisect.bisect_left(intervals, (start,)) - 1
    total = 0.0
    for lo, hi in intervals[max(first, 0) :]:
        if hi <= start:
            continue
        if lo >= end:
            break
        total += (min(hi, end) - max(lo, start)).total_seconds()
    return total
