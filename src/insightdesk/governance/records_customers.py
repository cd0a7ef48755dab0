"""A customer's record as a principal may see it: identity and contacts only with identity.read."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from insightdesk.governance.records_audit import AuditContext, audit_access
from insightdesk.governance.records_scope import RecordNotFound, pseudonym, scope_condition
from insightdesk.governance.roles import Permission, Principal, Scope
from insightdesk.store.tables.canonical import customer_contacts, customers, organisations, tickets


def customer_block(
    conn: sa.Connection, principal: Principal, customer_id: str | None
) -> dict[str, Any] | None:
    """The customer's attributes; name, organisation and contacts too for roles granted identity."""
    if not customer_id:
        return None
    c = (
        conn.execute(
            sa.select(
                customers.c.id,
                customers.c.name,
                customers.c.tier,
                customers.c.segment,
                customers.c.region,
                customers.c.country,
                customers.c.language,
                organisations.c.name.label("organisation"),
            )
            .select_from(
                customers.outerjoin(organisations, organisations.c.id == customers.c.organisation_id)
            )
            .where(customers.c.id == customer_id)
        )
        .mappings()
        .first()
    )
    if c is None:
        return None
    block = {k: c[k] for k in ("tier", "segment", "region", "language")}
    if principal.can(Permission.IDENTITY):
        contacts = [
            dict(r)
            for r in conn.execute(
                sa.select(customer_contacts.c.kind, customer_contacts.c.value).where(
                    customer_contacts.c.customer_id == customer_id
                )
            ).mappings()
        ]
        block.update(
            id=c["id"],
            name=c["name"],
            organisation=c["organisation"],
            country=c["country"],
            contacts=contacts,
            identity=True,
        )
    else:
        block.update(id=pseudonym(customer_id), identity=False)
    return block


def get_customer(
    engine: sa.Engine, principal: Principal, customer_id: str, *, ctx: AuditContext | None = None
) -> dict[str, Any]:
    """A customer's identity (the route requires identity.read); scope: a ticket of theirs in reach."""
    with engine.connect() as conn:
        reach = conn.execute(
            sa.select(sa.func.count())
            .select_from(tickets)
            .where(tickets.c.customer_id == customer_id, scope_condition(principal))
        ).scalar()
        if principal.scope is not Scope.ALL and not reach:
            raise RecordNotFound(f"no customer {customer_id!r} in your scope")
        block = customer_block(conn, principal, customer_id)
        if block is None:
            raise RecordNotFound(f"no customer {customer_id!r}")
        block["tickets"] = int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(tickets)
                .where(tickets.c.customer_id == customer_id, scope_condition(principal))
            ).scalar()
            or 0
        )
    audit_access(engine, ctx, "read.identity", "customers", [customer_id], {})
    return block
