"""Who may see which agent's QA records, and the audit entry every read leaves.

Agents see their own evaluations, scorecard and coaching; team leads their teams' agents; analysts
and admins everyone (the role's row scope, `governance.roles.SCOPES`). Every read of QA records is
audited, even one that found nothing in scope, since the request itself is the event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.governance import Principal, Scope, audit
from insightdesk.store.tables.people import agents

if TYPE_CHECKING:
    from insightdesk.store import Store


class NotInScope(LookupError):
    """A record outside the caller's scope; said as "not found" so ids cannot be probed."""


def agent_condition(principal: Principal, column: Any) -> Any:
    """Rows whose agent `column` the principal may see."""
    if principal.scope is Scope.ALL:
        return sa.true()
    if principal.scope is Scope.TEAM and principal.team_ids:
        in_team = sa.select(agents.c.id).where(agents.c.team_id.in_(list(principal.team_ids)))
        return column.in_(in_team)
    if principal.scope is Scope.OWN and principal.agent_id:
        return column == principal.agent_id
    return sa.false()


def visible_agents(store: Store, principal: Principal, candidates: list[str]) -> set[str]:
    """Which of `candidates` (agent ids) exist and the principal may see."""
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(agents.c.id).where(agents.c.id.in_(candidates), agent_condition(principal, agents.c.id))
        ).scalars()
        return set(found)


def audit_read(
    store: Store,
    principal: Principal,
    action: str,
    target: str,
    ids: list[str],
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    audit.append(
        store.engine,
        actor=principal.username,
        role=principal.role.value,
        action=action,
        target=target,
        record_ids=sorted(set(ids)),
        detail=detail or {},
        ip=ip,
    )
