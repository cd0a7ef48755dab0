"""Teams and agents written straight into a store, for tests of accounts scoped to them."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.store.tables.people import agents, teams


def add_people(
    engine: sa.Engine, team_ids: Sequence[str] = ("t1", "t2"), agent_ids: Sequence[str] = ("a1",)
) -> None:
    """Teams `test:<id>` and agents `test:<id>` (in team test:t1), with lineage columns filled in."""
    now = utcnow()
    lineage = {
        "source_system": "test",
        "batch_id": "b0",
        "record_hash": "h",
        "first_seen_at": now,
        "last_changed_at": now,
        "is_stub": False,
    }
    with engine.begin() as conn:
        if team_ids:
            conn.execute(
                teams.insert(), [{"id": f"test:{t}", "name": t, "source_id": t, **lineage} for t in team_ids]
            )
        if agent_ids:
            conn.execute(
                agents.insert(),
                [
                    {"id": f"test:{a}", "name": a, "team_id": "test:t1", "source_id": a, **lineage}
                    for a in agent_ids
                ],
            )
