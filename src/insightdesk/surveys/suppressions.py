"""Stopping surveys: suppress a customer for a while (complaint, incident), or unsubscribe by link.

An unsubscribe writes a `survey` consent withdrawal to the consent ledger (source `unsubscribe`,
the invitation as provenance) and cancels the customer's invitations not yet sent, in one
transaction. Opting out never touches the customer's tickets: service goes on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from insightdesk.governance.clock import new_id, utcnow
from insightdesk.governance.privacy import ConsentPurpose, ConsentSource, record_consent
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.surveys import survey_invitations, survey_suppressions
from insightdesk.surveys.tokens import LinkSigner

REASONS = ("complaint", "incident", "manual", "bounced")
CHANNELS = ("all", "email", "sms", "in_app")


class SuppressionError(ValueError):
    """A suppression that cannot be recorded; the message names the field."""


def suppress(
    engine: sa.Engine,
    customer_id: str,
    reason: str,
    *,
    days: int | None = None,
    channel: str = "all",
    note: str | None = None,
    actor: str = "cli",
    now: dt.datetime | None = None,
) -> str:
    """Do not survey `customer_id` on `channel` for `days` (None: until lifted); the suppression id."""
    if reason not in REASONS:
        raise SuppressionError(f"reason: {reason!r} is not one of {', '.join(REASONS)}")
    if channel not in CHANNELS:
        raise SuppressionError(f"channel: {channel!r} is not one of {', '.join(CHANNELS)}")
    if days is not None and not 1 <= days <= 3650:
        raise SuppressionError(f"days: {days} is outside 1 to 3650")
    now = now or utcnow()
    suppression_id = new_id("sup_")
    with engine.begin() as conn:
        if conn.execute(sa.select(customers.c.id).where(customers.c.id == customer_id)).first() is None:
            raise SuppressionError(f"customer_id: customer {customer_id!r} is not in the store")
        conn.execute(
            survey_suppressions.insert().values(
                suppression_id=suppression_id,
                customer_id=customer_id,
                reason=reason,
                channel=channel,
                starts_at=now,
                ends_at=now + dt.timedelta(days=days) if days else None,
                note=note,
                created_by=actor,
                created_at=now,
            )
        )
    return suppression_id


@dataclass(frozen=True)
class Unsubscribed:
    state: str  # done, invalid
    language: str = "en"


def unsubscribe(
    engine: sa.Engine, signer: LinkSigner, token: str, now: dt.datetime | None = None
) -> Unsubscribed:
    """Withdraw the survey consent of the invitation's customer (idempotent: a second click is fine)."""
    invitation_id = signer.unsubscribed_invitation(token)
    if invitation_id is None:
        return Unsubscribed("invalid")
    now = now or utcnow()
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(survey_invitations.c.customer_id, survey_invitations.c.language).where(
                survey_invitations.c.invitation_id == invitation_id
            )
        ).first()
        if row is None or row.customer_id is None:
            return Unsubscribed("invalid")
        record_consent(
            conn,
            row.customer_id,
            ConsentPurpose.SURVEY,
            False,
            ConsentSource.UNSUBSCRIBE,
            actor="customer",
            at=now,
            provenance=invitation_id,
        )
        conn.execute(
            survey_invitations.update()
            .where(survey_invitations.c.customer_id == row.customer_id)
            .where(survey_invitations.c.status == "scheduled")
            .values(
                status="suppressed", reason="unsubscribed", detail="the customer unsubscribed", due_at=None
            )
        )
    return Unsubscribed("done", row.language or "en")
