"""Triggers: ticket events from ingest (a scan), from the API or a webhook (one event), and schedules.

The scan reads the ticket events ingest stored since the survey's cursor (by `first_seen_at`, when
InsightDesk first stored them, so late-arriving history is seen once) and plans an invitation for
each event a published survey listens to. Everything of one scan commits with its cursor, so a
crash re-reads the same events and planning is idempotent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.surveys import survey_trigger_cursors
from insightdesk.store.tables.work import ticket_events, tickets
from insightdesk.surveys.planner import Trigger, plan
from insightdesk.surveys.updates import changed_rows
from insightdesk.surveys.versions import StoredVersion, published_versions

TICKET_EVENTS = ("resolved", "closed", "reopened")
SCAN_BATCH = 5000


class TriggerError(ValueError):
    """An event the API cannot accept; the message names the field."""


@dataclass
class PlanResult:
    """What a planning run did, per survey: invitations planned, of which suppressed."""

    planned: dict[str, int] = field(default_factory=dict)
    suppressed: dict[str, int] = field(default_factory=dict)

    def add(self, survey_id: str, suppressed: bool) -> None:
        self.planned[survey_id] = self.planned.get(survey_id, 0) + 1
        if suppressed:
            self.suppressed[survey_id] = self.suppressed.get(survey_id, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.planned.values())


def _record(
    conn: sa.Connection, result: PlanResult, stored: StoredVersion, trigger: Trigger, now: dt.datetime
) -> None:
    invitation_id = plan(conn, stored, trigger, now)
    if invitation_id is not None:
        status = conn.execute(
            sa.text("select status from survey_invitations where invitation_id = :i"), {"i": invitation_id}
        ).scalar()
        result.add(stored.definition.survey, status == "suppressed")


def scan_ticket_events(engine: sa.Engine, now: dt.datetime | None = None) -> PlanResult:
    """Plan invitations for every ticket event stored since each published survey's cursor."""
    now = now or utcnow()
    result = PlanResult()
    with engine.begin() as conn:
        versions = published_versions(conn)
    for stored in versions:
        kinds = [str(k) for k in stored.definition.trigger.events if k in TICKET_EVENTS]
        if kinds:
            _scan_one(engine, stored, kinds, now, result)
    return result


def _scan_one(
    engine: sa.Engine, stored: StoredVersion, kinds: list[str], now: dt.datetime, result: PlanResult
) -> None:
    survey_id = stored.definition.survey
    while True:
        with engine.begin() as conn:
            cursor = conn.execute(
                sa.select(survey_trigger_cursors.c.seen_until).where(
                    survey_trigger_cursors.c.survey_id == survey_id
                )
            ).scalar()
            # A survey starts with the events stored after it was published, never the whole history.
            since = (
                cursor
                or conn.execute(
                    sa.text(
                        "select min(published_at) from survey_versions where survey_id = :s and published_at is not null"
                    ),
                    {"s": survey_id},
                ).scalar()
            )
            rows = conn.execute(
                sa.select(
                    ticket_events.c.ticket_id,
                    ticket_events.c.event_type,
                    ticket_events.c.occurred_at,
                    ticket_events.c.first_seen_at,
                )
                .where(ticket_events.c.event_type.in_(kinds))
                .where(ticket_events.c.first_seen_at > since)
                .order_by(ticket_events.c.first_seen_at, ticket_events.c.id)
                .limit(SCAN_BATCH)
            ).all()
            if not rows:
                return
            # A batch ends on a whole first_seen_at: rows sharing the last time would be skipped.
            last = rows[-1].first_seen_at
            if len(rows) == SCAN_BATCH and rows[0].first_seen_at != last:
                rows = [r for r in rows if r.first_seen_at != last]
                last = rows[-1].first_seen_at
            for row in rows:
                trigger = Trigger(row.event_type, row.occurred_at, ticket_id=row.ticket_id)
                _record(conn, result, stored, trigger, now)
            _move_cursor(conn, survey_id, last, now)
        if len(rows) < SCAN_BATCH - 1:
            return


def _move_cursor(conn: sa.Connection, survey_id: str, seen_until: dt.datetime, now: dt.datetime) -> None:
    updated = changed_rows(
        conn,
        survey_trigger_cursors.update()
        .where(survey_trigger_cursors.c.survey_id == survey_id)
        .values(seen_until=seen_until, updated_at=now),
        survey_trigger_cursors.c.survey_id,
    )
    if not updated:
        conn.execute(
            survey_trigger_cursors.insert().values(survey_id=survey_id, seen_until=seen_until, updated_at=now)
        )


def submit_ticket_event(
    engine: sa.Engine,
    ticket_id: str,
    event: str,
    occurred_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> PlanResult:
    """One ticket event from the API or a webhook: planned for every published survey listening to it."""
    if event not in TICKET_EVENTS:
        raise TriggerError(f"event: {event!r} is not one of {', '.join(TICKET_EVENTS)}")
    now = now or utcnow()
    occurred = occurred_at or now
    if occurred.tzinfo is not None:
        try:
            occurred = occurred.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:
            raise TriggerError(f"occurred_at: {occurred.isoformat()} is out of range") from None
    if occurred > now + dt.timedelta(minutes=5):
        raise TriggerError(f"occurred_at: {occurred.isoformat()} is in the future")
    result = PlanResult()
    with engine.begin() as conn:
        if conn.execute(sa.select(tickets.c.id).where(tickets.c.id == ticket_id)).first() is None:
            raise TriggerError(f"ticket_id: ticket {ticket_id!r} is not in the store")
        for stored in published_versions(conn):
            if event in stored.definition.trigger.events:
                _record(conn, result, stored, Trigger(event, occurred, ticket_id=ticket_id), now)
    return result


def schedule_relationship(engine: sa.Engine, now: dt.datetime | None = None) -> PlanResult:
    """Relationship surveys: each customer once per `every_days` period (fatigue rules still apply)."""
    now = now or utcnow()
    result = PlanResult()
    with engine.begin() as conn:
        for stored in published_versions(conn):
            every = stored.definition.trigger.every_days
            if "schedule" not in stored.definition.trigger.events or not every:
                continue
            period_s = every * 86400
            start = dt.datetime.fromtimestamp(
                int(now.replace(tzinfo=dt.UTC).timestamp()) // period_s * period_s, dt.UTC
            )
            period_start = start.replace(tzinfo=None)
            ids = conn.execute(
                sa.select(customers.c.id).where(~customers.c.is_stub).order_by(customers.c.id)
            ).scalars()
            for customer_id in list(ids):
                trigger = Trigger("schedule", period_start, customer_id=customer_id)
                _record(conn, result, stored, trigger, now)
    return result
