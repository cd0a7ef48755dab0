"""The table of the alert scan: `alerts`, one row per finding, kept across scans with its status.

A finding already stored (same id) has its evidence refreshed and keeps its status, creation time
and deliveries; `list_alerts` reads them back, `set_alert_status` acknowledges, closes or reopens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.alerts.config import STATUSES, AlertError
from insightdesk.insights.common.runs import finite, from_json, read_frame, to_json, utcnow
from insightdesk.metrics.request import to_timestamp
from insightdesk.store.tables.insights import alerts as alerts_table

if TYPE_CHECKING:
    from insightdesk.store import Store

ALERT_COLUMNS = [c.name for c in alerts_table.columns]


def empty_alerts() -> pd.DataFrame:
    return pd.DataFrame(columns=[*ALERT_COLUMNS, "label"])


def store_alerts(conn: sa.Connection, run_id: str, found: pd.DataFrame) -> tuple[int, int]:
    """Insert new alerts; refresh the evidence of known ones, keeping status, creation time and deliveries."""
    if found.empty:
        return 0, 0
    found = found.drop_duplicates("alert_id")
    ids = list(found["alert_id"])
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known |= {
            r[0]
            for r in conn.execute(
                sa.select(alerts_table.c.alert_id).where(alerts_table.c.alert_id.in_(chunk))
            )
        }
    now = utcnow()
    inserts, updates = [], []
    for r in found.to_dict("records"):
        row = {
            "alert_id": r["alert_id"],
            "run_id": run_id,
            "kind": r["kind"],
            "rule": r["rule"],
            "series": r["series"],
            "segment": r["segment"],
            "period": pd.Timestamp(r["period"]).to_pydatetime(),
            "grain": r["grain"],
            "direction": r["direction"],
            "observed": finite(r["observed"]),
            "expected": finite(r["expected"]),
            "expected_low": finite(r["expected_low"]),
            "expected_high": finite(r["expected_high"]),
            "n": None if finite(r["n"]) is None else int(r["n"]),
            "severity": r["severity"],
            "evidence": to_json({**r["evidence"], "label": r.get("label")}),
            "updated_at": now,
        }
        if r["alert_id"] in known:
            updates.append({**row, "_id": row.pop("alert_id")})
        else:
            inserts.append({**row, "status": "open", "delivered": to_json({}), "created_at": now})
    if inserts:
        conn.execute(alerts_table.insert(), inserts)
    if updates:
        fields = [k for k in updates[0] if k != "_id"]
        stmt = (
            alerts_table.update()
            .where(alerts_table.c.alert_id == sa.bindparam("_id"))
            .values({k: sa.bindparam(k) for k in fields})
        )
        conn.execute(stmt, updates)
    return len(inserts), len(updates)


def record_deliveries(store: Store, delivered: Mapping[str, Mapping[str, Any]]) -> None:
    """Store each alert's deliveries (channel -> outcome) in `alerts.delivered`, in one transaction."""
    changed = [{"_id": k, "delivered": to_json(d)} for k, d in delivered.items()]
    if changed:
        stmt = (
            alerts_table.update()
            .where(alerts_table.c.alert_id == sa.bindparam("_id"))
            .values(delivered=sa.bindparam("delivered"))
        )
        with store.begin() as conn:
            conn.execute(stmt, changed)


def list_alerts(
    store: Store,
    status: str | None = None,
    *,
    kind: str | None = None,
    series: str | None = None,
    since: Any = None,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Stored alerts, newest period first, evidence and deliveries parsed, plus a readable `label`."""
    if status is not None and status not in STATUSES:
        raise AlertError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if kind is not None and kind not in ("anomaly", "threshold"):
        raise AlertError(f"kind {kind!r} is not anomaly or threshold")
    t = alerts_table
    q = sa.select(t)
    if status is not None:
        q = q.where(t.c.status == status)
    if kind is not None:
        q = q.where(t.c.kind == kind)
    if series is not None:
        q = q.where(t.c.series == series)
    since_ts = to_timestamp(since, "since")
    if since_ts is not None:
        q = q.where(t.c.period >= since_ts)
    q = q.order_by(t.c.period.desc(), t.c.severity, t.c.series, t.c.segment, t.c.alert_id)
    frames = []
    if ids is None:
        frames.append(read_frame(store, q if limit is None else q.limit(limit)))
    else:
        ids = list(ids)
        for start in range(0, len(ids), 500):
            frames.append(read_frame(store, q.where(t.c.alert_id.in_(ids[start : start + 500]))))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ALERT_COLUMNS)
    if ids is not None and len(df):
        df = df.sort_values(["period", "series", "segment"], ascending=[False, True, True]).reset_index(
            drop=True
        )
    df["evidence"] = [from_json(e) for e in df["evidence"]]
    df["delivered"] = [from_json(d) or {} for d in df["delivered"]]
    df["label"] = [(e or {}).get("label") or s for e, s in zip(df["evidence"], df["series"], strict=True)]
    if len(df):
        df["period"] = pd.to_datetime(df["period"])
    return df


def set_alert_status(store: Store, alert_id: str, status: str) -> dict[str, Any]:
    """Acknowledge, close or reopen an alert; returns the alert as stored. A later scan keeps the status."""
    if status not in STATUSES:
        raise AlertError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    t = alerts_table
    with store.begin() as conn:
        # Checked by a select: DuckDB's driver does not report an UPDATE's row count.
        if conn.execute(sa.select(t.c.alert_id).where(t.c.alert_id == alert_id)).first() is None:
            raise AlertError(f"no alert with id {alert_id!r} (see `insightdesk alerts list`)")
        conn.execute(t.update().where(t.c.alert_id == alert_id).values(status=status, updated_at=utcnow()))
    return list_alerts(store, ids=[alert_id]).iloc[0].to_dict()


def resolve_alert_id(store: Store, id_or_prefix: str) -> str:
    """The full id of the one alert whose id starts with `id_or_prefix` (as `alerts list` shows it).

    Several matches raise AlertError; none gives `id_or_prefix` back, so the caller's lookup names it.
    """
    if not id_or_prefix:
        return id_or_prefix
    t = alerts_table
    with store.engine.connect() as conn:
        matches = list(
            conn.execute(
                sa.select(t.c.alert_id).where(t.c.alert_id.startswith(id_or_prefix, autoescape=True))
            )
            .scalars()
            .all()
        )
    if len(matches) > 1:
        raise AlertError(f"{id_or_prefix!r} matches {len(matches)} alerts; give more of the id")
    return matches[0] if matches else id_or_prefix
