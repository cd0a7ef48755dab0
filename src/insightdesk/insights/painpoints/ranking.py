"""Pain points: which themes and categories hurt customers most, and why.

    ranking = rank_painpoints(store)                 # aggregates in the backend, scores, stores a run
    ranking.frame[["rank", "label", "score"]]        # 1 = most urgent
    ranking.frame.explanation[0]                     # the factors that put it first, largest first
    list_painpoints(store)                           # the latest stored ranking, with backlog status

Three modules do the work: painpoint_data (sums per pain point, computed in the backend),
painpoint_scoring (the pure scoring model) and painpoint_config (its settings). This one runs
them, stores the run (insight_runs, painpoints, new backlog entries) and reads stored runs back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.insights.painpoints.config import COMPONENTS, FACTORS, PainpointConfig, load_config
from insightdesk.insights.painpoints.data import (
    KINDS,
    PainpointData,
    PainpointDataError,
    Window,
    aggregate_painpoints,
    resolve_window,
)
from insightdesk.insights.painpoints.scoring import describe_component, newcombe_interval, score_painpoints

if TYPE_CHECKING:
    from insightdesk.store import Store


@dataclass
class PainpointRanking:
    """A stored ranking run: its id, window, settings and the ranked frame (see score_painpoints)."""

    run_id: str
    window: Window
    config: PainpointConfig
    frame: pd.DataFrame
    window_tickets: int
    added_to_backlog: list[str] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds per step: the backend sums (sums_*), scoring, storing."""


def _json(value: Any) -> str:
    """JSON text of a metrics dict or explanation: they hold plain Python values already (fast path);
    anything else (numpy scalars, NaN) goes through runs.to_json."""
    from insightdesk.insights.common.runs import to_json

    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return to_json(value)


def _attach_series(frame: pd.DataFrame, data: PainpointData) -> None:
    """Weekly ticket counts and the tier mix of affected customers, into each pain point's metrics."""
    weekly: dict[str, list[list[Any]]] = {}
    if len(data.weekly):
        w = data.weekly.sort_values(["painpoint_key", "week"])
        days = w["week"].dt.strftime("%Y-%m-%d")
        for key, day, n in zip(w["painpoint_key"], days, w["tickets"], strict=True):
            weekly.setdefault(key, []).append([day, int(n)])
    tiers: dict[str, dict[str, int]] = {}
    for r in data.tiers.itertuples(index=False):
        tiers.setdefault(r.painpoint_key, {})[str(r.tier) if r.tier is not None else "unknown"] = int(r.n)
    for key, metrics in zip(frame.painpoint_key, frame.metrics, strict=True):
        metrics["weekly"] = weekly.get(key, [])
        metrics["customers"]["tiers"] = tiers.get(key, {})
        metrics["customers"]["window_tiers"] = data.desk_tiers
        metrics["window"] = data.window.to_dict()


def rank_painpoints(
    store: Store,
    config: PainpointConfig | None = None,
    *,
    since: Any = None,
    until: Any = None,
    started_by: str = "cli",
) -> PainpointRanking:
    """Aggregate in the backend, score, and store a ranking run (painpoints rows, backlog entries).

    New pain points among the top `backlog_top` (and every critical one) enter the backlog as `new`.
    """
    from insightdesk.insights.common.runs import recorded_run, utcnow
    from insightdesk.insights.painpoints.backlog import add_new_painpoints
    from insightdesk.store.tables.insights import painpoints as painpoints_table

    cfg = config or PainpointConfig()
    began = time.perf_counter()
    window = resolve_window(store.ibis(), since=since, until=until, days=cfg.window_days)
    data = aggregate_painpoints(
        store, window, kinds=cfg.kinds, entities=cfg.theme_entities, config=cfg.metrics
    )
    if data.desk.get("tickets", 0) == 0:
        raise PainpointDataError(
            f"no tickets created in {window.since:%Y-%m-%d} .. {window.until:%Y-%m-%d}: choose another window"
        )
    steps = {f"sums_{k}": v for k, v in data.seconds.items()}
    clock = time.perf_counter()
    frame = score_painpoints(data.groups, data.desk, cfg)
    _attach_series(frame, data)
    steps["score"] = time.perf_counter() - clock
    clock = time.perf_counter()
    params = {"window": window.to_dict(), "config": cfg.to_dict()}
    with recorded_run(store, "painpoints", params, started_by=started_by) as run:
        now = utcnow()
        rows = [
            {
                "run_id": run.run_id,
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
            run.conn.execute(painpoints_table.insert(), rows)
        top = frame if cfg.backlog_top == 0 else frame[(frame["rank"] <= cfg.backlog_top) | frame["critical"]]
        added = add_new_painpoints(run.conn, list(top.painpoint_key), actor=started_by, now=now)
        run.summary.update(
            painpoints=len(frame),
            redundant_crosses_left_out=int(frame.attrs.get("redundant_crosses", 0)),
            critical=int(frame["critical"].sum()) if len(frame) else 0,
            window_tickets=int(data.desk.get("tickets", 0)),
            added_to_backlog=len(added),
            top=[
                {"painpoint_key": k, "label": lbl, "score": round(float(s), 4)}
                for k, lbl, s in zip(frame.painpoint_key[:5], frame.label[:5], frame.score[:5], strict=True)
            ],
        )
    return PainpointRanking(
        run_id=run.run_id,
        window=window,
        config=cfg,
        frame=frame,
        window_tickets=int(data.desk.get("tickets", 0)),
        added_to_backlog=added,
        seconds=time.perf_counter() - began,
        steps={**steps, "store": time.perf_counter() - clock},
    )


# ---- reading stored rankings ----------------------------------------------------------------------------


class PainpointNotFound(LookupError):
    """No such ranking run or pain point; the message says what exists."""


def _run_or_latest(store: Store, run_id: str | None) -> str:
    from insightdesk.insights.common.runs import latest_run_id

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
    from insightdesk.insights.common.runs import from_json

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
    from insightdesk.insights.common.runs import from_json

    run = _run_or_latest(store, run_id)
    sql = (
        "SELECT p.run_id, p.rank, p.painpoint_key, p.kind, p.theme_id, p.category, p.label, p.score, "
        "p.severity, p.frequency, p.business_impact, p.critical, p.tickets, p.customers, p.trend, "
        "p.metrics, p.explanation, p.computed_at, b.status, b.owner, b.problem_id "
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


def get_painpoint(store: Store, key: str, *, run_id: str | None = None) -> dict[str, Any]:
    """One pain point of a run (default: the latest): figures, explanation, backlog state and history."""
    from insightdesk.insights.painpoints.backlog import backlog_entry, backlog_history

    frame = list_painpoints(store, run_id=run_id)
    hit = frame[frame.painpoint_key == key]
    if hit.empty:
        run = frame.run_id.iloc[0] if len(frame) else run_id
        near = [k for k in frame.painpoint_key if key.lower() in str(k).lower()][:5]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise PainpointNotFound(f"pain point {key!r} is not in ranking run {run}{hint}")
    row = hit.iloc[0].to_dict()
    row["backlog"] = backlog_entry(store, key)
    row["history"] = backlog_history(store, key).to_dict("records")
    return row


def window_for(store: Store, *, since: Any = None, until: Any = None, days: int = 90) -> Window:
    """The window a ranking would use (see painpoint_data.resolve_window)."""
    return resolve_window(store.ibis(), since=since, until=until, days=days)


__all__ = [
    "COMPONENTS",
    "FACTORS",
    "PainpointConfig",
    "PainpointNotFound",
    "PainpointRanking",
    "describe_component",
    "get_painpoint",
    "list_painpoints",
    "list_runs",
    "load_config",
    "newcombe_interval",
    "rank_painpoints",
    "score_painpoints",
]
