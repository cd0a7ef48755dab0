"""The outbox's bookkeeping: claim due messages under a lease, record success, retry or dead-letter.

A worker claims a message by taking its lease (a conditional UPDATE, so two workers never hold the
same message); a worker killed mid-delivery leaves a lease that lapses, and the next worker takes
the message again. Retries wait exponentially longer with full jitter (AWS architecture blog:
uniform in [0, min(cap, base * 2^attempt))), capped; a terminal error, or the last attempt, moves
the message to the dead-letter list, from which `replay` puts it back.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.config import DeliveryPolicy
from insightdesk.actions.errors import ActionsError, NotFound
from insightdesk.actions.sql import changed_rows
from insightdesk.governance import audit
from insightdesk.insights.common.runs import from_json, utcnow
from insightdesk.store.tables.actions import action_outbox

if TYPE_CHECKING:
    from insightdesk.store import Store

STATUSES = ("awaiting_approval", "pending", "delivered", "dead")


def backoff_seconds(
    attempts: int, policy: DeliveryPolicy, jitter: Callable[[], float] = random.random
) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))); at least a second."""
    ceiling = min(policy.cap_seconds, policy.base_seconds * 2 ** max(attempts - 1, 0))
    return max(1.0, jitter() * ceiling)


def claim(
    store: Store, policy: DeliveryPolicy, *, now: dt.datetime | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Take the lease of up to `limit` due messages; each claim counts as an attempt."""
    now = now or utcnow()
    due = (
        sa.select(action_outbox.c.message_id)
        .where(action_outbox.c.status == "pending", action_outbox.c.next_attempt_at <= now)
        .where(sa.or_(action_outbox.c.lease_until.is_(None), action_outbox.c.lease_until < now))
        .order_by(action_outbox.c.next_attempt_at, action_outbox.c.message_id)
        .limit(limit)
    )
    claimed = []
    lease = now + dt.timedelta(seconds=policy.lease_seconds)
    with store.engine.connect() as conn:
        ids = list(conn.execute(due).scalars())
    for message_id in ids:
        with store.begin() as conn:
            took = changed_rows(
                conn,
                action_outbox.update()
                .where(action_outbox.c.message_id == message_id, action_outbox.c.status == "pending")
                .where(sa.or_(action_outbox.c.lease_until.is_(None), action_outbox.c.lease_until < now))
                .values(lease_until=lease, attempts=action_outbox.c.attempts + 1, updated_at=now),
                action_outbox.c.message_id,
            )
            if took == 1:
                row = conn.execute(
                    sa.select(action_outbox).where(action_outbox.c.message_id == message_id)
                ).one()
                claimed.append(_public(dict(row._mapping)))
    return claimed


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "payload": from_json(row["payload"])}


def mark_delivered(conn: sa.Connection, message_id: str, external_id: str | None, now: dt.datetime) -> None:
    conn.execute(
        action_outbox.update()
        .where(action_outbox.c.message_id == message_id)
        .values(status="delivered", external_id=external_id, delivered_at=now, lease_until=None,
                last_error=None, error_kind=None, updated_at=now)
    )  # fmt: skip


def mark_failed(
    store: Store,
    message: dict[str, Any],
    error: str,
    *,
    terminal: bool,
    policy: DeliveryPolicy,
    now: dt.datetime,
    wait_seconds: float | None = None,
) -> str:
    """Schedule the next attempt, or dead-letter; returns the new status."""
    dead = terminal or int(message["attempts"]) >= policy.max_attempts
    wait = wait_seconds if wait_seconds is not None else backoff_seconds(int(message["attempts"]), policy)
    values: dict[str, Any] = {
        "status": "dead" if dead else "pending",
        "last_error": error[:1000],
        "error_kind": "terminal" if terminal else "transient",
        "lease_until": None,
        "updated_at": now,
    }
    if not dead:
        values["next_attempt_at"] = now + dt.timedelta(seconds=wait)
    with store.begin() as conn:
        conn.execute(
            action_outbox.update().where(action_outbox.c.message_id == message["message_id"]).values(**values)
        )
    return str(values["status"])


def list_messages(store: Store, *, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise ActionsError(f"unknown outbox status {status!r}; statuses: {', '.join(STATUSES)}")
    query = sa.select(action_outbox).order_by(
        action_outbox.c.created_at.desc(), action_outbox.c.message_id.desc()
    )
    if status is not None:
        query = query.where(action_outbox.c.status == status)
    with store.engine.connect() as conn:
        return [_public(dict(r._mapping)) for r in conn.execute(query.limit(limit))]


def replay(store: Store, message_ids: list[str] | None, *, actor: str) -> list[str]:
    """Put dead-lettered messages (the given ones, or all) back in the queue, attempts reset; audited."""
    query = sa.select(action_outbox.c.message_id, action_outbox.c.status)
    if message_ids:
        query = query.where(action_outbox.c.message_id.in_(message_ids))
    else:
        query = query.where(action_outbox.c.status == "dead")
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = {r.message_id: r.status for r in rows}
    for message_id in message_ids or []:
        if message_id not in found:
            raise NotFound(f"no outbox message {message_id!r} (see `insightdesk rules outbox --status dead`)")
        if found[message_id] != "dead":
            raise ActionsError(
                f"outbox message {message_id} is {found[message_id]}; only dead letters are replayed"
            )
    ids = sorted(found)
    if not ids:
        return []
    now = utcnow()
    with store.begin() as conn:
        conn.execute(
            action_outbox.update()
            .where(action_outbox.c.message_id.in_(ids), action_outbox.c.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None, updated_at=now)
        )
    audit.append(store.engine, actor=actor, action="outbox.replay", target="action_outbox", record_ids=ids)
    return ids


def release(store: Store, message_id: str, *, actor: str) -> None:
    """A second person releases a message held for approval (bulk contact)."""
    with store.begin() as conn:
        done = changed_rows(
            conn,
            action_outbox.update()
            .where(action_outbox.c.message_id == message_id, action_outbox.c.status == "awaiting_approval")
            .values(status="pending", approved_by=actor, updated_at=utcnow()),
            action_outbox.c.message_id,
        )
    if done != 1:
        raise ActionsError(f"outbox message {message_id!r} is not awaiting approval")
    audit.append(
        store.engine, actor=actor, action="outbox.release", target="action_outbox", record_ids=[message_id]
    )
