"""Turn one trigger (a ticket event, or a customer's turn for a relationship survey) into an invitation.

The invitation is always written: scheduled with its due time, or suppressed with the reason. Its
id is a hash of survey, subject and event, so planning the same event twice (a re-run, the same
event by ingest and by webhook) finds the row already there and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.store.tables.work import tickets
from insightdesk.surveys.conditions import parse_condition
from insightdesk.surveys.definition import Fatigue
from insightdesk.surveys.eligibility import Refusal, refusal
from insightdesk.surveys.sampling import sampling_refusal, segment_of
from insightdesk.surveys.versions import StoredVersion

MAX_EVENT_AGE = dt.timedelta(days=7)


@dataclass(frozen=True)
class Trigger:
    """What happened: a ticket event, or a relationship survey's period for a customer."""

    kind: str  # resolved, closed, reopened, schedule
    occurred_at: dt.datetime
    ticket_id: str | None = None
    customer_id: str | None = None


def invitation_id_for(survey_id: str, trigger: Trigger) -> str:
    subject = trigger.ticket_id or f"customer:{trigger.customer_id}"
    key = f"{survey_id}|{subject}|{trigger.kind}|{trigger.occurred_at.isoformat()}"
    return "inv_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _row(conn: sa.Connection, table: sa.Table, key: str | None) -> dict[str, Any]:
    if key is None:
        return {}
    row = conn.execute(sa.select(table).where(table.c.id == key)).first()
    return dict(row._mapping) if row else {}


def outside_quiet_hours(due: dt.datetime, timezone: str | None, fatigue: Fatigue) -> dt.datetime:
    """`due` (naive UTC), moved to the end of the customer's quiet hours when it falls inside them."""
    window = fatigue.quiet_window()
    if window is None:
        return due
    try:
        zone = zoneinfo.ZoneInfo(timezone) if timezone else zoneinfo.ZoneInfo("UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")  # an unknown zone: UTC rather than no quiet hours at all
    local = due.replace(tzinfo=dt.UTC).astimezone(zone)
    start, end = window
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return due
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    moved = dt.datetime.combine(day, end, tzinfo=zone)
    return moved.astimezone(dt.UTC).replace(tzinfo=None)


def plan(
    conn: sa.Connection, stored: StoredVersion, trigger: Trigger, now: dt.datetime | None = None
) -> str | None:
    """Write the invitation for `trigger` (scheduled or suppressed); its id, or None if it existed."""
    now = now or utcnow()
    definition = stored.definition
    invitation_id = invitation_id_for(definition.survey, trigger)
    exists = conn.execute(
        sa.select(survey_invitations.c.invitation_id).where(
            survey_invitations.c.invitation_id == invitation_id
        )
    ).first()
    if exists is not None:
        return None
    ticket = _row(conn, tickets, trigger.ticket_id)
    customer_id = trigger.customer_id or ticket.get("customer_id")
    customer = _row(conn, customers, customer_id)
    facts: Mapping[str, Mapping[str, Any]] = {"ticket": ticket, "customer": customer}
    segment = segment_of(definition.trigger.sampling, facts)
    found = _first_refusal(conn, stored, trigger, facts, invitation_id, segment, customer_id, now)
    due = max(trigger.occurred_at + dt.timedelta(seconds=definition.delay_s), now)
    if found is None:
        due = outside_quiet_hours(due, customer.get("timezone"), definition.fatigue)
    conn.execute(
        survey_invitations.insert().values(
            invitation_id=invitation_id,
            survey_id=definition.survey,
            version=stored.version,
            trigger=trigger.kind,
            ticket_id=trigger.ticket_id,
            customer_id=customer_id,
            agent_id=ticket.get("agent_id"),
            segment=segment,
            channel=definition.channel,
            language=definition.language_for(customer.get("language") or ticket.get("language")),
            status="suppressed" if found else "scheduled",
            reason=found.reason if found else None,
            detail=found.detail if found else None,
            event_at=trigger.occurred_at,
            created_at=now,
            due_at=None if found else due,
            attempts=0,
        )
    )
    return invitation_id


def _first_refusal(
    conn: sa.Connection,
    stored: StoredVersion,
    trigger: Trigger,
    facts: Mapping[str, Mapping[str, Any]],
    invitation_id: str,
    segment: str | None,
    customer_id: str | None,
    now: dt.datetime,
) -> Refusal | None:
    definition = stored.definition
    if trigger.ticket_id is not None and not facts["ticket"]:
        return Refusal("unknown_ticket", f"ticket {trigger.ticket_id!r} is not in the store")
    if trigger.kind != "schedule" and now - trigger.occurred_at > MAX_EVENT_AGE:
        return Refusal("stale_event", f"the event is older than {MAX_EVENT_AGE.days} days when it arrived")
    for text in definition.trigger.conditions:
        if not parse_condition(text).evaluate(facts):
            return Refusal("condition", f"trigger condition `{text}` does not hold")
    found = refusal(conn, definition, customer_id, trigger.ticket_id, now)
    if found is not None:
        return found
    return sampling_refusal(conn, definition.survey, invitation_id, definition.trigger.sampling, segment, now)
