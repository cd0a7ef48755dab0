"""A regulatory-complaint case written straight into a store (a task and its regime's clocks), for
servers whose store is prepared before they start: no rule has to run on a live event to make one."""

from __future__ import annotations

import datetime as dt

from insightdesk.actions import ActionsConfig
from insightdesk.actions.clocks import insert_clocks, plan_clocks
from insightdesk.actions.regimes import BUILTIN_REGIMES
from insightdesk.store import Store
from insightdesk.store.tables.actions import action_tasks


def add_case(store: Store, task_id: str, *, owner: str = "admin", days_ago: int = 3) -> None:
    """A complaint under uk-fca-disp received `days_ago` days ago, seen by admins only: with 3 days,
    its one-business-day acknowledgement is late (breached), its final response still running."""
    received = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(days=days_ago)
    regime = BUILTIN_REGIMES["uk-fca-disp"]
    clocks = plan_clocks(regime, received, ActionsConfig().calendar)
    with store.begin() as conn:
        conn.execute(action_tasks.insert().values(
            task_id=task_id, kind="regulatory_complaint", title="Complaint: fee charged twice", owner=owner,
            restricted_to=f'["{regime.restricted_to[0]}"]', status="open", due_at=clocks[0]["due_at"],
            created_at=received, updated_at=received))  # fmt: skip
        insert_clocks(conn, task_id, clocks)
