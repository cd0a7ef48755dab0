"""Known events as regressors: holidays and closures (`closed`) and launches, campaigns or outages
planned ahead (`peak`).

Events are known in advance, so they may inform a forecast without leaking the future. A closed day is
given the calendar of a Sunday (a desk behaves on a public holiday as on its quietest weekday), which
lets one or two holidays in the history borrow the effect learnt from every weekend; a peak day gets
its own indicator.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

EVENT_KINDS = ("closed", "peak")
MAX_EVENTS = 10_000


class EventFileError(ValueError):
    """An events file that cannot be used; the message names the line and field."""


@dataclass(frozen=True)
class KnownEvent:
    day: dt.date
    name: str
    kind: str = "closed"


def read_events(path: Path) -> list[KnownEvent]:
    """Events from a CSV file with columns `date` (YYYY-MM-DD), `name` and `kind` (closed or peak)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"date", "name"} - set(reader.fieldnames or ())
            if missing:
                raise EventFileError(f"{path}: the header lacks {', '.join(sorted(missing))}")
            events: list[KnownEvent] = []
            for line, row in enumerate(reader, start=2):
                if len(events) >= MAX_EVENTS:
                    raise EventFileError(f"{path}: more than {MAX_EVENTS} events")
                events.append(_event(path, line, row))
    except (OSError, UnicodeDecodeError) as exc:
        raise EventFileError(f"{path}: cannot be read ({exc.__class__.__name__}: {exc})") from None
    return events


def _event(path: Path, line: int, row: dict[str, str | None]) -> KnownEvent:
    try:
        day = dt.date.fromisoformat((row.get("date") or "").strip())
    except ValueError:
        raise EventFileError(f"{path} line {line}: date {row.get('date')!r} is not YYYY-MM-DD") from None
    kind = (row.get("kind") or "closed").strip().lower()
    if kind not in EVENT_KINDS:
        raise EventFileError(f"{path} line {line}: kind {kind!r} must be one of {', '.join(EVENT_KINDS)}")
    name = (row.get("name") or "").strip()
    if not name:
        raise EventFileError(f"{path} line {line}: name is empty")
    return KnownEvent(day, name, kind)


REGRESSORS = [f"dow_{d}" for d in range(1, 7)] + ["peak"]


def daily_regressors(days: pd.Series, events: list[KnownEvent]) -> pd.DataFrame:
    """Weekday indicators (Monday is the baseline) with closed days as Sundays, and a peak indicator."""
    stamps = pd.to_datetime(days)
    closed = {e.day for e in events if e.kind == "closed"}
    peak = {e.day for e in events if e.kind == "peak"}
    dates = stamps.dt.date
    weekday = np.where(dates.isin(closed), 6, stamps.dt.dayofweek)
    frame = pd.DataFrame({f"dow_{d}": (weekday == d).astype(float) for d in range(1, 7)}, index=days.index)
    frame["peak"] = dates.isin(peak).astype(float).to_numpy()
    return frame
