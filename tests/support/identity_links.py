"""What an identity run leaves behind, written straight into a store: a run and its record -> person links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from insightdesk.metrics.fixtures import ref
from insightdesk.store import Store
from insightdesk.store.tables.identity import identity_links, identity_runs


def link_persons(store: Store, persons: Mapping[str, str], methods: Mapping[str, str] | None = None) -> None:
    """Run R1 linking each fixture customer (`ref(id)`) to its person; the method defaults to
    deterministic. The store is told it changed, as identity's runs and decisions tell it."""
    now = dt.datetime(2026, 2, 1)
    methods = methods or {}
    with store.begin() as conn:
        conn.execute(
            identity_runs.insert().values(
                run_id="R1", mode="full", threshold=0.95, started_at=now, finished_at=now
            )
        )
        conn.execute(
            identity_links.insert(),
            [
                {
                    "record_id": ref(r),
                    "person_id": p,
                    "method": methods.get(r, "deterministic"),
                    "run_id": "R1",
                }
                for r, p in persons.items()
            ],
        )
    store.changed()
