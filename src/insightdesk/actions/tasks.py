"""Follow-up tasks: who owns them, when they are due, how they move, and the inbox of a person or team.

States and moves (anything else is refused, naming the allowed moves):

    open            -> in_progress, done, could_not_reach
    in_progress     -> open, done, could_not_reach
    done            -> open          (reopened: the customer came back)
    could_not_reach -> open

Closing (done or could_not_reach) needs an outcome; closing a complaint as done needs a root cause.
Closing a regulatory complaint stops its clocks that stop on closing (`clocks`).
Every change writes one action_task_events row per field, with the actor.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.clocks import stop_running
from insightdesk.actions.errors import ActionsError, NotFound
from insightdesk.actions.spec import COMPLAINT_KINDS
from insightdesk.insights.common.runs import from_json, new_id, utcnow
from insightdesk.store.tables.actions import action_task_events, action_tasks
from insightdesk.store.tables.governance import users

if TYPE_CHECKING:
    from insightdesk.store import Store

STATUSES = ("open", "in_progress", "done", "could_not_reach")
CLOSED = ("done", "could_not_reach")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "done", "could_not_reach"),
    "in_progress": ("open", "done", "could_not_reach"),
    "done": ("open",),
    "could_not_reach": ("open",),
}
MAX_TEXT = 4000


def get_task(store: Store, task_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(action_tasks).where(action_tasks.c.task_id == task_id)).first()
    if row is None:
        raise NotFound(f"no task {task_id!r} (see `insightdesk tasks inbox`)")
    return _public(dict(row._mapping))


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "context": from_json(row["context"]), "restricted_to": from_json(row["restricted_to"])}


def visible_to(row: dict[str, Any], role: str | None) -> bool:
    """A restricted task is seen only by its roles (None: the CLI, which holds the store, sees all)."""
    allowed = row["restricted_to"]
    return role is None or not allowed or role in allowed


def inbox(
    store: Store,
    *,
    owner: str | None = None,
    team_id: str | None = None,
    unowned: bool = False,
    status: str | None = None,
    include_closed: bool = False,
    role: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Tasks of a person, a team or the unowned queue, soonest due first; restricted ones only for their roles."""
    if status is not None and status not in STATUSES:
        raise ActionsError(f"unknown task status {status!r}; statuses: {', '.join(STATUSES)}")
    query = sa.select(action_tasks)
    if owner is not None:
        query = query.where(action_tasks.c.owner == owner.strip().lower())
    if team_id is not None:
        query = query.where(action_tasks.c.team_id == team_id)
    if unowned:
        query = query.where(action_tasks.c.owner.is_(None))
    if status is not None:
        query = query.where(action_tasks.c.status == status)
    elif not include_closed:
        query = query.where(action_tasks.c.status.not_in(CLOSED))
    query = query.order_by(action_tasks.c.due_at, action_tasks.c.task_id)
    with store.engine.connect() as conn:
        rows = [_public(dict(r._mapping)) for r in conn.execute(query)]
    return [r for r in rows if visible_to(r, role)][:limit]


def _account(conn: sa.Connection, name: str, what: str) -> str:
    username = name.strip().lower()
    row = conn.execute(sa.select(users.c.active).where(users.c.username == username)).first()
    if row is None:
        raise ActionsError(f"{what} {name!r} is not an account (see `insightdesk users list`)")
    if not row.active:
        raise ActionsError(f"{what} {name!r} is a disabled account")
    return username


def update_task(
    store: Store,
    task_id: str,
    *,
    actor: str,
    status: str | None = None,
    owner: str | None = None,
    outcome: str | None = None,
    recovered: bool | None = None,
    root_cause: str | None = None,
    role: str | None = None,
) -> dict[str, Any]:
    """Move a task and capture its outcome; one event per changed field."""
    current = get_task(store, task_id)
    if not visible_to(current, role):
        raise NotFound(f"no task {task_id!r} (see `insightdesk tasks inbox`)")
    for name, text in (("outcome", outcome), ("root cause", root_cause)):
        if text is not None and len(text) > MAX_TEXT:
            raise ActionsError(f"task {task_id}: {name} is over {MAX_TEXT} characters")
    changes: dict[str, Any] = {}
    with store.begin() as conn:
        if owner is not None:
            changes["owner"] = _account(conn, owner, "owner") if owner.strip() else None
        if outcome is not None:
            changes["outcome"] = outcome.strip() or None
        if recovered is not None:
            changes["recovered"] = recovered
        if root_cause is not None:
            changes["root_cause"] = root_cause.strip() or None
        now = utcnow()
        if status is not None and status != current["status"]:
            if status not in STATUSES:
                raise ActionsError(f"unknown task status {status!r}; statuses: {', '.join(STATUSES)}")
            allowed = TRANSITIONS[current["status"]]
            if status not in allowed:
                raise ActionsError(
                    f"task {task_id}: cannot go from {current['status']} to {status}; allowed: {', '.join(allowed)}"
                )
            merged = {**current, **changes}
            if status in CLOSED and not merged["outcome"]:
                raise ActionsError(f"task {task_id}: say what happened (an outcome) to close it as {status}")
            if status == "done" and current["kind"] in COMPLAINT_KINDS and not merged["root_cause"]:
                raise ActionsError(f"task {task_id}: a {current['kind']} is closed only with its root cause")
            changes["status"] = status
            changes["closed_at"] = now if status in CLOSED else None
        changes = {k: v for k, v in changes.items() if v != current.get(k)}
        if not changes:
            raise ActionsError(f"task {task_id}: nothing changes (the values given are the current ones)")
        stem = new_id("ate")
        events = [
            {
                "event_id": f"{stem}-{i:02d}",
                "task_id": task_id,
                "field": name,
                "old_value": _text(current.get(name)),
                "new_value": _text(value),
                "actor": actor,
                "occurred_at": now,
            }
            for i, (name, value) in enumerate(changes.items())
            if name != "closed_at"
        ]
        conn.execute(
            action_tasks.update().where(action_tasks.c.task_id == task_id).values(**changes, updated_at=now)
        )
        conn.execute(action_task_events.insert(), events)
        if changes.get("status") in CLOSED and current["kind"] == "regulatory_complaint":
            # The final response answers the complaint: its clocks stop with the closing, in this transaction.
            stop_running(conn, task_id, now, actor)
    return get_task(store, task_id)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value) if isinstance(value, bool) else str(value)


def task_history(store: Store, task_id: str) -> list[dict[str, Any]]:
    get_task(store, task_id)
    query = (
        sa.select(action_task_events)
        .where(action_task_events.c.task_id == task_id)
        .order_by(action_task_events.c.event_id)
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
