"""Which records a principal reaches, and the dashboard's record filters as SQL conditions.

The route has already checked the role's permission; these conditions apply its row scope (all,
team, own) and the filter bar, so every read of tickets or feedback narrows rows the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.clock import sha256
from insightdesk.governance.roles import Principal, Scope
from insightdesk.store.tables.canonical import customers, feedback, interactions, teams, tickets
from insightdesk.store.tables.text import text_analyses


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
    theme: str | None = None  # tickets with a text in this theme (text_analyses.theme_id)

    def active(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in asdict(self).items() if v}


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


def text_scope(principal: Principal, ta: Any = text_analyses) -> Any:
    """Which analysed texts (`text_analyses` rows) the principal reaches: a ticket's subject and
    description and its messages through the ticket's scope, a survey comment through its feedback's.

    Derived text (theme quotes) passes through this before it is shown, as records do: membership is
    read from the canonical tables, never from a copied column that could be stale.
    """
    if principal.scope is Scope.ALL:
        return sa.true()
    in_scope = sa.select(tickets.c.id).where(scope_condition(principal))
    return sa.or_(
        sa.and_(ta.c.entity == "tickets", ta.c.record_id.in_(in_scope)),
        sa.and_(
            ta.c.entity == "interactions",
            ta.c.record_id.in_(sa.select(interactions.c.id).where(interactions.c.ticket_id.in_(in_scope))),
        ),
        sa.and_(
            ta.c.entity == "feedback",
            ta.c.record_id.in_(sa.select(feedback.c.id).where(feedback_scope(principal))),
        ),
    )


def scope_key(principal: Principal) -> tuple[Any, ...]:
    """What decides the rows a principal reaches: a cache of scoped results is keyed by it."""
    return (principal.scope.value, tuple(sorted(principal.team_ids)), principal.agent_id)


def ticket_filters(w: Where) -> list[Any]:
    """Conditions on `tickets` for the filters of `w` that apply to tickets."""
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
    if w.theme:
        ta = text_analyses
        cond.append(tickets.c.id.in_(sa.select(ta.c.ticket_id).where(ta.c.theme_id == w.theme)))
    return cond


def feedback_filters(w: Where) -> list[Any]:
    """Conditions on `feedback`: its own date, scale, channel and language, the rest through its ticket."""
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
    ticket_cond = ticket_filters(
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
    if ticket_cond:
        cond.append(feedback.c.ticket_id.in_(sa.select(tickets.c.id).where(*ticket_cond)))
    return cond
