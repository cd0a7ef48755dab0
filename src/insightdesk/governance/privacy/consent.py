"""The consent ledger: record a person's decision per purpose, ask whether it holds at a time.

Every decision is a new row of `consent_events` (nothing is updated), so the ledger shows who said
what, when and how we learnt it. The latest event in effect at a time decides; a person with no
event for a purpose has not consented ("unknown means no"). Every function takes a SQLAlchemy
Connection and runs inside the caller's transaction, so a survey send and the consent check it
relied on commit together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from insightdesk.governance.clock import new_id, utcnow
from insightdesk.governance.privacy.purposes import ConsentPurpose, ConsentSource, parse_purpose
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.privacy import consent_events

__all__ = [
    "ConsentError",
    "consent_history",
    "consent_select",
    "consented_customers",
    "has_consent",
    "record_consent",
]


class ConsentError(ValueError):
    """A consent decision that cannot be recorded; the message names the field and the problem."""


def _purpose(purpose: ConsentPurpose | str) -> ConsentPurpose:
    try:
        return parse_purpose(str(purpose))
    except ValueError as exc:
        raise ConsentError(str(exc)) from None


def _source(source: ConsentSource | str) -> ConsentSource:
    try:
        return ConsentSource(str(source))
    except ValueError:
        allowed = ", ".join(s.value for s in ConsentSource)
        raise ConsentError(f"unknown consent source {source!r}: use one of {allowed}") from None


def record_consent(
    conn: sa.Connection,
    customer_id: str,
    purpose: ConsentPurpose | str,
    granted: bool,
    source: ConsentSource | str,
    actor: str,
    at: dt.datetime | None = None,
    *,
    provenance: str | None = None,
) -> str:
    """Append one decision of `customer_id` about `purpose`; returns the event id.

    `at` is when the person decided (default now, UTC, naive); `provenance` is evidence that names
    no person (a batch id, an unsubscribe link's id). The customer must exist: consent of an
    unknown id would be silently useless to every check.
    """
    checked = _purpose(purpose)
    origin = _source(source)
    if not isinstance(granted, bool):
        raise ConsentError(
            f"consent of customer {customer_id!r}: granted must be true or false, not {granted!r}"
        )
    if not actor:
        raise ConsentError(f"consent of customer {customer_id!r}: actor is empty; say who records it")
    known = conn.execute(sa.select(customers.c.id).where(customers.c.id == customer_id)).first()
    if known is None:
        raise ConsentError(f"consent: customer {customer_id!r} is not in the store")
    now = utcnow()
    event_id = new_id("consent-")
    conn.execute(
        consent_events.insert().values(
            event_id=event_id,
            customer_id=customer_id,
            purpose=checked.value,
            granted=granted,
            source=origin.value,
            provenance=provenance,
            actor=actor,
            effective_at=_naive_utc(at) if at is not None else now,
            recorded_at=now,
        )
    )
    return event_id


def _naive_utc(at: dt.datetime) -> dt.datetime:
    """Both engines store naive UTC; an aware time is converted, a naive one is taken as UTC."""
    if at.tzinfo is not None:
        return at.astimezone(dt.UTC).replace(tzinfo=None)
    return at


def _latest(purpose: ConsentPurpose, at: dt.datetime | None) -> sa.Subquery:
    """Each person's latest decision about `purpose` in effect at `at` (default: now)."""
    cutoff = _naive_utc(at) if at is not None else utcnow()
    ranked = (
        sa.select(
            consent_events.c.customer_id,
            consent_events.c.granted,
            sa.func.row_number()
            .over(
                partition_by=consent_events.c.customer_id,
                order_by=(
                    consent_events.c.effective_at.desc(),
                    consent_events.c.recorded_at.desc(),
                    consent_events.c.event_id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(consent_events.c.purpose == purpose.value, consent_events.c.effective_at <= cutoff)
        .subquery("ranked_consent")
    )
    return sa.select(ranked.c.customer_id, ranked.c.granted).where(ranked.c.rank == 1).subquery("latest")


def consent_select(purpose: ConsentPurpose | str, at: dt.datetime | None = None) -> sa.Select[tuple[str]]:
    """A SELECT of the customer ids that consent to `purpose` at `at`, to join or `IN` in other queries.

    For SQL written as text, compile it with `literal_binds` on the caller's dialect, or use
    `consented_customers` for a set of ids.
    """
    latest = _latest(_purpose(purpose), at)
    return sa.select(latest.c.customer_id).where(latest.c.granted.is_(True))


def has_consent(
    conn: sa.Connection, customer_id: str, purpose: ConsentPurpose | str, at: dt.datetime | None = None
) -> bool:
    """Whether `customer_id` consents to `purpose` at `at` (default now). Unknown means no."""
    latest = _latest(_purpose(purpose), at)
    row = conn.execute(sa.select(latest.c.granted).where(latest.c.customer_id == customer_id)).first()
    return bool(row is not None and row.granted)


def consented_customers(
    conn: sa.Connection,
    purpose: ConsentPurpose | str,
    at: dt.datetime | None = None,
    among: Iterable[str] | None = None,
) -> set[str]:
    """The ids of everyone who consents to `purpose` at `at`; with `among`, only those of them."""
    query = consent_select(purpose, at)
    ids = set(conn.execute(query).scalars())
    return ids if among is None else ids & set(among)


def consent_history(conn: sa.Connection, customer_id: str) -> list[dict[str, object]]:
    """Every consent event of one person, oldest first: the ledger's provenance for them."""
    rows = conn.execute(
        sa.select(consent_events)
        .where(consent_events.c.customer_id == customer_id)
        .order_by(consent_events.c.effective_at, consent_events.c.recorded_at, consent_events.c.event_id)
    )
    return [dict(r._mapping) for r in rows]
