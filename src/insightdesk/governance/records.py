"""Record reads under a principal's scope: tickets, feedback, transcripts, customers.

The route has already checked the role's permission; this module applies the row scope (all,
team, own), chooses redacted or raw text, hides customer identities from roles without them, and
appends every raw-text read, identity read and export to the audit log before returning.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from insightdesk.governance import audit
from insightdesk.governance.clock import sha256
from insightdesk.governance.roles import Permission, Principal, Scope
from insightdesk.store.tables.canonical import (
    customer_contacts,
    customers,
    feedback,
    interactions,
    organisations,
    problems,
    teams,
    ticket_events,
    tickets,
)

# Text analytics tables (migration 0002) named without importing their module: the pages use
# them when they hold rows and say so plainly when they do not.
text_analyses = sa.table(
    "text_analyses",
    sa.column("entity"),
    sa.column("record_id"),
    sa.column("field"),
    sa.column("redacted_text"),
    sa.column("sentiment_label"),
    sa.column("theme_id"),
)

TEXT_NOT_ANALYSED = "not_analysed"


class RecordNotFound(LookupError):
    """No such record within the caller's scope (deliberately the same answer for both)."""


@dataclass(frozen=True)
class Where:
    """Filters of record lists; the same names as the dashboard's filter bar."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    channel: str | None = None
    team: str | None = None
    product: str | None = None
    tier: str | None = None
    region: str | None = None
    language: str | None = None
    category: str | None = None
    priority: str | None = None
    status: str | None = None
    problem_id: str | None = None
    scale: str | None = None

    def active(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class AuditContext:
    actor: str
    role: str
    ip: str | None


def ctx_of(principal: Principal, ip: str | None) -> AuditContext:
    return AuditContext(principal.username, principal.role.value, ip)


def pseudonym(customer_id: str | None) -> str | None:
    """A stable stand-in for a customer id (ids can embed handles or emails)."""
    return None if customer_id is None else "cust-" + sha256("insightdesk:" + customer_id)[:12]


def scope_condition(principal: Principal, t: Any = tickets) -> Any:
    """Which tickets the principal reaches."""
    scope = principal.scope
    if scope is Scope.ALL:
        return sa.true()
    if scope is Scope.TEAM:
        return t.c.team_id.in_(list(principal.team_ids)) if principal.team_ids else sa.false()
    if scope is Scope.OWN:
        return t.c.agent_id == principal.agent_id if principal.agent_id else sa.false()
    return sa.false()


def feedback_scope(principal: Principal) -> Any:
    """Feedback reached: through its ticket's scope; agents also the feedback about them."""
    if principal.scope is Scope.ALL:
        return sa.true()
    ticket_ok = feedback.c.ticket_id.in_(sa.select(tickets.c.id).where(scope_condition(principal)))
    if principal.scope is Scope.OWN and principal.agent_id:
        return sa.or_(ticket_ok, feedback.c.agent_id == principal.agent_id)
    return ticket_ok


def _ticket_where(w: Where) -> list[Any]:
    cond: list[Any] = []
    if w.since:
        cond.append(tickets.c.created_at >= w.since)
    if w.until:
        cond.append(tickets.c.created_at < w.until)
    for name in ("channel", "product", "region", "language", "category", "priority", "status", "problem_id"):
        value = getattr(w, name)
        if value:
            cond.append(tickets.c[name] == value)
    if w.team:
        cond.append(
            tickets.c.team_id.in_(
                sa.select(teams.c.id).where(sa.or_(teams.c.name == w.team, teams.c.id == w.team))
            )
        )
    if w.tier:
        cond.append(tickets.c.customer_id.in_(sa.select(customers.c.id).where(customers.c.tier == w.tier)))
    return cond


def _has_rows(conn: sa.Connection, name: str) -> bool:
    if not sa.inspect(conn).has_table(name):
        return False
    return conn.execute(sa.text(f'select 1 from "{name}" limit 1')).first() is not None


def redacted_texts(conn: sa.Connection, entity: str, field: str, ids: Sequence[str]) -> dict[str, str] | None:
    """Redacted text per record id from text analytics; None when nothing has been analysed yet."""
    if not ids or not _has_rows(conn, "text_analyses"):
        return None
    rows = conn.execute(
        sa.select(text_analyses.c.record_id, text_analyses.c.redacted_text).where(
            text_analyses.c.entity == entity,
            text_analyses.c.field == field,
            text_analyses.c.record_id.in_(list(ids)),
        )
    ).all()
    return {r.record_id: r.redacted_text for r in rows}


def _text_view(
    principal: Principal, raw_wanted: bool, raw: str | None, redacted: dict[str, str] | None, rid: str
) -> tuple[str | None, str]:
    """(text, status): raw (audited by the caller), redacted, not_analysed, hidden or empty."""
    if raw is None or raw == "":
        return None, "empty"
    if raw_wanted and principal.can(Permission.TEXT_RAW):
        return raw, "raw"
    if not principal.can(Permission.TEXT_REDACTED):
        return None, "hidden"
    if redacted is None:
        return None, TEXT_NOT_ANALYSED
    text = redacted.get(rid)
    return (text, "redacted") if text is not None else (None, TEXT_NOT_ANALYSED)


def _audit(
    engine: sa.Engine,
    ctx: AuditContext | None,
    action: str,
    target: str,
    ids: list[str],
    detail: dict[str, Any],
) -> None:
    if ctx is not None and ids:
        audit.append(
            engine,
            actor=ctx.actor,
            role=ctx.role,
            ip=ctx.ip,
            action=action,
            target=target,
            record_ids=ids,
            detail=detail,
        )


def list_tickets(
    engine: sa.Engine, principal: Principal, where: Where, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Ticket rows (no free text, no identity) in the principal's scope, newest first."""
    cond = [scope_condition(principal), *_ticket_where(where)]
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
        msgs = [
            dict(m)
            for m in conn.execute(
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
            ).mappings()
        ]
        fbs = [
            dict(f)
            for f in conn.execute(
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
            ).mappings()
        ]
        events = [
            dict(e)
            for e in conn.execute(
                sa.select(
                    ticket_events.c.seq,
                    ticket_events.c.event_type,
                    ticket_events.c.from_value,
                    ticket_events.c.to_value,
                    ticket_events.c.occurred_at,
                )
                .where(ticket_events.c.ticket_id == ticket_id)
                .order_by(ticket_events.c.seq)
            ).mappings()
        ]
        problem = None
        if t.get("problem_id"):
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
                    ).where(problems.c.id == t["problem_id"])
                )
                .mappings()
                .first()
            )
            if p:
                problem = dict(p)
                problem["incidents"] = int(
                    conn.execute(
                        sa.select(sa.func.count())
                        .select_from(tickets)
                        .where(tickets.c.problem_id == t["problem_id"])
                    ).scalar()
                    or 0
                )
        red_ticket = redacted_texts(conn, "tickets", "description", [ticket_id])
        red_subject = redacted_texts(conn, "tickets", "subject", [ticket_id])
        red_msgs = redacted_texts(conn, "interactions", "body", [m["id"] for m in msgs])
        red_fb = redacted_texts(conn, "feedback", "comment", [f["id"] for f in fbs])
        customer = _customer_block(conn, principal, t.get("customer_id"))
    raw_ids: list[str] = []
    subject, subject_status = _text_view(principal, raw, t.pop("subject"), red_subject, ticket_id)
    description, desc_status = _text_view(principal, raw, t.pop("description"), red_ticket, ticket_id)
    if "raw" in (subject_status, desc_status):
        raw_ids.append(ticket_id)
    for m in msgs:
        m["body"], m["text_status"] = _text_view(principal, raw, m["body"], red_msgs, m["id"])
        if m["text_status"] == "raw":
            raw_ids.append(m["id"])
    for f in fbs:
        f["comment"], f["text_status"] = _text_view(principal, raw, f["comment"], red_fb, f["id"])
        if f["text_status"] == "raw":
            raw_ids.append(f["id"])
    if not principal.can(Permission.IDENTITY):
        t["customer_id"] = pseudonym(t.get("customer_id"))
        t["organisation_id"] = None
    _audit(engine, ctx, "read.raw_text", "tickets", raw_ids, {"ticket": ticket_id})
    if customer and customer.get("identity"):
        _audit(engine, ctx, "read.identity", "customers", [customer["id"]], {"ticket": ticket_id})
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


def _customer_block(
    conn: sa.Connection, principal: Principal, customer_id: str | None
) -> dict[str, Any] | None:
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
        block = _customer_block(conn, principal, customer_id)
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
    _audit(engine, ctx, "read.identity", "customers", [customer_id], {})
    return block


def _feedback_where(w: Where) -> list[Any]:
    cond: list[Any] = []
    if w.since:
        cond.append(feedback.c.answered_at >= w.since)
    if w.until:
        cond.append(feedback.c.answered_at < w.until)
    if w.scale:
        cond.append(feedback.c.scale == w.scale)
    if w.channel:
        cond.append(feedback.c.channel == w.channel)
    if w.language:
        cond.append(feedback.c.language == w.language)
    ticket_cond = [
        c
        for c in _ticket_where(
            Where(
                team=w.team,
                product=w.product,
                tier=w.tier,
                region=w.region,
                category=w.category,
                priority=w.priority,
                problem_id=w.problem_id,
            )
        )
    ]
    if ticket_cond:
        cond.append(feedback.c.ticket_id.in_(sa.select(tickets.c.id).where(*ticket_cond)))
    return cond


def list_feedback(
    engine: sa.Engine,
    principal: Principal,
    where: Where,
    *,
    limit: int = 50,
    offset: int = 0,
    raw: bool = False,
    with_comment: bool = False,
    ctx: AuditContext | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Survey answers in scope, newest first, with comments redacted (or raw, audited)."""
    cond = [feedback_scope(principal), feedback.c.answered_at.is_not(None), *_feedback_where(where)]
    if with_comment:
        cond.append(sa.and_(feedback.c.comment.is_not(None), feedback.c.comment != ""))
    stmt = (
        sa.select(
            feedback.c.id,
            feedback.c.ticket_id,
            feedback.c.scale,
            feedback.c.score,
            feedback.c.scale_max,
            feedback.c.channel,
            feedback.c.language,
            feedback.c.answered_at,
            feedback.c.agent_id,
            feedback.c.comment,
        )
        .where(*cond)
        .order_by(feedback.c.answered_at.desc(), feedback.c.id)
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as conn:
        items = [dict(r) for r in conn.execute(stmt).mappings()]
        total = int(conn.execute(sa.select(sa.func.count()).select_from(feedback).where(*cond)).scalar() or 0)
        red = redacted_texts(conn, "feedback", "comment", [i["id"] for i in items])
    raw_ids = []
    for item in items:
        item["comment"], item["text_status"] = _text_view(principal, raw, item["comment"], red, item["id"])
        if item["text_status"] == "raw":
            raw_ids.append(item["id"])
    _audit(engine, ctx, "read.raw_text", "feedback", raw_ids, {"filters": where.active()})
    return items, total


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
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(EXPORT_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(items)
    if ctx is not None:
        audit.append(
            engine,
            actor=ctx.actor,
            role=ctx.role,
            ip=ctx.ip,
            action="export",
            target="tickets",
            record_ids=[i["id"] for i in items],
            detail={"format": "csv", "rows": len(items), "filters": where.active()},
        )
    return buf.getvalue()
