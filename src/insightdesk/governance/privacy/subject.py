"""Who a request is about: a person found by customer id or email, through every contact they have.

Customers that share an email address or phone number with the person are the same person (one
person, several helpdesk accounts), and so are records identity resolution put in one person
(identity_links): the search follows both until it finds no new customer.
Then `row_filter` says, for each catalogued table, which of its rows are that person's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.privacy.catalogue import ENTRIES, customer_tables
from insightdesk.governance.privacy.catalogue_model import Link
from insightdesk.store.tables import load_all_tables
from insightdesk.store.tables.people import customer_contacts, customers

# A person rarely has more than a few accounts; a chain longer than this is a data error.
_MAX_ROUNDS = 10


class SubjectError(ValueError):
    """A request names nobody or something unusable; the message says which."""


@dataclass
class Person:
    """Everything that identifies one person in the store."""

    customer_ids: list[str]
    source_ids: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def identifiers(self) -> list[str]:
        """What a tombstone keeps (hashed): ids and contacts, each of which an export may carry."""
        return sorted({*self.customer_ids, *self.emails, *self.phones})

    def needles(self) -> list[str]:
        """What an embedded copy (a quarantined raw record, a payload) is searched for.

        Source ids are short and may be digits only, so they are searched as JSON strings (`"C1"`).
        """
        quoted = [json.dumps(s) for s in self.source_ids]
        return sorted({*self.customer_ids, *self.emails, *self.phones, *quoted})


def find_person(
    conn: sa.Connection, *, customer_id: str | None = None, email: str | None = None, follow: bool = True
) -> Person | None:
    """The person with this customer id or email, and (with `follow`) every account linked to it."""
    if (customer_id is None) == (email is None):
        raise SubjectError("name the person by exactly one of a customer id or an email address")
    if customer_id is not None:
        seed = set(
            conn.execute(sa.select(customers.c.id).where(customers.c.id == customer_id.strip())).scalars()
        )
    else:
        address = (email or "").strip().lower()
        if "@" not in address:
            raise SubjectError(f"email {email!r} is not an email address")
        seed = set(
            conn.execute(
                sa.select(customer_contacts.c.customer_id).where(
                    customer_contacts.c.kind == "email", sa.func.lower(customer_contacts.c.value) == address
                )
            ).scalars()
        )
    if not seed:
        return None
    ids = _follow_contacts(conn, seed) if follow else seed
    contacts = conn.execute(
        sa.select(customer_contacts.c.kind, customer_contacts.c.value).where(
            customer_contacts.c.customer_id.in_(ids)
        )
    ).all()
    rows = conn.execute(
        sa.select(customers.c.source_id, customers.c.name).where(customers.c.id.in_(ids))
    ).all()
    return Person(
        customer_ids=sorted(ids),
        source_ids=sorted({r.source_id for r in rows if r.source_id}),
        emails=sorted({v.lower() for k, v in contacts if k == "email"}),
        phones=sorted({v for k, v in contacts if k == "phone"}),
        names=sorted({r.name for r in rows if r.name}),
    )


def _follow_contacts(conn: sa.Connection, seed: set[str]) -> set[str]:
    """Accounts sharing a contact value, and (once identity resolution has run) the same person."""
    ids = set(seed)
    resolved = load_all_tables().tables.get("identity_links")
    for _ in range(_MAX_ROUNDS):
        values = sa.select(customer_contacts.c.value).where(customer_contacts.c.customer_id.in_(ids))
        linked = set(
            conn.execute(
                sa.select(customer_contacts.c.customer_id).where(customer_contacts.c.value.in_(values))
            ).scalars()
        )
        if resolved is not None:
            persons = sa.select(resolved.c.person_id).where(resolved.c.record_id.in_(ids))
            linked |= set(
                conn.execute(
                    sa.select(resolved.c.record_id).where(resolved.c.person_id.in_(persons))
                ).scalars()
            )
        if linked <= ids:
            return ids
        ids |= linked
    raise SubjectError(
        f"contacts link more than {_MAX_ROUNDS} rounds of accounts; resolve them by customer id"
    )


def row_filter(table_name: str, person: Person) -> sa.ColumnElement[bool] | None:
    """Which rows of `table_name` are `person`'s (None: the table has no link to customers)."""
    entry = ENTRIES.get(table_name)
    if entry is None or entry.link is None:
        return None
    return _link_filter(table_name, entry.link, person.customer_ids, person.needles(), depth=0)


def customers_filter(table_name: str, customer_ids: sa.Select[Any]) -> sa.ColumnElement[bool] | None:
    """Which rows of `table_name` belong to the customers `customer_ids` selects (None: no link, or
    only an embedded one, which a selection of many customers cannot search)."""
    entry = ENTRIES.get(table_name)
    if entry is None or entry.link is None:
        return None
    return _link_filter(table_name, entry.link, customer_ids, None, depth=0)


def _link_filter(
    table_name: str,
    link: Link,
    ids: Sequence[str] | sa.Select[Any],
    needles: Sequence[str] | None,
    depth: int,
) -> sa.ColumnElement[bool] | None:
    table = load_all_tables().tables[table_name]
    if depth > 3:
        raise SubjectError(f"the catalogue's links from {table_name} loop")
    if link.entity_column is not None and link.column is not None:
        parts = []
        for other, entry in customer_tables().items():
            other_table = load_all_tables().tables[other]
            if "id" not in other_table.columns or entry.link is None or entry.link.entity_column:
                continue
            inner = _link_filter(other, entry.link, ids, needles, depth + 1)
            if inner is not None:
                records = sa.select(other_table.c.id).where(inner)
                parts.append(sa.and_(table.c[link.entity_column] == other, table.c[link.column].in_(records)))
        return sa.or_(*parts) if parts else None
    if link.via is not None and link.column is not None:
        via_entry = ENTRIES[link.via]
        if via_entry.link is None:
            return None
        inner = _link_filter(link.via, via_entry.link, ids, needles, depth + 1)
        if inner is None:
            return None
        via_table = load_all_tables().tables[link.via]
        return table.c[link.column].in_(sa.select(via_table.c[link.via_key]).where(inner))
    if link.column is not None:
        return table.c[link.column].in_(ids)
    if link.embedded and needles:
        return sa.or_(*[table.c[col].contains(n, autoescape=True) for col in link.embedded for n in needles])
    return None
