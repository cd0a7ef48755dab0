"""The window of a pain-point ranking: tickets created in [since, until), by default the data's last days."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from insightdesk.insights.painpoints.errors import PainpointDataError


@dataclass(frozen=True)
class Window:
    """Tickets created in [since, until); the recent half starts at `mid`."""

    since: dt.datetime
    until: dt.datetime

    @property
    def mid(self) -> dt.datetime:
        return self.since + (self.until - self.since) / 2

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400

    @property
    def week_start(self) -> dt.datetime:
        """Monday 00:00 of the window's first (ISO) week."""
        day = self.since.date()
        return dt.datetime.combine(day - dt.timedelta(days=day.weekday()), dt.time())

    @property
    def weeks(self) -> int:
        """ISO weeks the window touches."""
        return math.ceil((self.until - self.week_start).total_seconds() / (7 * 86400))

    def to_dict(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "mid": self.mid.isoformat()}


def resolve_window(backend: Any, *, since: Any = None, until: Any = None, days: int = 90) -> Window:
    """The ranking window: [since, until), by default the last `days` days of data.

    Without `until`, the window ends at midnight after the newest ticket, so "the last 90 days" means
    the data's last 90 days, not the calendar's (a historical export still gets a useful window).
    """
    from insightdesk.metrics.request import to_timestamp

    start, end = to_timestamp(since, "since"), to_timestamp(until, "until")
    if end is None:
        t = backend.table("tickets")
        newest = t.created_at.max().execute()
        if newest is None or pd.isna(newest):
            raise PainpointDataError("the store has no tickets: ingest some first (insightdesk ingest)")
        newest = pd.Timestamp(newest).to_pydatetime()
        end = dt.datetime.combine(newest.date(), dt.time()) + dt.timedelta(days=1)
    if start is None:
        if days <= 0:
            raise PainpointDataError(f"window_days must be positive, got {days}")
        start = end - dt.timedelta(days=days)
    if start >= end:
        raise PainpointDataError(f"since ({start:%Y-%m-%d}) must be before until ({end:%Y-%m-%d})")
    return Window(start, end)
