"""Bookkeeping of sync runs and sources: each in its own short transaction, apart from the data.

A run row is written when a sync starts and completed when it ends, so a run a `kill -9` cut
short stays visible as `running` with no end; the source row (owner, department, no credentials)
is refreshed at every sync so the dashboard can list and scope sources without the YAML file.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from insightdesk.connectors.sources import SourceConfig
from insightdesk.store import Store
from insightdesk.store.rows import utcnow
from insightdesk.store.tables.connectors import connector_runs, connector_sources


@dataclass
class RunCounts:
    """What a run did, over all its streams."""

    pages: int = 0
    requests: int = 0
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    ingest_seconds: float = 0.0  # of the run's time, what ingest's validation and merge took
    new_fields: set[str] = field(default_factory=set)
    newest_source_update: datetime | None = None


def register_source(store: Store, source: SourceConfig) -> None:
    """Insert or refresh the source's row (configuration only, never a credential)."""
    values = {
        "vendor": source.vendor,
        "base_url": source.base_url,
        "owner": source.owner,
        "department": source.department,
        "lag_alert_minutes": source.lag_threshold_minutes(),
        "updated_at": utcnow(),
    }
    table = connector_sources
    with store.begin() as conn:
        # Select first: DuckDB's driver reports no reliable row count for an UPDATE.
        if conn.execute(sa.select(table.c.source).where(table.c.source == source.name)).first():
            conn.execute(table.update().where(table.c.source == source.name).values(**values))
        else:
            conn.execute(table.insert().values(source=source.name, **values))


def start_run(store: Store, source: str, trigger: str) -> str:
    now = utcnow()
    run_id = f"r{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
    with store.begin() as conn:
        conn.execute(
            connector_runs.insert().values(
                run_id=run_id, source=source, trigger=trigger, status="running", started_at=now,
                pages=0, requests=0, received=0, accepted=0, rejected=0,
            )
        )  # fmt: skip
    return run_id


def finish_run(
    store: Store, run_id: str, counts: RunCounts, *, error: str | None = None, error_kind: str | None = None
) -> None:
    newest = counts.newest_source_update
    with store.begin() as conn:
        conn.execute(
            connector_runs.update()
            .where(connector_runs.c.run_id == run_id)
            .values(
                status="failed" if error else "succeeded",
                finished_at=utcnow(),
                pages=counts.pages,
                requests=counts.requests,
                received=counts.received,
                accepted=counts.accepted,
                rejected=counts.rejected,
                error=error,
                error_kind=error_kind,
                new_fields=json.dumps(sorted(counts.new_fields)) if counts.new_fields else None,
                newest_source_update=newest.astimezone(UTC).replace(tzinfo=None) if newest else None,
            )
        )


def latest_runs(store: Store, source: str, limit: int = 20) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(connector_runs)
            .where(connector_runs.c.source == source)
            .order_by(connector_runs.c.started_at.desc())
            .limit(limit)
        ).mappings()
        return [dict(r) for r in rows]
