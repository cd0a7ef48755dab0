"""Erasure: remove or irreversibly anonymise every trace of one person, in one transaction.

What stays: tickets, feedback scores and interactions as anonymous records (their free text goes),
re-pointed at an anonymous customer row that keeps only segment attributes (tier, region...), so
referential integrity and the KPIs hold. What goes: the customer's name, contacts, consent events,
legal holds, old record versions, quarantined raw records naming them, their free text everywhere
(redacted text and theme quotes included). A tombstone per identifier (keyed hash) keeps a later
re-import from bringing them back. The audit entry names the request and the counts, nobody.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.governance.privacy import rowcount
from insightdesk.governance.privacy.catalogue import ENTRIES, customer_tables
from insightdesk.governance.privacy.catalogue_model import DataClass, TableEntry
from insightdesk.governance.privacy.export import NoRecords
from insightdesk.governance.privacy.subject import Person, find_person, row_filter
from insightdesk.governance.privacy.traces import find_traces
from insightdesk.ingest.erased_subjects import TOMBSTONE_KEY_ID, tombstone_hash
from insightdesk.store.tables import load_all_tables
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.privacy import (
    CUSTOMER_CONSENT_COLUMNS,
    erasure_tombstones,
    legal_holds,
    privacy_keys,
    privacy_requests,
)
from insightdesk.store.tables.text import text_analyses, themes

# Rows that exist only to say something about the person: deleted, not anonymised.
DELETED_TABLES = frozenset(
    {
        "customer_contacts",
        "consent_events",
        "legal_holds",
        "record_history",
        "quarantine",
        "survey_suppressions",
        "identity_links",
        "identity_person_values",
        "identity_review_pairs",
        "identity_constraints",
    }
)
# Written elsewhere and never rewritten: the audit log is a legal record (docs/privacy.md).
NOT_ERASED = frozenset({"audit_log"})
_BLANKED = (DataClass.FREE_TEXT, DataClass.CONTACT)


class ErasureRefused(ValueError):
    """The erasure may not run (a legal hold); the message gives the reason."""


@dataclass
class ErasureResult:
    anonymous_id: str
    customers: int
    counts: dict[str, int] = field(default_factory=dict)
    tombstones: int = 0
    residual: dict[str, int] = field(default_factory=dict)
    """Text columns still holding an identifier of the person (expected empty)."""


def _tombstone_secret(conn: sa.Connection) -> str:
    secret = conn.execute(
        sa.select(privacy_keys.c.secret).where(privacy_keys.c.key_id == TOMBSTONE_KEY_ID)
    ).scalar()
    if secret is None:
        secret = secrets.token_hex(32)
        conn.execute(
            privacy_keys.insert().values(key_id=TOMBSTONE_KEY_ID, secret=secret, created_at=utcnow())
        )
    return str(secret)


def erase_subject(
    conn: sa.Connection,
    *,
    customer_id: str | None = None,
    email: str | None = None,
    request_id: str | None = None,
    retention: bool = False,
) -> ErasureResult:
    """Erase the person inside the caller's transaction (all or nothing). Raises NoRecords or ErasureRefused.

    With `retention` (an identity that expired, not a request) only that one account is anonymised,
    no tombstone is left (the person may come back as a new customer) and no residual search runs.
    """
    person = find_person(conn, customer_id=customer_id, email=email, follow=not retention)
    if person is None:
        raise NoRecords("no records: nobody in the store matches that customer id or email address")
    hold = conn.execute(
        sa.select(legal_holds.c.hold_id).where(
            legal_holds.c.customer_id.in_(person.customer_ids), legal_holds.c.released_at.is_(None)
        )
    ).first()
    if hold is not None:
        raise ErasureRefused(f"refused: the person is under open legal hold {hold.hold_id}; lift it first")
    token = secrets.token_hex(8)
    result = ErasureResult(anonymous_id=f"erased:{token}", customers=len(person.customer_ids))
    texts = _their_texts(conn, person)
    # Dependent tables first: their filters read the customer ids that the direct tables change.
    ordered = sorted(customer_tables().items(), key=_dependents_first)
    filters = {name: row_filter(name, person) for name, _ in ordered}
    for name, entry in ordered:
        condition = filters[name]
        if condition is None or name in NOT_ERASED or name == "customers":
            continue
        table = load_all_tables().tables[name]
        if name in DELETED_TABLES:
            changed = rowcount.changed(conn, table.delete().where(condition))
        else:
            values = _blanked_values(name, table, person)
            if entry.link is not None and _is_direct(entry):
                values[str(entry.link.column)] = result.anonymous_id
            changed = (
                rowcount.changed(conn, table.update().where(condition).values(**values)) if values else 0
            )
        if changed:
            result.counts[name] = int(changed)
    result.counts["themes.quotes"] = drop_quotes(conn, texts | set(person.needles()) | set(person.names))
    _anonymise_customers(conn, person, result.anonymous_id, token)
    result.counts["customers"] = len(person.customer_ids)
    if not retention:
        result.tombstones = _tombstone(conn, person, request_id)
    conn.execute(
        privacy_requests.update()
        .where(sa.func.lower(privacy_requests.c.subject).in_([i.lower() for i in person.identifiers()]))
        .values(subject=None)
    )
    result.counts = {k: v for k, v in result.counts.items() if v}
    if not retention:
        result.residual = find_traces(conn, [*person.needles(), *person.names], skip=NOT_ERASED)
    return result


def _is_direct(entry: TableEntry) -> bool:
    """The row names a customers.id itself (not through another table or a record id)."""
    link = entry.link
    return link is not None and link.column is not None and link.via is None and link.entity_column is None


def _dependents_first(item: tuple[str, TableEntry]) -> tuple[bool, bool]:
    name, entry = item
    return _is_direct(entry), name == "customers"


def _their_texts(conn: sa.Connection, person: Person) -> set[str]:
    """The person's redacted texts, to find their theme quotes."""
    condition = row_filter("text_analyses", person)
    if condition is None:
        return set()
    rows = conn.execute(sa.select(text_analyses.c.redacted_text).where(condition)).scalars()
    return {t.strip() for t in rows if t and t.strip()}


def _blanked_values(name: str, table: sa.Table, person: Person) -> dict[str, object]:
    """Free text and contacts emptied; any other text column emptied where it holds one of the
    person's identifiers or names (an event's actor, a delivery's address)."""
    classes = ENTRIES[name].classes()
    link = ENTRIES[name].link
    keep = {link.column, link.entity_column} if link is not None else set()
    values: dict[str, object] = {}
    identifiers = [*person.needles(), *person.customer_ids, *person.names]
    for column in table.columns:
        if column.name in keep or column.primary_key or not isinstance(column.type, sa.String | sa.Text):
            continue
        empty = None if column.nullable else ""
        if classes.get(column.name) in _BLANKED:
            values[column.name] = empty
        elif classes.get(column.name) is DataClass.IDENTITY:
            values[column.name] = sa.case((column.in_(identifiers), empty), else_=column)
    return values


def drop_quotes(conn: sa.Connection, needles: set[str]) -> int:
    lowered = [n.lower() for n in needles if n]
    dropped = 0
    for theme_id, quotes in conn.execute(
        sa.select(themes.c.theme_id, themes.c.quotes).where(themes.c.quotes.is_not(None))
    ).all():
        kept = [
            q
            for q in json.loads(quotes)
            if not any(n in str(q).lower() or str(q).strip().lower() in n for n in lowered)
        ]
        if len(kept) != len(json.loads(quotes)):
            dropped += len(json.loads(quotes)) - len(kept)
            conn.execute(themes.update().where(themes.c.theme_id == theme_id).values(quotes=json.dumps(kept)))
    return dropped


def _anonymise_customers(conn: sa.Connection, person: Person, anonymous_id: str, token: str) -> None:
    """One anonymous row keeps the segment attributes of the first account; the others go."""
    first, *others = person.customer_ids
    if others:
        conn.execute(customers.delete().where(customers.c.id.in_(others)))
    blank = {
        c.name: None
        for c in customers.columns
        if ENTRIES["customers"].classes().get(c.name)
        in (DataClass.IDENTITY, DataClass.CONTACT, DataClass.FREE_TEXT)
        and c.nullable
        and not c.primary_key
    }
    # Every imported consent flag goes (the mapping ingest reads, so a new flag cannot be missed).
    consent = dict.fromkeys(CUSTOMER_CONSENT_COLUMNS)
    conn.execute(
        customers.update()
        .where(customers.c.id == first)
        .values(
            **blank,
            **consent,
            id=anonymous_id,
            source_id=token,
            record_hash="erased",
            last_changed_at=utcnow(),
        )
    )


def _tombstone(conn: sa.Connection, person: Person, request_id: str | None) -> int:
    secret = _tombstone_secret(conn)
    kinds = {**dict.fromkeys(person.customer_ids, "customer_id"), **dict.fromkeys(person.emails, "email")}
    kinds.update(dict.fromkeys(person.phones, "phone"))
    hashes = {tombstone_hash(secret, value): kind for value, kind in kinds.items()}
    known = set(
        conn.execute(
            sa.select(erasure_tombstones.c.identifier_hash).where(
                erasure_tombstones.c.identifier_hash.in_(hashes)
            )
        ).scalars()
    )
    fresh = [
        {"identifier_hash": h, "identifier_kind": k, "request_id": request_id, "erased_at": utcnow()}
        for h, k in hashes.items()
        if h not in known
    ]
    if fresh:
        conn.execute(erasure_tombstones.insert(), fresh)
    return len(fresh)
