"""The notifications a rule sent and where each stands: waiting for someone to acknowledge it (and
escalating when nobody does), acknowledged, or escalated to the next level (`escalation`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables.actions import action_notifications as notes

if TYPE_CHECKING:
    from insightdesk.store import Store


def list_notifications(store: Store, *, waiting_only: bool = True, limit: int = 200) -> list[dict[str, Any]]:
    """Notifications, newest first; `waiting_only`: those nobody acknowledged and not yet escalated."""
    query = sa.select(notes).order_by(notes.c.sent_at.desc(), notes.c.notification_id).limit(limit)
    if waiting_only:
        query = query.where(notes.c.acknowledged_at.is_(None), notes.c.escalated_at.is_(None))
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["state"] = (
            "acknowledged" if row["acknowledged_at"] else ("escalated" if row["escalated_at"] else "waiting")
        )
    return rows
