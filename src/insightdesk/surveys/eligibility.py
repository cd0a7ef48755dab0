"""Who may be invited now: consent, suppressions, open tickets, fatigue caps, a way to reach them.

Each check returns the reason an invitation is not sent (or None); the planner records that reason
on the invitation, so response rates keep honest denominators and coverage shows who is never asked.
Caps count invitations across every survey and channel (SUR-02), not per survey.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from insightdesk.governance.privacy import ConsentPurpose, has_consent
from insightdesk.store.tables.people import customer_contacts
from insightdesk.store.tables.surveys import survey_invitations, survey_suppressions
from insightdesk.store.tables.work import tickets
from insightdesk.surveys.definition import SurveyDefinition

OPEN_STATUSES = ("new", "open", "pending", "on_hold")
COUNTED_STATUSES = ("scheduled", "sending", "sent")


@dataclass(frozen=True)
class Refusal:
    reason: str
    detail: str


def active_suppression(
    conn: sa.Connection, customer_id: str, channel: str, at: dt.datetime
) -> Refusal | None:
    row = conn.execute(
        sa.select(survey_suppressions.c.reason, survey_suppressions.c.ends_at)
        .where(survey_suppressions.c.customer_id == customer_id)
        .where(survey_suppressions.c.channel.in_([channel, "all"]))
        .where(survey_suppressions.c.starts_at <= at)
        .where(sa.or_(survey_suppressions.c.ends_at.is_(None), survey_suppressions.c.ends_at > at))
        .order_by(survey_suppressions.c.starts_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    until = f" until {row.ends_at:%Y-%m-%d}" if row.ends_at else " until lifted"
    return Refusal(row.reason, f"customer is suppressed ({row.reason}){until}")


def open_ticket(conn: sa.Connection, customer_id: str, ticket_id: str | None) -> Refusal | None:
    query = (
        sa.select(tickets.c.id)
        .where(tickets.c.customer_id == customer_id)
        .where(tickets.c.status.in_(OPEN_STATUSES))
        .limit(1)
    )
    if ticket_id is not None:
        query = query.where(tickets.c.id != ticket_id)
    other = conn.execute(query).scalar()
    if other is None:
        return None
    return Refusal(
        "open_ticket", "customer has another ticket still open; asking now would rate an unfinished case"
    )


def fatigue(
    conn: sa.Connection, definition: SurveyDefinition, customer_id: str, at: dt.datetime
) -> Refusal | None:
    rules = definition.fatigue
    since = at - dt.timedelta(days=rules.per_days)
    recent = conn.execute(
        sa.select(sa.func.count())
        .select_from(survey_invitations)
        .where(survey_invitations.c.customer_id == customer_id)
        .where(survey_invitations.c.status.in_(COUNTED_STATUSES))
        .where(sa.func.coalesce(survey_invitations.c.sent_at, survey_invitations.c.due_at) > since)
    ).scalar_one()
    if recent < rules.max_invitations:
        return None
    return Refusal(
        "fatigue_cap",
        f"customer already has {recent} invitation(s) in the last {rules.per_days} days "
        f"(cap {rules.max_invitations}, across all surveys and channels)",
    )


def contact_point(conn: sa.Connection, customer_id: str, channel: str) -> str | None:
    """The customer's primary email (or phone for SMS); None when there is none."""
    kind = {"email": "email", "sms": "phone"}.get(channel)
    if kind is None:
        return customer_id  # in-app: the customer's own session is the address
    return conn.execute(
        sa.select(customer_contacts.c.value)
        .where(customer_contacts.c.customer_id == customer_id)
        .where(customer_contacts.c.kind == kind)
        .order_by(sa.func.coalesce(customer_contacts.c.is_primary, False).desc(), customer_contacts.c.id)
        .limit(1)
    ).scalar()


def refusal(
    conn: sa.Connection,
    definition: SurveyDefinition,
    customer_id: str | None,
    ticket_id: str | None,
    at: dt.datetime,
) -> Refusal | None:
    """The first reason not to invite this customer now, in a fixed order; None: invite."""
    if customer_id is None:
        return Refusal("no_customer", "the ticket names no customer")
    if not has_consent(conn, customer_id, ConsentPurpose.SURVEY, at):
        return Refusal(
            "no_consent", "no survey consent in the consent ledger at this time (unknown means no)"
        )
    checks = (
        lambda: active_suppression(conn, customer_id, definition.channel, at),
        lambda: (
            open_ticket(conn, customer_id, ticket_id)
            if definition.fatigue.suppress_while_open_ticket
            else None
        ),
        lambda: fatigue(conn, definition, customer_id, at),
    )
    for check in checks:
        found = check()
        if found is not None:
            return found
    if contact_point(conn, customer_id, definition.channel) is None:
        return Refusal("no_contact", f"customer has no {definition.channel} contact point")
    return None
