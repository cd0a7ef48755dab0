"""The canonical tables as Ibis expressions, plus the shared clock helpers KPI facts use.

Facts only ever see a `Tables`: the engine builds one over a DuckDB, PostgreSQL or Spark
backend, so a definition never knows where it runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from insightdesk.metrics.calendar import calendar_table
from insightdesk.metrics.config import MetricsConfig

_UNUSED = frozenset(
    {
        "subject",
        "description",
        "body",
        "comment",
        "source_system",
        "batch_id",
        "record_hash",
        "first_seen_at",
        "last_changed_at",
        "email",
        "name_",
        "lifetime_value",
        "currency",
    }
)
CANONICAL = ("tickets", "ticket_events", "interactions", "feedback", "customers", "agents", "teams")


class Tables:
    """Lazy access to the canonical tables of one backend (`tables.tickets`, `tables.feedback`...)."""

    def __init__(self, backend: Any, config: MetricsConfig, as_of: dt.datetime) -> None:
        self.backend = backend
        self.config = config
        self._as_of = as_of
        self.used_as_of = False
        self._cache: dict[str, Any] = {}

    @property
    def as_of(self) -> dt.datetime:
        """Snapshot time; reading it marks the query as depending on it (for the SQL cache)."""
        self.used_as_of = True
        return self._as_of

    def table(self, name: str) -> Any:
        # Looked up once per backend: a catalog lookup costs tens of milliseconds per call.
        shared = self.backend.__dict__.setdefault("_insightdesk_table_cache", {})
        if name not in shared:
            table = self.backend.table(name)
            # Free text and lineage never enter a KPI; leaving them out keeps expressions small to compile.
            keep = [c for c in table.columns if c not in _UNUSED]
            shared[name] = table.select(*keep) if len(keep) < len(table.columns) else table
        return shared[name]

    def __getattr__(self, name: str) -> Any:
        if name in CANONICAL:
            return self.table(name)
        raise AttributeError(name)

    def calendar(self) -> Any:
        """The business calendar (see calendar.py) as a temporary table of this backend."""
        if "_calendar" not in self._cache:
            from insightdesk.metrics.execute import register_frame

            name = register_frame(self.backend, "insightdesk_calendar", calendar_table(self.config.calendar))
            self._cache["_calendar"] = self.backend.table(name)
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
