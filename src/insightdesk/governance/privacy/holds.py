"""Legal holds: a person under an open hold is neither erased (the request is refused with the
reason) nor purged (the purge keeps them and says so)."""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.governance.clock import new_id, utcnow
from insightdesk.governance.privacy import rowcount
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.privacy import legal_holds


class HoldError(ValueError):
    """A hold that cannot be placed or lifted; the message says why."""


def place_hold(conn: sa.Connection, customer_id: str, reason: str, actor: str) -> str:
    if not reason.strip():
        raise HoldError(f"hold on customer {customer_id!r}: give the reason (a case reference)")
    if conn.execute(sa.select(customers.c.id).where(customers.c.id == customer_id)).first() is None:
        raise HoldError(f"hold: customer {customer_id!r} is not in the store")
    hold_id = new_id("hold-")
    conn.execute(
        legal_holds.insert().values(
            hold_id=hold_id,
            customer_id=customer_id,
            reason=reason.strip(),
            placed_by=actor,
            placed_at=utcnow(),
        )
    )
    return hold_id


def release_hold(conn: sa.Connection, hold_id: str) -> None:
    lifted = rowcount.changed(
        conn,
        legal_holds.update()
        .where(legal_holds.c.hold_id == hold_id, legal_holds.c.released_at.is_(None))
        .values(released_at=utcnow()),
    )
    if not lifted:
        raise HoldError(f"no open legal hold {hold_id!r}")
