"""Agent scorecards: QA score, CSAT, FCR and handle time per agent, each shrunk toward the agent's
team (empirical Bayes, see `shrinkage`) with a 95% interval and the raw figure and its n beside it.

CSAT, FCR and handle time come from the KPI engine (`insightdesk.metrics`), so they mean exactly what
the dashboard's KPIs mean; the QA score is the sampling-weighted mean of the agent's evaluations
(calibration-round evaluations left out), with Kish's effective sample size as its n.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from insightdesk.quality.records import read_frame
from insightdesk.quality.shrinkage import shrink_means, shrink_shares
from insightdesk.store.tables.people import agents
from insightdesk.store.tables.quality import qa_evaluations

if TYPE_CHECKING:
    from insightdesk.store import Store

MIN_TEAM_AGENTS = 3  # fewer agents with data than this: shrink toward the whole desk instead


def qa_groups(evaluations: pd.DataFrame, key: str = "agent_id") -> pd.DataFrame:
    """Per `key`: weighted mean, weighted variance, Kish effective n of the QA totals."""
    rows = []
    for value, g in evaluations.dropna(subset=["score"]).groupby(key):
        w, y = g["weight"].to_numpy(float), g["score"].to_numpy(float)
        mean = float((w * y).sum() / w.sum())
        var = float((w * (y - mean) ** 2).sum() / w.sum()) if len(y) > 1 else np.nan
        rows.append(
            {key: value, "mean": mean, "var": var, "n": float(w.sum() ** 2 / (w**2).sum()), "raw_n": len(y)}
        )
    return pd.DataFrame(rows, columns=[key, "mean", "var", "n", "raw_n"])


def _by_team(frame: pd.DataFrame, teams: pd.Series, shrink: object) -> pd.DataFrame:
    """Shrink within each team with enough agents, the rest toward the desk."""
    frame = frame.assign(team_id=frame["agent"].map(teams))
    sizes = frame.groupby("team_id")["agent"].transform("size")
    parts = [shrink(g) for _, g in frame[sizes >= MIN_TEAM_AGENTS].groupby("team_id")]  # type: ignore[operator]
    small = frame[(sizes < MIN_TEAM_AGENTS) | frame["team_id"].isna()]
    if len(small):
        parts.append(shrink(small))  # type: ignore[operator]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else frame.assign(estimate=[], low=[], high=[])


def scorecards(store: Store, *, since: object = None, until: object = None) -> pd.DataFrame:
    """Long frame: agent, team_id, metric, value (raw), n, estimate, low, high (shrunk)."""
    from insightdesk.metrics import compute

    teams = read_frame(store, sa.select(agents.c.id, agents.c.team_id)).set_index("id")["team_id"]
    parts = []
    for metric in ("csat", "fcr"):
        kpi = compute(metric, store=store, by=["agent"], since=since, until=until, min_n=1)
        kpi = kpi.dropna(subset=["agent"])
        groups = pd.DataFrame({"agent": kpi["agent"], "n": kpi["denominator"], "k": kpi["numerator"]})
        shrunk = _by_team(groups, teams, shrink_shares)
        parts.append(shrunk.assign(metric=metric, value=shrunk["k"] / shrunk["n"]))
    kpi = compute("handle_time", store=store, by=["agent"], since=since, until=until, min_n=1).dropna(
        subset=["agent"]
    )
    groups = pd.DataFrame({"agent": kpi["agent"], "n": kpi["n"], "mean": kpi["value"], "var": kpi["sd"] ** 2})
    shrunk = _by_team(groups, teams, shrink_means)
    parts.append(shrunk.assign(metric="handle_time_hours", value=shrunk["mean"]))
    evaluations = read_frame(
        store,
        sa.select(qa_evaluations.c.agent_id, qa_evaluations.c.score, qa_evaluations.c.weight).where(
            qa_evaluations.c.calibration_id.is_(None), qa_evaluations.c.agent_id.is_not(None)
        ),
    )
    if len(evaluations):
        groups = qa_groups(evaluations).rename(columns={"agent_id": "agent"})
        shrunk = _by_team(groups, teams, shrink_means)
        parts.append(shrunk.assign(metric="qa_score", value=shrunk["mean"]))
    columns = ["agent", "team_id", "metric", "value", "n", "estimate", "low", "high"]
    frame = pd.concat([p.reindex(columns=columns) for p in parts], ignore_index=True)
    return frame.rename(columns={"agent": "agent_id"})
