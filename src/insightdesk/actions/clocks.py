"""Deadline clocks of regulatory-complaint cases, as rows: planned from a regime, written with the case,
stopped when the case closes, and read with their status.

Status of a clock at `now`:
    running   not stopped, due later
    breached  not stopped and past due (a binding clock)
    met       stopped at or before its due time
    met_late  stopped after its due time (a binding clock: the breach stays on the record)
    lapsed    a window (non-binding clock) that ran out before the case was stopped or closed
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from insightdesk.actions.business_hours import BusinessCalendar
from insightdesk.actions.regimes import RegulatoryRegime
from insightdesk.store.tables.actions import action_case_clocks


def plan_clocks(
    regime: RegulatoryRegime, received: dt.datetime, calendar: BusinessCalendar
) -> list[dict[str, Any]]:
    """The regime's clocks for a complaint received at `received` (naive UTC), soonest first."""
    clocks = [
        {
            "clock": c.name,
            "regime": regime.name,
            "started_at": received,
            "due_at": c.due(received, calendar),
            "binding": c.binding,
            "stops_on": c.stops_on,
        }
        for c in regime.clocks
    ]
    return sorted(clocks, key=lambda c: (c["due_at"], c["clock"]))


def insert_clocks(conn: sa.Connection, task_id: str, clocks: list[dict[str, Any]]) -> None:
    if clocks:
        conn.execute(action_case_clocks.insert(), [{**c, "task_id": task_id} for c in clocks])


def stop_running(
    conn: sa.Connection, task_id: str, at: dt.datetime, actor: str, *, clock: str | None = None
) -> list[str]:
    """Stop the case's running clocks (one `clock`, or every one that stops when the case closes)."""
    where = [action_case_clocks.c.task_id == task_id, action_case_clocks.c.stopped_at.is_(None)]
    where.append(action_case_clocks.c.clock == clock if clock else action_case_clocks.c.stops_on == "close")
    names = list(conn.execute(sa.select(action_case_clocks.c.clock).where(*where)).scalars())
    if names:
        conn.execute(action_case_clocks.update().where(*where).values(stopped_at=at, stopped_by=actor))
    return [str(n) for n in names]


def clock_status(row: dict[str, Any], now: dt.datetime) -> str:
    stopped, due, binding = row["stopped_at"], row["due_at"], bool(row["binding"])
    if stopped is not None:
        if stopped <= due:
            return "met"
        return "met_late" if binding else "lapsed"
    if now <= due:
        return "running"
    return "breached" if binding else "lapsed"


def read_clocks(
    conn: sa.Connection, task_ids: list[str], now: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """Clocks of each case, soonest due first, with status and hours left (negative: overdue)."""
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in task_ids}
    for start in range(0, len(task_ids), 1000):
        query = (
            sa.select(action_case_clocks)
            .where(action_case_clocks.c.task_id.in_(task_ids[start : start + 1000]))
            .order_by(action_case_clocks.c.task_id, action_case_clocks.c.due_at, action_case_clocks.c.clock)
        )
        for r in conn.execute(query):
            row = dict(r._mapping)
            row["status"] = clock_status(row, now)
            row["hours_left"] = (
                round((row["due_at"] - now).total_seconds() / 3600, 1) if row["stopped_at"] is None else None
            )
            out[row["task_id"]].append(row)
    return out
