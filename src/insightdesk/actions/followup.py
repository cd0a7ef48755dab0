"""The recurrence watch's follow-up survey: when a verified fix's theme rebounds, ask the customers it
affected again, through the surveys feature (which honours consent, suppressions and fatigue caps).

The customers affected are those with a ticket on the theme in the watch window. Each gets an
invitation of the chosen survey's published version, planned as a customer-level (`schedule`)
trigger at the moment of the reopening: its id is a hash of survey, customer and that moment, so a
re-run plans nothing twice. An invitation the survey rules refuse is still written, suppressed with
its reason (no_consent, fatigue_cap...), so the survey's response rates keep honest denominators.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.errors import ActionsError
from insightdesk.store.tables.canonical import tickets
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.store.tables.text import text_analyses
from insightdesk.surveys import Trigger, get_version, list_versions, plan_invitation

if TYPE_CHECKING:
    from insightdesk.store import Store


def published_version(store: Store, survey_id: str) -> int:
    """The version in force of a survey; ActionsError when there is none to send."""
    rows = [r for r in list_versions(store.engine) if r["survey_id"] == survey_id]
    if not rows:
        raise ActionsError(f"follow-up survey {survey_id!r} does not exist (see `insightdesk surveys list`)")
    published = [int(str(r["version"])) for r in rows if r["status"] == "published"]
    if not published:
        raise ActionsError(
            f"follow-up survey {survey_id!r} has no published version; publish one before the watch can send it"
        )
    return max(published)


def affected_customers(store: Store, theme_id: str, since: dt.datetime, until: dt.datetime) -> list[str]:
    """Customers with a ticket on the theme created in [since, until)."""
    query = (
        sa.select(sa.distinct(tickets.c.customer_id))
        .select_from(text_analyses.join(tickets, tickets.c.id == text_analyses.c.ticket_id))
        .where(
            text_analyses.c.theme_id == theme_id,
            tickets.c.created_at >= since,
            tickets.c.created_at < until,
            tickets.c.customer_id.is_not(None),
        )
    )
    with store.engine.connect() as conn:
        return sorted(str(c) for c in conn.execute(query).scalars())


def plan_follow_up(
    store: Store, survey_id: str, customer_ids: list[str], *, now: dt.datetime
) -> dict[str, Any]:
    """Invitations of the survey for these customers, in one transaction; counts by outcome."""
    version = published_version(store, survey_id)
    planned: list[str] = []
    with store.begin() as conn:
        stored = get_version(conn, survey_id, version)
        for customer_id in customer_ids:
            invitation = plan_invitation(conn, stored, Trigger("schedule", now, customer_id=customer_id), now)
            if invitation is not None:
                planned.append(invitation)
        rows = conn.execute(
            sa.select(survey_invitations.c.status, survey_invitations.c.reason).where(
                survey_invitations.c.invitation_id.in_(planned)
            )
        ).all() if planned else []  # fmt: skip
    reasons = Counter(str(r.reason) for r in rows if r.status == "suppressed")
    return {
        "survey_id": survey_id,
        "version": version,
        "customers": len(customer_ids),
        "planned": len(planned),
        "scheduled": sum(1 for r in rows if r.status == "scheduled"),
        "suppressed": dict(reasons),
        "invitations": planned,
    }
