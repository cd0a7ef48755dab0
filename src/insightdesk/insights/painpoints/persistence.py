"""The tables of pain points: ranked runs in `painpoints`, the backlog in `painpoint_backlog` and its
audit trail in `painpoint_backlog_events`; every read and write of them is here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.common.runs import from_json, latest_run_id, new_id, read_frame, to_json
from insightdesk.insights.painpoints.config import KINDS
from insightdesk.insights.painpoints.errors import BacklogError, PainpointNotFound
from insightdesk.store.tables.insights import painpoint_backlog, painpoint_backlog_events
from insightdesk.store.tables.insights import painpoints as painpoints_table

if TYPE_CHECKING:
    from insightdesk.store import Store


# -- rankings ---------------------------------------------------------------------------------------
def _json(value: Any) -> str:
    """JSON text of a metrics dict or explanation: they hold plain Python values already (fast path);
    anything else (numpy scalars, NaN) goes through runs.to_json."""
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return to_json(value)


def write_ranking(conn: sa.Connection, run_id: str, frame: pd.DataFrame, now: dt.datetime) -> None:
    """Insert a ranking's pain points (the frame score_painpoints returns) on the run's transaction."""
    rows = [
        {
            "run_id": run_id,
            "painpoint_key": r.painpoint_key,
            "kind": r.kind,
            "theme_id": r.theme_id,
            "category": r.category,
            "label": r.label,
            "rank": int(r.rank),
            "score": float(r.score),
            "severity": float(r.severity),
            "frequency": float(r.frequency),
            "business_impact": float(r.business_impact),
            "critical": bool(r.critical),
            "tickets": int(r.tickets),
            "customers": int(r.customers),
            "trend": r.trend,
            "metrics": _json(r.metrics),
            "explanation": _json(r.explanation),
            "computed_at": now,
        }
        for r in frame.itertuples(index=False)
    ]
    if rows:
        conn.execute(painpoints_table.insert(), rows)


def _run_or_latest(store: Store, run_id: str | None) -> str:
    if run_id is None:
        latest = latest_run_id(store, "painpoints")
        if latest is None:
            raise PainpointNotFound("no pain-point ranking yet: run `insightdesk painpoints rank` first")
        return latest
    found = store.scalar(
        "SELECT count(*) FROM insight_runs WHERE run_id = :r AND kind = 'painpoints'", {"r": run_id}
    )
    if not found:
        raise PainpointNotFound(f"no pain-point ranking run {run_id!r} (see `insightdesk painpoints runs`)")
    return run_id


def list_runs(store: Store, limit: int = 20) -> pd.DataFrame:
    """Recent ranking runs, newest first, with their window and headline summary."""
    frame = store.query_df(
        "SELECT run_id, started_by, started_at, finished_at, params, summary FROM insight_runs "
        "WHERE kind = 'painpoints' ORDER BY started_at DESC, run_id DESC LIMIT :n",
        {"n": int(limit)},
    )
    frame["params"] = frame["params"].map(from_json)
    frame["summary"] = frame["summary"].map(from_json)
    return frame


def list_painpoints(
    store: Store,
    *,
    run_id: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    critical_only: bool = False,
    limit: int | None = None,
) -> pd.DataFrame:
    """The ranked pain points of a run (default: the latest) with their backlog status and owner."""
    run = _run_or_latest(store, run_id)
    sql = (
        "SELECT p.run_id, p.rank, p.painpoint_key, p.kind, p.theme_id, p.category, p.label, p.score, "
        "p.severity, p.frequency, p.business_impact, p.critical, p.tickets, p.customers, p.trend, "
        "p.metrics, p.explanation, p.computed_at, b.status, b.owner, b.problem_id, b.rationale "
        "FROM painpoints p LEFT JOIN painpoint_backlog b ON b.painpoint_key = p.painpoint_key "
        "WHERE p.run_id = :run"
    )
    params: dict[str, Any] = {"run": run}
    if kind:
        if kind not in KINDS:
            raise ValueError(f"unknown pain-point kind {kind!r}; choose from {', '.join(KINDS)}")
        sql += " AND p.kind = :kind"
        params["kind"] = kind
    if status:
        sql += " AND b.status = :status"
        params["status"] = status
    if critical_only:
        sql += " AND p.critical"
    sql += " ORDER BY p.rank"
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    frame = store.query_df(sql, params)
    frame["metrics"] = frame["metrics"].map(from_json)
    frame["explanation"] = frame["explanation"].map(from_json)
    frame["critical"] = frame["critical"].astype(bool)
    return frame


# -- backlog ---------------------------------------------------------------------------------------
def add_new_painpoints(
    conn: sa.Connection, keys: Sequence[str], *, actor: str, now: dt.datetime
) -> list[str]:
    """Put pain points not yet in the backlog there as `new` (one `status` event each); returns the added keys."""
    if not keys:
        return []
    existing = {
        r[0]
        for r in conn.execute(
            sa.select(painpoint_backlog.c.painpoint_key).where(
                painpoint_backlog.c.painpoint_key.in_(list(keys))
            )
        )
    }
    added = [k for k in dict.fromkeys(keys) if k not in existing]
    if added:
        conn.execute(
            painpoint_backlog.insert(),
            [{"painpoint_key": k, "status": "new", "created_at": now, "updated_at": now} for k in added],
        )
        conn.execute(
            painpoint_backlog_events.insert(),
            [backlog_event(k, "status", None, "new", actor, now) for k in added],
        )
    return added


def backlog_event(
    key: str, name: str, old: Any, new: Any, actor: str, now: dt.datetime, event_id: str | None = None
) -> dict[str, Any]:
    """A `painpoint_backlog_events` row: one field of one entry changed from `old` to `new`."""

    def text(v: Any) -> str | None:
        if v is None:
            return None
        return v.isoformat() if isinstance(v, dt.datetime) else str(v)

    return {
        "event_id": event_id or new_id("pbe"),
        "painpoint_key": key,
        "field": name,
        "old_value": text(old),
        "new_value": text(new),
        "actor": actor,
        "occurred_at": now,
    }


def backlog_entry(store: Store, key: str) -> dict[str, Any] | None:
    """The backlog row of one pain point (verification parsed), or None."""
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(painpoint_backlog).where(painpoint_backlog.c.painpoint_key == key)
        ).first()
    if row is None:
        return None
    entry = dict(row._mapping)
    entry["verification"] = from_json(entry["verification"])
    return entry


def read_backlog(store: Store, *, status: str | None = None, owner: str | None = None) -> pd.DataFrame:
    """The backlog, most recently changed first, optionally one status or owner (as given)."""
    query = sa.select(painpoint_backlog).order_by(
        painpoint_backlog.c.updated_at.desc(), painpoint_backlog.c.painpoint_key
    )
    if status is not None:
        query = query.where(painpoint_backlog.c.status == status)
    if owner is not None:
        query = query.where(painpoint_backlog.c.owner == owner)
    return read_frame(store, query)


def backlog_history(store: Store, key: str) -> pd.DataFrame:
    """Every change of one pain point's backlog entry, oldest first."""
    query = (
        sa.select(painpoint_backlog_events)
        .where(painpoint_backlog_events.c.painpoint_key == key)
        .order_by(painpoint_backlog_events.c.occurred_at, painpoint_backlog_events.c.event_id)
    )
    return read_frame(store, query)


def account_active(store: Store, username: str) -> bool | None:
    """Whether the account `username` (normalised) is active; None when there is no such account."""
    from insightdesk.store.tables.governance import users

    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users.c.active).where(users.c.username == username)).first()
    return None if row is None else bool(row.active)


def problem_exists(store: Store, problem_id: str) -> bool:
    """Whether a problem record (problems.id) exists."""
    with store.engine.connect() as conn:
        found = conn.execute(sa.text("SELECT count(*) FROM problems WHERE id = :p"), {"p": problem_id})
        return bool(found.scalar())


def apply_backlog_change(
    store: Store,
    key: str,
    status: str,
    values: dict[str, Any],
    events: list[dict[str, Any]],
    now: dt.datetime,
) -> None:
    """Write one change of a backlog entry and its events, if the entry is still in `status`."""
    with store.begin() as conn:
        # Optimistic check: the status read above must still hold, or two edits raced.
        updated = conn.execute(
            painpoint_backlog.update()
            .where(painpoint_backlog.c.painpoint_key == key, painpoint_backlog.c.status == status)
            .values(**values, updated_at=now)
            .returning(painpoint_backlog.c.painpoint_key)  # rowcount is not reliable on DuckDB
        ).fetchall()
        if len(updated) != 1:
            raise BacklogError(f"{key} changed while this update ran; read it again and retry")
        conn.execute(painpoint_backlog_events.insert(), events)
