"""Tickets as a principal may see them: lists, one ticket with its context, and CSV exports."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from insightdesk.governance.records_audit import AuditContext, audit_access
from insightdesk.governance.records_customers import customer_block
from insightdesk.governance.records_scope import (
    RecordNotFound,
    Where,
    pseudonym,
    scope_condition,
    ticket_filters,
)
from insightdesk.governance.records_text import redacted_texts, text_view
from insightdesk.governance.roles import Permission, Principal
from insightdesk.model.csv_cells import csv_text
from insightdesk.store.tables.canonical import feedback, interactions, problems, teams, ticket_events, tickets

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "status",
    "type",
    "channel",
    "team",
    "product",
    "category",
    "priority",
    "region",
    "language",
    "agent_id",
    "problem_id",
    "resolved_at",
)


def list_tickets(
    engine: sa.Engine, principal: Principal, where: Where, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Ticket rows (no free text, no identity) in the principal's scope, newest first."""
    cond = [scope_condition(principal), *ticket_filters(where)]
    cols = [
        tickets.c.id,
        tickets.c.created_at,
        tickets.c.status,
        tickets.c.type,
        tickets.c.channel,
        teams.c.name.label("team"),
        tickets.c.product,
        tickets.c.category,
        tickets.c.priority,
        tickets.c.region,
        tickets.c.language,
        tickets.c.agent_id,
        tickets.c.problem_id,
        tickets.c.resolved_at,
    ]
    stmt = (
        sa.select(*cols)
        .select_from(tickets.outerjoin(teams, teams.c.id == tickets.c.team_id))
        .where(*cond)
        .order_by(tickets.c.created_at.desc(), tickets.c.id)
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as conn:
        items = [dict(r) for r in conn.execute(stmt).mappings()]
        total = int(conn.execute(sa.select(sa.func.count()).select_from(tickets).where(*cond)).scalar() or 0)
    return items, total


def get_ticket(
    engine: sa.Engine,
    principal: Principal,
    ticket_id: str,
    *,
    raw: bool = False,
    ctx: AuditContext | None = None,
) -> dict[str, Any]:
    """One ticket with its transcript, feedback, linked problem, history and customer.

    Free text is redacted unless `raw` is asked for by a role granted raw text; raw reads and
    identity reads are audited with the ids of every record whose text or identity was shown.
    """
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(tickets, teams.c.name.label("team"))
                .select_from(tickets.outerjoin(teams, teams.c.id == tickets.c.team_id))
                .where(tickets.c.id == ticket_id, scope_condition(principal))
            )
            .mappings()
            .first()
        )
        if row is None:
            raise RecordNotFound(f"no ticket {ticket_id!r} in your scope")
        t = dict(row)
        msgs = _transcript(conn, ticket_id)
        fbs = _feedback(conn, ticket_id)
        events = _events(conn, ticket_id)
        problem = _problem(conn, t["problem_id"]) if t.get("problem_id") else None
        red_ticket = redacted_texts(conn, "tickets", "description", [ticket_id])
        red_subject = redacted_texts(conn, "tickets", "subject", [ticket_id])
        red_msgs = redacted_texts(conn, "interactions", "body", [m["id"] for m in msgs])
        red_fb = redacted_texts(conn, "feedback", "comment", [f["id"] for f in fbs])
        customer = customer_block(conn, principal, t.get("customer_id"))
    raw_ids: list[str] = []
    subject, subject_status = text_view(principal, raw, t.pop("subject"), red_subject, ticket_id)
    description, desc_status = text_view(principal, raw, t.pop("description"), red_ticket, ticket_id)
    if "raw" in (subject_status, desc_status):
        raw_ids.append(ticket_id)
    for m in msgs:
        m["body"], m["text_status"] = text_view(principal, raw, m["body"], red_msgs, m["id"])
        if m["text_status"] == "raw":
            raw_ids.append(m["id"])
    for f in fbs:
        f["comment"], f["text_status"] = text_view(principal, raw, f["comment"], red_fb, f["id"])
        if f["text_status"] == "raw":
            raw_ids.append(f["id"])
    if not principal.can(Permission.IDENTITY):
        t["customer_id"] = pseudonym(t.get("customer_id"))
        t["organisation_id"] = None
    audit_access(engine, ctx, "read.raw_text", "tickets", raw_ids, {"ticket": ticket_id})
    if customer and customer.get("identity"):
        audit_access(engine, ctx, "read.identity", "customers", [customer["id"]], {"ticket": ticket_id})
    t.update(
        subject=subject,
        subject_status=subject_status,
        description=description,
        description_status=desc_status,
    )
    return {
        "ticket": t,
        "customer": customer,
        "transcript": msgs,
        "feedback": fbs,
        "problem": problem,
        "events": events,
    }


def _transcript(conn: sa.Connection, ticket_id: str) -> list[dict[str, Any]]:
    stmt = (
        sa.select(
            interactions.c.id,
            interactions.c.author_role,
            interactions.c.channel,
            interactions.c.body,
            interactions.c.occurred_at,
            interactions.c.seq,
        )
        .where(interactions.c.ticket_id == ticket_id)
        .order_by(interactions.c.conversation_id, interactions.c.seq, interactions.c.occurred_at)
    )
    return [dict(m) for m in conn.execute(stmt).mappings()]


def _feedback(conn: sa.Connection, ticket_id: str) -> list[dict[str, Any]]:
    stmt = (
        sa.select(
            feedback.c.id,
            feedback.c.scale,
            feedback.c.score,
            feedback.c.scale_min,
            feedback.c.scale_max,
            feedback.c.comment,
            feedback.c.answered_at,
            feedback.c.channel,
            feedback.c.language,
        )
        .where(feedback.c.ticket_id == ticket_id)
        .order_by(feedback.c.answered_at)
    )
    return [dict(f) for f in conn.execute(stmt).mappings()]


def _events(conn: sa.Connection, ticket_id: str) -> list[dict[str, Any]]:
    stmt = (
        sa.select(
            ticket_events.c.seq,
            ticket_events.c.event_type,
            ticket_events.c.from_value,
            ticket_events.c.to_value,
            ticket_events.c.occurred_at,
        )
        .where(ticket_events.c.ticket_id == ticket_id)
        .order_by(ticket_events.c.seq)
    )
    return [dict(e) for e in conn.execute(stmt).mappings()]


def _problem(conn: sa.Connection, problem_id: str) -> dict[str, Any] | None:
    """The linked problem with the number of incidents attached to it."""
    p = (
        conn.execute(
            sa.select(
                problems.c.id,
                problems.c.title,
                problems.c.status,
                problems.c.category,
                problems.c.priority,
                problems.c.root_cause,
                problems.c.known_error,
                problems.c.created_at,
            ).where(problems.c.id == problem_id)
        )
        .mappings()
        .first()
    )
    if not p:
        return None
    problem = dict(p)
    problem["incidents"] = int(
        conn.execute(
            sa.select(sa.func.count()).select_from(tickets).where(tickets.c.problem_id == problem_id)
        ).scalar()
        or 0
    )
    return problem


def export_tickets_csv(
    engine: sa.Engine,
    principal: Principal,
    where: Where,
    *,
    ctx: AuditContext | None = None,
    max_rows: int = 100_000,
) -> str:
    """Tickets in scope as CSV (no free text, no identity); the export and its ids are audited."""
    items, _ = list_tickets(engine, principal, where, limit=max_rows, offset=0)
    body = csv_text(EXPORT_COLUMNS, items)
    detail = {"format": "csv", "rows": len(items), "filters": where.active()}
    audit_access(engine, ctx, "export", "tickets", [i["id"] for i in items], detail, when_empty=True)
    return body
