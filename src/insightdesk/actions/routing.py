"""Lookups an action needs inside the evaluation's transaction: the right owner, the customer's
context, contact consent, and the evidence a problem record carries.

Owners: `team_lead` is the active team-lead account whose teams include the ticket's team, the one
with the fewest open tasks (then by name); `agent` is the account of the ticket's agent; anything
else is an account name. When none fits, the fallback owner, else the task waits unowned in its
team's inbox (and the unowned queue).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from insightdesk.actions.spec import TaskAction
from insightdesk.governance.privacy import has_consent
from insightdesk.insights.common.runs import from_json
from insightdesk.store.tables.actions import action_tasks
from insightdesk.store.tables.canonical import customers
from insightdesk.store.tables.governance import users
from insightdesk.store.tables.insights import painpoints
from insightdesk.store.tables.text import text_analyses, themes

EVIDENCE_TICKETS = 20
EVIDENCE_QUOTES = 3


def resolve_owner(conn: sa.Connection, action: TaskAction, attrs: dict[str, Any]) -> str | None:
    who = action.owner.strip().lower()
    owner = None
    if who == "team_lead":
        owner = _team_lead(conn, attrs.get("team_id"))
    elif who == "agent":
        owner = _agent_account(conn, attrs.get("agent_id"))
    else:
        owner = _active(conn, who)
    if owner is None and action.fallback_owner:
        owner = _active(conn, action.fallback_owner.strip().lower())
    return owner


def _active(conn: sa.Connection, username: str) -> str | None:
    row = conn.execute(
        sa.select(users.c.username).where(users.c.username == username, users.c.active.is_(True))
    ).first()
    return None if row is None else str(row.username)


def _agent_account(conn: sa.Connection, agent_id: str | None) -> str | None:
    if not agent_id:
        return None
    row = conn.execute(
        sa.select(users.c.username)
        .where(users.c.agent_id == agent_id, users.c.active.is_(True))
        .order_by(users.c.username)
        .limit(1)
    ).first()
    return None if row is None else str(row.username)


def _team_lead(conn: sa.Connection, team_id: str | None) -> str | None:
    if not team_id:
        return None
    # team_ids is a JSON list in a text column: filter in Python, the accounts table is small.
    leads = conn.execute(
        sa.select(users.c.username, users.c.team_ids).where(
            users.c.role == "team_lead", users.c.active.is_(True)
        )
    ).all()
    names = [r.username for r in leads if team_id in (json.loads(r.team_ids) if r.team_ids else [])]
    if not names:
        return None
    load: dict[str, int] = {
        str(owner): int(n)
        for owner, n in conn.execute(
            sa.select(action_tasks.c.owner, sa.func.count())
            .where(action_tasks.c.owner.in_(names), action_tasks.c.status.in_(("open", "in_progress")))
            .group_by(action_tasks.c.owner)
        ).all()
    }
    return min(names, key=lambda n: (load.get(n, 0), n))


def contact_allowed(conn: sa.Connection, customer_id: str | None) -> bool:
    """The consent ledger's answer for purpose `contact` (no customer: nobody to contact, so no)."""
    return bool(customer_id) and has_consent(conn, str(customer_id), "contact")


def customer_context(conn: sa.Connection, attrs: dict[str, Any]) -> dict[str, Any]:
    """What the task's owner needs before calling: the event's facts and the customer's segment (no text)."""
    context = {k: v for k, v in attrs.items() if v is not None}
    customer_id = attrs.get("customer_id")
    if customer_id:
        row = conn.execute(
            sa.select(
                customers.c.tier,
                customers.c.segment,
                customers.c.region,
                customers.c.language,
                customers.c.timezone,
                customers.c.lifetime_value,
                customers.c.currency,
            ).where(customers.c.id == customer_id)
        ).first()
        if row is not None:
            context["customer"] = {k: v for k, v in row._mapping.items() if v is not None}
        context["open_tasks_for_customer"] = conn.execute(
            sa.select(sa.func.count())
            .select_from(action_tasks)
            .where(
                action_tasks.c.customer_id == customer_id, action_tasks.c.status.in_(("open", "in_progress"))
            )
        ).scalar_one()
    return context


def problem_evidence(conn: sa.Connection, attrs: dict[str, Any]) -> dict[str, Any]:
    """A pain point's figures from its latest ranking, its redacted quotes and affected tickets."""
    key = attrs.get("painpoint_key")
    evidence: dict[str, Any] = {"painpoint_key": key, "label": attrs.get("label")}
    if key:
        row = conn.execute(
            sa.select(
                painpoints.c.rank,
                painpoints.c.score,
                painpoints.c.tickets,
                painpoints.c.customers,
                painpoints.c.trend,
            )
            .where(painpoints.c.painpoint_key == key)
            .order_by(painpoints.c.computed_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            evidence.update({k: v for k, v in row._mapping.items()})
    theme_id = attrs.get("theme_id")
    if theme_id:
        quotes = conn.execute(sa.select(themes.c.quotes).where(themes.c.theme_id == theme_id)).scalar()
        evidence["quotes"] = (from_json(quotes) or [])[:EVIDENCE_QUOTES]
        evidence["affected_tickets"] = list(
            conn.execute(
                sa.select(text_analyses.c.ticket_id)
                .where(text_analyses.c.theme_id == theme_id, text_analyses.c.ticket_id.is_not(None))
                .group_by(text_analyses.c.ticket_id)
                .order_by(sa.func.max(text_analyses.c.occurred_at).desc(), text_analyses.c.ticket_id)
                .limit(EVIDENCE_TICKETS)
            ).scalars()
        )
    return evidence
