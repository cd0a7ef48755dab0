"""Pain points: which themes and categories hurt customers most, and why.

    ranking = rank_painpoints(store)                 # aggregates in the backend, scores, stores a run
    ranking.frame[["rank", "label", "score"]]        # 1 = most urgent
    ranking.frame.explanation[0]                     # the factors that put it first, largest first
    list_painpoints(store)                           # the latest stored ranking, with backlog status

The ranking service: `data` sums per pain point in the backend, `scoring` (with `comparisons` and
`explanation`) turns the sums into a ranking under `config`, and `persistence` stores the run
(insight_runs, painpoints, new backlog entries) and reads stored runs back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.governance.settings import get_setting
from insightdesk.insights.common.runs import recorded_run, utcnow
from insightdesk.insights.painpoints.codes import PainpointData
from insightdesk.insights.painpoints.config import PainpointConfig
from insightdesk.insights.painpoints.data import aggregate_painpoints
from insightdesk.insights.painpoints.errors import PainpointDataError, PainpointNotFound
from insightdesk.insights.painpoints.persistence import (
    add_new_painpoints,
    backlog_entry,
    backlog_history,
    list_painpoints,
    write_ranking,
)
from insightdesk.insights.painpoints.scoring import score_painpoints
from insightdesk.insights.painpoints.window import Window, resolve_window

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
    currency = get_setting(store.engine, "display.currency")
    frame = score_painpoints(data.groups, data.desk, cfg, currency=currency)
    _attach_series(frame, data)
    steps["score"] = time.perf_counter() - clock
    clock = time.perf_counter()
    params = {"window": window.to_dict(), "config": cfg.to_dict()}
    with recorded_run(store, "painpoints", params, started_by=started_by) as run:
        now = utcnow()
        write_ranking(run.conn, run.run_id, frame, now)
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


def get_painpoint(store: Store, key: str, *, run_id: str | None = None) -> dict[str, Any]:
    """One pain point of a run (default: the latest): figures, explanation, backlog state and history."""
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
    """The window a ranking would use (see window.resolve_window)."""
    return resolve_window(store.ibis(), since=since, until=until, days=days)
