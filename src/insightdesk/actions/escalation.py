"""Escalation: a notification nobody acknowledged within its level's business hours goes to the next level.

The levels are the notify action's, in the rule version that sent the first one; each escalation is
queued through the outbox in the same transaction that marks the previous level escalated, so a crash
never escalates twice or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.business_hours import BusinessCalendar, business_hours_between
from insightdesk.actions.errors import ActionsError, NotFound
from insightdesk.actions.planning import queue_notification
from insightdesk.actions.spec import NotifyAction, parse_rule
from insightdesk.actions.sql import changed_rows
from insightdesk.governance import audit
from insightdesk.insights.common.runs import from_json, utcnow
from insightdesk.store.tables.actions import action_evaluations, action_notifications, action_outbox
from insightdesk.store.tables.actions import action_rule_versions as versions

if TYPE_CHECKING:
    from insightdesk.store import Store


def acknowledge(store: Store, notification_id: str, actor: str) -> dict[str, Any]:
    """Stop a notification's escalation: someone has it."""
    now = utcnow()
    with store.begin() as conn:
        done = changed_rows(
            conn,
            action_notifications.update()
            .where(
                action_notifications.c.notification_id == notification_id,
                action_notifications.c.acknowledged_at.is_(None),
            )
            .values(acknowledged_by=actor, acknowledged_at=now),
            action_notifications.c.notification_id,
        )
    if not done:
        with store.engine.connect() as conn:
            known = conn.execute(
                sa.select(action_notifications.c.acknowledged_by).where(
                    action_notifications.c.notification_id == notification_id
                )
            ).first()
        if known is None:
            raise NotFound(f"no notification {notification_id!r}")
        raise ActionsError(
            f"notification {notification_id} was already acknowledged by {known.acknowledged_by}"
        )
    audit.append(store.engine, actor=actor, action="notify.acknowledge", target="action_notifications",
                 record_ids=[notification_id])  # fmt: skip
    return {"notification_id": notification_id, "acknowledged_by": actor, "acknowledged_at": now}


def _next_level(conn: sa.Connection, row: Any) -> tuple[str, float | None, str] | None:
    """The next level's recipient, its own escalation delay, and the message of the level before."""
    version = conn.execute(
        sa.select(action_evaluations.c.version).where(action_evaluations.c.evaluation_id == row.subject)
    ).scalar()
    spec_text = conn.execute(
        sa.select(versions.c.spec).where(versions.c.rule_id == row.rule_id, versions.c.version == version)
    ).scalar()
    if spec_text is None:
        return None
    index = int(row.notification_id.rsplit(":", 2)[1])
    action = parse_rule(spec_text, stored=True).actions[index]
    if not isinstance(action, NotifyAction) or row.level + 1 >= len(action.levels):
        return None
    level = action.levels[row.level + 1]
    payload = conn.execute(
        sa.select(action_outbox.c.payload).where(action_outbox.c.message_id == row.message_id)
    ).scalar()
    message = str((from_json(payload) or {}).get("text", action.message))
    return level.to, level.after_business_hours, message


def escalate_due(
    store: Store, *, calendar: BusinessCalendar | None = None, now: dt.datetime | None = None
) -> list[str]:
    """Escalate every unacknowledged notification past its level's business hours; returns the new ids."""
    calendar = calendar or BusinessCalendar()
    now = now or utcnow()
    with store.engine.connect() as conn:
        waiting = conn.execute(
            sa.select(action_notifications).where(
                action_notifications.c.acknowledged_at.is_(None),
                action_notifications.c.escalated_at.is_(None),
                action_notifications.c.escalate_after_hours.is_not(None),
            )
        ).all()
    escalated = []
    for row in waiting:
        if business_hours_between(row.sent_at, now, calendar) < row.escalate_after_hours:
            continue
        with store.begin() as conn:
            target = _next_level(conn, row)
            took = changed_rows(
                conn,
                action_notifications.update()
                .where(
                    action_notifications.c.notification_id == row.notification_id,
                    action_notifications.c.escalated_at.is_(None),
                    action_notifications.c.acknowledged_at.is_(None),
                )
                .values(escalated_at=now),
                action_notifications.c.notification_id,
            )
            if not took or target is None:
                continue
            to, after, message = target
            index = int(row.notification_id.rsplit(":", 2)[1])
            escalated.append(
                queue_notification(
                    conn,
                    subject=row.subject,
                    rule_id=row.rule_id,
                    level=row.level + 1,
                    index=index,
                    to=to,
                    message=f"Escalated (unacknowledged): {message}",
                    escalate_after_hours=after,
                    now=now,
                )
            )
    return escalated
