"""Business hours: due times and ages counted in working hours of a calendar (days, opening, zone).

Pure functions over naive UTC timestamps (the store's convention); the calendar's zone decides
where a working day starts and ends, so a desk in Berlin gets its 09:00 to 17:00 whatever UTC says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days (0 = Monday), opening hours in the zone, and closed dates (holidays)."""

    timezone: str = "UTC"
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 0)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError(f"business hours must open before they close, got {self.opens}-{self.closes}")
        if not self.weekdays or any(d not in range(7) for d in self.weekdays):
            raise ValueError(f"working days must be 0 (Monday) to 6, got {self.weekdays}")
        ZoneInfo(self.timezone)  # an unknown zone fails here, not at the first due date

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _open_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def _day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The day's opening and closing, as naive UTC."""
        zone = self._zone()
        start = dt.datetime.combine(day, self.opens, tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
        end = dt.datetime.combine(day, self.closes, tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
        return start, end

    def _local_day(self, at: dt.datetime) -> dt.date:
        return at.replace(tzinfo=dt.UTC).astimezone(self._zone()).date()


def add_business_hours(start: dt.datetime, hours: float, calendar: BusinessCalendar) -> dt.datetime:
    """The moment `hours` working hours after `start` (naive UTC in, naive UTC out)."""
    if hours < 0:
        raise ValueError(f"business hours to add must be >= 0, got {hours}")
    remaining = dt.timedelta(hours=hours)
    day = calendar._local_day(start)
    cursor = start
    for _ in range(3660):  # ten years of days: a calendar with no open day cannot loop forever
        if calendar._open_day(day):
            opens, closes = calendar._day_bounds(day)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        cursor = calendar._day_bounds(day)[0]
    raise ValueError("the business calendar has no working hours within ten years")


def business_hours_between(start: dt.datetime, end: dt.datetime, calendar: BusinessCalendar) -> float:
    """Working hours from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    total = dt.timedelta()
    day = calendar._local_day(start)
    last = calendar._local_day(end)
    while day <= last:
        if calendar._open_day(day):
            opens, closes = calendar._day_bounds(day)
            lo, hi = max(start, opens), min(end, closes)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


def add_business_days(start: dt.datetime, days: int, calendar: BusinessCalendar) -> dt.datetime:
    """Close of business on the `days`-th working day after the day of `start` (naive UTC in and out).

    The way regulators count: a complaint received on a Monday has three business days until Thursday's
    close; received on a Saturday, until Wednesday's close (FCA DISP 1.5: "by close of business on the
    third business day following the day on which it is received").
    """
    if days < 1:
        raise ValueError(f"business days to add must be >= 1, got {days}")
    day = calendar._local_day(start)
    counted = 0
    for _ in range(3660):
        day += dt.timedelta(days=1)
        if calendar._open_day(day):
            counted += 1
            if counted == days:
                return calendar._day_bounds(day)[1]
    raise ValueError("the business calendar has no working days within ten years")
