"""Rows for the survey tests written straight into the canonical tables (fast; the end-to-end test
loads its desk through the real ingest instead)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.governance.privacy import record_consent
from insightdesk.store.tables.people import customer_contacts, customers
from insightdesk.store.tables.work import ticket_events, tickets
from insightdesk.surveys import publish, save_definition

EXAMPLE = Path(__file__).resolve().parents[2] / "src/insightdesk/surveys/examples/post_resolution.yaml"
PAST = dt.datetime(2026, 1, 1)


def _lineage(row_id: str, at: dt.datetime) -> dict[str, object]:
    return {
        "source_system": "test",
        "source_id": row_id,
        "batch_id": "test-batch",
        "record_hash": hashlib.sha256(row_id.encode()).hexdigest(),
        "first_seen_at": at,
        "last_changed_at": at,
    }


def add_customer(
    engine: sa.Engine,
    customer_id: str,
    *,
    language: str = "en",
    timezone: str = "Europe/London",
    email: str | None = "default",
    phone: str | None = None,
    consent: bool | None = True,
) -> str:
    with engine.begin() as conn:
        conn.execute(
            customers.insert().values(
                id=customer_id,
                name="Test Person",
                language=language,
                timezone=timezone,
                **_lineage(customer_id, PAST),
            )
        )
        address = f"{customer_id}@example.org" if email == "default" else email
        for kind, value in (("email", address), ("phone", phone)):
            if value:
                contact_id = f"{customer_id}:{kind}"
                conn.execute(
                    customer_contacts.insert().values(
                        id=contact_id,
                        customer_id=customer_id,
                        kind=kind,
                        value=value,
                        is_primary=True,
                        **_lineage(contact_id, PAST),
                    )
                )
        if consent is not None:
            record_consent(conn, customer_id, "survey", consent, "import", "test", at=PAST)
    return customer_id


def add_ticket(
    engine: sa.Engine,
    ticket_id: str,
    customer_id: str,
    *,
    now: dt.datetime,
    channel: str = "email",
    status: str = "resolved",
    type_: str = "incident",
    event: str | None = "resolved",
    event_at: dt.datetime | None = None,
    stored_at: dt.datetime | None = None,
) -> str:
    """A ticket, and (unless `event` is None) its event, stored at `stored_at` (default: the clock now)."""
    with engine.begin() as conn:
        conn.execute(
            tickets.insert().values(
                id=ticket_id,
                type=type_,
                channel=channel,
                status=status,
                customer_id=customer_id,
                agent_id="agent-1",
                priority="medium",
                created_at=now - dt.timedelta(days=1),
                resolved_at=now - dt.timedelta(hours=1) if status in ("resolved", "closed") else None,
                reopen_count=0,
                **_lineage(ticket_id, now),
            )
        )
        if event:
            event_id = f"{ticket_id}:{event}"
            conn.execute(
                ticket_events.insert().values(
                    id=event_id,
                    ticket_id=ticket_id,
                    seq=1,
                    event_type=event,
                    from_value="open",
                    to_value=event,
                    occurred_at=event_at or now - dt.timedelta(hours=1),
                    **_lineage(event_id, stored_at or utcnow()),
                )
            )
    return ticket_id


def example_text(**replace: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def publish_example(engine: sa.Engine, **replace: str) -> str:
    saved = save_definition(engine, example_text(**replace))
    publish(engine, saved.survey_id, saved.version)
    return saved.survey_id
