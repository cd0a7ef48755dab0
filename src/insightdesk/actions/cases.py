"""Regulatory-complaint cases: their deadline clocks, breaches, and stopping a clock by hand.

    regulatory_cases(store, role="admin")          # open cases with their clocks, breached first
    regulatory_cases(store, breached_only=True)    # what has missed (or is missing) a regulator's deadline
    stop_clock(store, task_id, "acknowledgement", actor="max")   # the acknowledgement went out

A case is a follow-up task of kind `regulatory_complaint` whose rule named a regime (`regimes`); it is
seen only by the regime's roles (or the rule's `restricted_to`), here as in the inbox. Closing the task
stops the clocks that stop on closing (`tasks.update_task`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.clocks import read_clocks, stop_running
from insightdesk.actions.errors import ActionsError, NotFound
from insightdesk.actions.tasks import CLOSED, get_task, visible_to
from insightdesk.governance import audit
from insightdesk.insights.common.runs import from_json, utcnow
from insightdesk.store.tables.actions import action_tasks

if TYPE_CHECKING:
    from insightdesk.store import Store

KIND = "regulatory_complaint"
BREACH = ("breached", "met_late")


def _case(store: Store, task_id: str, role: str | None) -> dict[str, Any]:
    task = get_task(store, task_id)
    if not visible_to(task, role) or task["kind"] != KIND:
        raise NotFound(f"no regulatory-complaint case {task_id!r} (see `insightdesk tasks inbox`)")
    return task


def case_clocks(
    store: Store, task_id: str, *, role: str | None = None, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The case's clocks with their status at `now` (running, breached, met, met_late, lapsed)."""
    _case(store, task_id, role)
    with store.engine.connect() as conn:
        return read_clocks(conn, [task_id], now or utcnow())[task_id]


def stop_clock(
    store: Store,
    task_id: str,
    clock: str,
    *,
    actor: str,
    role: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record that a clock's deadline was met (the acknowledgement was sent...); audited."""
    _case(store, task_id, role)
    now = utcnow()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ActionsError(f"case {task_id}: clock {clock!r} cannot stop in the future ({at:%Y-%m-%d %H:%M})")
    clocks = {c["clock"]: c for c in case_clocks(store, task_id, role=role, now=now)}
    if clock not in clocks:
        raise ActionsError(f"case {task_id} has no clock {clock!r}; its clocks: {', '.join(clocks)}")
    if clocks[clock]["stopped_at"] is not None:
        raise ActionsError(
            f"case {task_id}: clock {clock!r} already stopped at {clocks[clock]['stopped_at']:%Y-%m-%d %H:%M} "
            f"by {clocks[clock]['stopped_by']}"
        )
    if at < clocks[clock]["started_at"]:
        raise ActionsError(f"case {task_id}: clock {clock!r} cannot stop before the complaint was received")
    with store.begin() as conn:
        stop_running(conn, task_id, at, actor, clock=clock)
    stopped = case_clocks(store, task_id, role=role, now=now)
    row = next(c for c in stopped if c["clock"] == clock)
    audit.append(store.engine, actor=actor, role=role, action="cases.stop_clock", target="action_case_clocks",
                 record_ids=[f"{task_id}:{clock}"], detail={"status": row["status"], "regime": row["regime"]})  # fmt: skip
    return row


def regulatory_cases(
    store: Store,
    *,
    role: str | None = None,
    now: dt.datetime | None = None,
    include_closed: bool = False,
    breached_only: bool = False,
) -> list[dict[str, Any]]:
    """Regulatory-complaint cases visible to `role`, each with its clocks and `breached` (a binding clock
    past due or met late); breached first, then soonest due."""
    now = now or utcnow()
    query = sa.select(action_tasks).where(action_tasks.c.kind == KIND)
    if not include_closed:
        query = query.where(action_tasks.c.status.not_in(CLOSED))
    with store.engine.connect() as conn:
        tasks = [dict(r._mapping) for r in conn.execute(query)]
        for task in tasks:
            task["restricted_to"] = from_json(task["restricted_to"])
            task["context"] = from_json(task["context"])
        tasks = [t for t in tasks if visible_to(t, role)]
        clocks = read_clocks(conn, [t["task_id"] for t in tasks], now)
    out = []
    for task in tasks:
        task["clocks"] = clocks[task["task_id"]]
        task["regime"] = task["clocks"][0]["regime"] if task["clocks"] else None
        task["breached"] = any(c["status"] in BREACH for c in task["clocks"])
        if task["breached"] or not breached_only:
            out.append(task)
    return sorted(out, key=lambda t: (not t["breached"], t["due_at"], t["task_id"]))
