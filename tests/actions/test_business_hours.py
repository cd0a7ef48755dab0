"""Business hours: due times skip nights, weekends and holidays, in the calendar's zone (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insightdesk.actions import BusinessCalendar, add_business_hours, business_hours_between

UTC = BusinessCalendar()
BERLIN = BusinessCalendar(timezone="Europe/Berlin", holidays=frozenset({dt.date(2026, 12, 25)}))


def test_due_time_skips_the_night_and_the_weekend():
    friday_4pm = dt.datetime(2026, 11, 27, 16, 0)
    assert add_business_hours(friday_4pm, 3, UTC) == dt.datetime(2026, 11, 30, 11, 0)  # Monday 11:00
    assert add_business_hours(dt.datetime(2026, 11, 28, 12, 0), 1, UTC) == dt.datetime(2026, 11, 30, 10, 0)


def test_the_calendars_zone_and_holidays_decide():
    # 09:00 in Berlin in winter is 08:00 UTC; 24 December 16:00 Berlin + 2 h skips Christmas Day.
    assert add_business_hours(dt.datetime(2026, 12, 1, 7, 0), 1, BERLIN) == dt.datetime(2026, 12, 1, 9, 0)
    assert add_business_hours(dt.datetime(2026, 12, 24, 15, 0), 2, BERLIN) == dt.datetime(2026, 12, 28, 9, 0)


def test_bad_calendars_are_refused():
    with pytest.raises(ValueError, match="open before"):
        BusinessCalendar(opens=dt.time(18, 0), closes=dt.time(9, 0))
    with pytest.raises(ValueError, match="working days"):
        BusinessCalendar(weekdays=(7,))


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 1)),
    hours=st.floats(min_value=0, max_value=200, allow_nan=False),
)
def test_adding_then_measuring_gives_the_hours_back(start, hours):
    due = add_business_hours(start, hours, BERLIN)
    assert business_hours_between(start, due, BERLIN) == pytest.approx(hours, abs=1e-6)
