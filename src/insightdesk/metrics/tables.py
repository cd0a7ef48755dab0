"""The canonical tables as Ibis expressions, plus the shared clock helpers KPI facts use.

Facts only ever see a `Tables`: the engine builds one over a DuckDB, PostgreSQL or Spark
backend, so a definition never knows where it runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from insightdesk.metrics.calendar import calendar_table
from insightdesk.metrics.config import MetricsConfig

CANONICAL = ("tickets", "ticket_events", "interactions", "feedback", "customers", "agents", "teams")


class Tables:
    """Lazy access to the canonical tables of one backend (`tables.tickets`, `tables.feedback`...)."""

    def __init__(self, backend: Any, config: MetricsConfig, as_of: dt.datetime) -> None:
        self.backend = backend
        self.config = config
        self.as_of = as_of
        self._cache: dict[str, Any] = {}

    def table(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self.backend.table(name)
        return self._cache[name]

    def __getattr__(self, name: str) -> Any:
        if name in CANONICAL:
            return self.table(name)
        raise AttributeError(name)

    def calendar(self) -> Any:
        if "_calendar" not in self._cache:
            import ibis

            self._cache["_calendar"] = ibis.memtable(calendar_table(self.config.calendar))
        return self._cache["_calendar"]


def seconds(ts: Any) -> Any:
    """Whole epoch seconds of a naive-UTC timestamp, identical on every engine."""
    return ts.truncate("s").epoch_seconds()


def hours_between(start: Any, end: Any) -> Any:
    return (seconds(end) - seconds(start)) / 3600.0


def with_business_clock(table: Any, tables: Tables, column: str, out: str) -> Any:
    """Add `out`: business seconds from the calendar's start to `table[column]` (null outside it)."""
    import ibis

    cal = tables.calendar()
    prefix = f"_bc_{out}_"
    cal = cal.select(**{prefix + c: cal[c] for c in cal.columns})
    joined = table.left_join(cal, table[column].date() == cal[prefix + "day"])
    sec = seconds(joined[column]) - joined[prefix + "day_epoch"]

    def part(s: str, e: str) -> Any:
        lo, hi = joined[prefix + s], joined[prefix + e]
        return ibis.greatest(ibis.least(sec - lo, hi - lo), 0)

    value = joined[prefix + "cum"] + part("s1", "e1") + part("s2", "e2")
    return joined.mutate(**{out: value}).drop(*[prefix + c for c in calendar_columns()])


def calendar_columns() -> tuple[str, ...]:
    return ("day", "day_epoch", "cum", "s1", "e1", "s2", "e2")


def business_clock_at(tables: Tables, instant: dt.datetime) -> int | None:
    """The business clock F(instant) computed in Python, for literals such as the snapshot time."""
    frame = calendar_table(tables.config.calendar)
    rows = frame[frame["day"] == instant.date()]
    if rows.empty:
        return None
    row = rows.iloc[0]
    sec = int(
        (instant.replace(microsecond=0) - dt.datetime.combine(instant.date(), dt.time())).total_seconds()
    )

    def part(s: int, e: int) -> int:
        return max(min(sec - s, e - s), 0)

    return int(row["cum"]) + part(int(row["s1"]), int(row["e1"])) + part(int(row["s2"]), int(row["e2"]))
