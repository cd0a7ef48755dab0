"""Skill gaps: where an agent (or a team) does worse on a topic than the desk does on that topic.

For each topic (ticket category), every agent's figure is shrunk toward the topic's desk-wide figure
(empirical Bayes, `shrinkage`), so a gap needs evidence, not one bad ticket. A gap is flagged when the
shrunk estimate is worse than the topic's mean by at least `min_gap` and its 95% interval excludes the
topic's mean. Sources: QA scores (evaluations, sampling-weighted), CSAT and escalation rate (the KPI
engine), each with its direction (higher or lower is better).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from insightdesk.quality.records import read_frame
from insightdesk.quality.scorecards import qa_groups
from insightdesk.quality.shrinkage import shrink_means, shrink_shares
from insightdesk.store.tables.quality import qa_evaluations
from insightdesk.store.tables.work import tickets

if TYPE_CHECKING:
    from insightdesk.store import Store

# metric -> (higher is better, gap that matters in the metric's unit)
SOURCES = {"qa_score": (True, 10.0), "csat": (True, 0.1), "escalation_rate": (False, 0.1)}
UNITS = {"agent": "agent_id", "team": "team_id"}


def _flag(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    higher_better, min_gap = SOURCES[metric]
    topic_mean = (
        frame.groupby("topic")["estimate"].transform("mean")
        if "topic_mean" not in frame
        else frame["topic_mean"]
    )
    gap = frame["estimate"] - topic_mean
    worse = gap <= -min_gap if higher_better else gap >= min_gap
    excludes = frame["high"] < topic_mean if higher_better else frame["low"] > topic_mean
    return frame.assign(metric=metric, topic_mean=topic_mean, gap=gap, flagged=worse & excludes)


def skill_gaps(
    store: Store, *, unit: str = "agent", since: object = None, until: object = None
) -> pd.DataFrame:
    """unit, topic, metric, value, n, estimate, low, high, topic_mean, gap, flagged (worst gaps first)."""
    from insightdesk.metrics import compute

    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} must be agent or team")
    column = UNITS[unit]
    parts = []
    e, t = qa_evaluations, tickets
    evaluations = read_frame(
        store,
        sa.select(
            e.c[column].label("unit"),
            sa.func.coalesce(t.c.category, "unknown").label("topic"),
            e.c.score,
            e.c.weight,
        )
        .join(t, t.c.id == e.c.ticket_id)
        .where(e.c.calibration_id.is_(None), e.c[column].is_not(None)),
    )
    for topic, g in evaluations.groupby("topic"):
        groups = qa_groups(g, "unit")
        shrunk = shrink_means(groups)
        if len(shrunk):
            parts.append(
                _flag(
                    shrunk.assign(topic=topic, value=shrunk["mean"], topic_mean=shrunk.attrs["team_mean"]),
                    "qa_score",
                )
            )
    for metric in ("csat", "escalation_rate"):
        kpi = compute(metric, store=store, by=[unit, "category"], since=since, until=until, min_n=1)
        kpi = kpi.dropna(subset=[unit]).fillna({"category": "unknown"})
        for topic, g in kpi.groupby("category"):
            groups = pd.DataFrame({"unit": g[unit], "n": g["denominator"], "k": g["numerator"]})
            shrunk = shrink_shares(groups)
            if len(shrunk):
                shrunk = shrunk.assign(
                    topic=topic, value=shrunk["k"] / shrunk["n"], topic_mean=shrunk.attrs["team_mean"]
                )
                parts.append(_flag(shrunk, metric))
    columns = [
        "unit",
        "topic",
        "metric",
        "value",
        "n",
        "estimate",
        "low",
        "high",
        "topic_mean",
        "gap",
        "flagged",
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat([p.reindex(columns=columns) for p in parts], ignore_index=True)
    frame["severity"] = frame["gap"].abs() * frame["flagged"]
    return (
        frame.sort_values(["flagged", "severity"], ascending=False)
        .drop(columns="severity")
        .reset_index(drop=True)
    )
