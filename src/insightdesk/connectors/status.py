"""Sync status per source: last success, rows of the last run, recent errors, and sync lag.

Sync lag = now - the newest source update time the committed cursors cover (the freshest change
the store has from that source). It grows while the source is quiet too: a quiet helpdesk and a
stalled sync look alike from here, which is why the last success time is shown beside it. A
source whose lag exceeds its threshold, or that never synced, is `lagging`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from insightdesk.governance.roles import Principal, Scope
from insightdesk.store.tables.connectors import connector_cursors, connector_runs, connector_sources
from insightdesk.store.tables.people import teams

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceStatus:
    source: str
    vendor: str
    owner: str
    department: str | None
    last_run_at: datetime | None
    last_status: str | None
    last_success_at: datetime | None
    last_error: str | None
    last_received: int
    last_accepted: int
    last_rejected: int
    failed_runs_24h: int
    newest_source_update: datetime | None
    lag_minutes: float | None
    lag_alert_minutes: int
    lagging: bool


def visible_departments(engine: sa.Engine, principal: Principal) -> set[str] | None:
    """Departments a principal may see sources of: None for all; for a team-scoped role its teams
    and every team above them (a department is a team id or an ancestor of teams)."""
    if principal.scope is Scope.ALL:
        return None
    found = set(principal.team_ids)
    frontier = set(found)
    with engine.connect() as conn:
        while frontier:  # walk up parent_team_id; the set guards against a cycle in the data
            rows = conn.execute(sa.select(teams.c.parent_team_id).where(teams.c.id.in_(sorted(frontier))))
            parents = {r[0] for r in rows if r[0]} - found
            found |= parents
            frontier = parents
    return found | {t.split(":", 1)[1] for t in found if ":" in t}


def sync_status(
    engine: sa.Engine, departments: set[str] | None = None, now: datetime | None = None
) -> list[SourceStatus]:
    """Every registered source (or those of `departments`) with its latest run and lag."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    with engine.connect() as conn:
        sources = (
            conn.execute(sa.select(connector_sources).order_by(connector_sources.c.source)).mappings().all()
        )
        statuses = []
        for src in sources:
            if departments is not None and src["department"] not in departments:
                continue
            statuses.append(_status(conn, dict(src), now))
    return statuses


def _status(conn: sa.Connection, src: dict[str, object], now: datetime) -> SourceStatus:
    name = str(src["source"])
    runs = connector_runs
    last = (
        conn.execute(sa.select(runs).where(runs.c.source == name).order_by(runs.c.started_at.desc()).limit(1))
        .mappings()
        .first()
    )
    success = conn.execute(
        sa.select(sa.func.max(runs.c.finished_at)).where(runs.c.source == name, runs.c.status == "succeeded")
    ).scalar()
    failed = conn.execute(
        sa.select(sa.func.count()).where(
            runs.c.source == name, runs.c.status == "failed", runs.c.started_at >= now - timedelta(hours=24)
        )
    ).scalar()
    newest = conn.execute(
        sa.select(sa.func.max(connector_cursors.c.newest_source_update)).where(
            connector_cursors.c.source == name
        )
    ).scalar()
    threshold = int(str(src["lag_alert_minutes"]))
    lag = (now - newest).total_seconds() / 60 if newest else None
    lagging = lag is None or lag > threshold
    if lagging:
        log.warning("source %s: sync lag %s over its %d-minute threshold", name, _minutes(lag), threshold)
    return SourceStatus(
        source=name,
        vendor=str(src["vendor"]),
        owner=str(src["owner"]),
        department=str(src["department"]) if src["department"] else None,
        last_run_at=last["started_at"] if last else None,
        last_status=last["status"] if last else None,
        last_success_at=success,
        last_error=last["error"] if last else None,
        last_received=int(last["received"]) if last else 0,
        last_accepted=int(last["accepted"]) if last else 0,
        last_rejected=int(last["rejected"]) if last else 0,
        failed_runs_24h=int(failed or 0),
        newest_source_update=newest,
        lag_minutes=round(lag, 1) if lag is not None else None,
        lag_alert_minutes=threshold,
        lagging=lagging,
    )


def _minutes(lag: float | None) -> str:
    return "unknown (never synced)" if lag is None else f"{lag:.0f} min"
