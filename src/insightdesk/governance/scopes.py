"""The row scope of an account: a team lead's teams and an agent's own id, which must exist in the store.

Checked here, in the service, so the CLI, the API and the Users page refuse the same unknown ids with
the same message. Teams and agents that tickets only mention are in the store too (ingest makes
them as stubs), so every id a ticket carries can be given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.roles import Role
from insightdesk.store.tables.people import agents, teams

_EXAMPLES = 3


class ScopeError(ValueError):
    """A team or agent id that the store does not know; the message names it and where to look."""


def _missing(conn: sa.Connection, table: sa.Table, ids: Sequence[str]) -> list[str]:
    known = set(conn.execute(sa.select(table.c.id).where(table.c.id.in_(list(ids)))).scalars())
    return [i for i in ids if i not in known]


def _hint(conn: sa.Connection, table: sa.Table, noun: str) -> str:
    total = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
    if total == 0:
        return (
            f"the store has no {noun}s yet: load tickets (or a {noun}s file) with `insightdesk ingest` first"
        )
    examples = list(conn.execute(sa.select(table.c.id).order_by(table.c.id).limit(_EXAMPLES)).scalars())
    shown = ", ".join(repr(e) for e in examples)
    return (
        f"it has {total} {noun}s, e.g. {shown}; `insightdesk users scopes` lists them all "
        f"(ids carry their source, like 'sample:...')"
    )


def scope_fields(
    engine: sa.Engine, role: Role, team_ids: Sequence[str] | None, agent_id: str | None
) -> dict[str, Any]:
    """The users-row fields of `role`'s scope, after checking that each team and the agent exist."""
    teams_given = list(dict.fromkeys(t.strip() for t in team_ids or () if t.strip()))
    agent = (agent_id or "").strip()
    if role is Role.TEAM_LEAD and not teams_given:
        raise ScopeError("a team lead needs at least one team (--team TEAM_ID)")
    if role is Role.AGENT and not agent:
        raise ScopeError("an agent account needs the agent it is (--agent AGENT_ID)")
    with engine.connect() as conn:
        if role is Role.TEAM_LEAD and (missing := _missing(conn, teams, teams_given)):
            names = ", ".join(repr(m) for m in missing)
            noun = "team" if len(missing) == 1 else "teams"
            raise ScopeError(f"no {noun} {names} in this store: {_hint(conn, teams, 'team')}")
        if role is Role.AGENT and _missing(conn, agents, [agent]):
            raise ScopeError(f"no agent {agent!r} in this store: {_hint(conn, agents, 'agent')}")
    return {
        "team_ids": json.dumps(teams_given) if role is Role.TEAM_LEAD else None,
        "agent_id": agent if role is Role.AGENT else None,
    }


def list_scopes(engine: sa.Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every team (id, name) and agent (id, name, team_id) an account can be scoped to."""
    # Each result read whole before the next query: a DuckDB store's connection has one cursor.
    with engine.connect() as conn:
        team_rows = [
            dict(r) for r in conn.execute(sa.select(teams.c.id, teams.c.name).order_by(teams.c.id)).mappings()
        ]
        agent_rows = [
            dict(r)
            for r in conn.execute(
                sa.select(agents.c.id, agents.c.name, agents.c.team_id).order_by(agents.c.id)
            ).mappings()
        ]
    return team_rows, agent_rows
