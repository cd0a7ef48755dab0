"""Skill gaps: where an agent (or a team) does worse on a topic than the desk does on that topic.

A topic is a ticket category or a text theme (`topics`). For each topic, every unit's figure is shrunk
toward the topic's desk-wide figure (empirical Bayes, `shrinkage`), so a gap needs evidence, not one
bad ticket. A gap is flagged when the shrunk estimate is worse than the topic's mean by at least
`min_gap` and its 95% interval excludes the topic's mean. Sources: QA scores (evaluations,
sampling-weighted), CSAT and escalation rate (the KPI engine, restricted to the topic's tickets), each
with its direction (higher or lower is better).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.quality.records import read_frame
from insightdesk.quality.scorecards import qa_groups
from insightdesk.quality.shrinkage import shrink_means, shrink_shares_within
from insightdesk.quality.topics import check_topic, ticket_themes
from insightdesk.store.tables.people import teams
from insightdesk.store.tables.quality import qa_evaluations
from insightdesk.store.tables.work import tickets

if TYPE_CHECKING:
    from insightdesk.store import Store

# metric -> (higher is better, gap that matters in the metric's unit)
SOURCES = {"qa_score": (True, 10.0), "csat": (True, 0.1), "escalation_rate": (False, 0.1)}
UNITS = {"agent": "agent_id", "team": "team_id"}
# The KPI engine is asked once per theme: the busiest themes only, so a desk with hundreds of small
# themes still answers in seconds (the rest have too few tickets per agent to flag a gap anyway).
MAX_THEMES = 30
COLUMNS = [
    "unit",
    "topic_kind",
    "topic",
    "topic_label",
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


def _flag(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    higher_better, min_gap = SOURCES[metric]
    topic_mean = frame["topic_mean"]
    gap = frame["estimate"] - topic_mean
    worse = gap <= -min_gap if higher_better else gap >= min_gap
    excludes = frame["high"] < topic_mean if higher_better else frame["low"] > topic_mean
    return frame.assign(metric=metric, gap=gap, flagged=worse & excludes)


def _qa_parts(evaluations: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for (topic, label), g in evaluations.groupby(["topic", "topic_label"]):
        shrunk = shrink_means(qa_groups(g, "unit"))
        if len(shrunk):
            yield _flag(
                shrunk.assign(
                    topic=topic, topic_label=label, value=shrunk["mean"], topic_mean=shrunk.attrs["team_mean"]
                ),
                "qa_score",
            )


def _share_parts(kpi: pd.DataFrame, unit: str, metric: str) -> pd.DataFrame | None:
    """Every topic of `kpi` (its `topic` and `topic_label` columns) shrunk at once, each toward its
    own topic's rate."""
    kpi = kpi.dropna(subset=[unit])
    groups = pd.DataFrame(
        {
            "unit": kpi[unit],
            "n": kpi["denominator"],
            "k": kpi["numerator"],
            "topic": kpi["topic"],
            "topic_label": kpi["topic_label"],
        }
    )
    shrunk = shrink_shares_within(groups, "topic")
    if not len(shrunk):
        return None
    shrunk = shrunk.assign(value=shrunk["k"] / shrunk["n"], topic_mean=shrunk["team_mean"])
    return _flag(shrunk, metric)


def _team_ids(store: Store, kpi: pd.DataFrame) -> pd.DataFrame:
    """The KPI engine's `team` dimension is the team's name; gaps (and scopes) speak of team ids."""
    rows = read_frame(store, sa.select(teams.c.id, teams.c.name))
    by_name = {n: i for i, n in zip(rows["id"], rows["name"], strict=True) if n}
    return kpi.assign(team=[by_name.get(v, v) for v in kpi["team"]])


def skill_gaps(
    store: Store,
    *,
    unit: str = "agent",
    topic: str = "category",
    since: object = None,
    until: object = None,
) -> pd.DataFrame:
    """unit, topic_kind, topic, topic_label, metric, value, n, estimate, low, high, topic_mean, gap,
    flagged (worst gaps first)."""
    from insightdesk.metrics import compute

    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} must be agent or team")
    check_topic(topic)
    column = UNITS[unit]
    e, t = qa_evaluations, tickets
    evaluations = read_frame(
        store,
        sa.select(
            e.c[column].label("unit"),
            e.c.ticket_id,
            sa.func.coalesce(t.c.category, "unknown").label("category"),
            e.c.score,
            e.c.weight,
        )
        .join(t, t.c.id == e.c.ticket_id)
        .where(e.c.calibration_id.is_(None), e.c[column].is_not(None)),
    )
    parts: list[pd.DataFrame] = []

    def kpi(metric: str, by: list[str], where: Any = None) -> pd.DataFrame:
        frame = compute(metric, store=store, by=by, since=since, until=until, min_n=1, where=where)
        return _team_ids(store, frame) if unit == "team" else frame

    if topic == "category":
        evaluations = evaluations.assign(topic=evaluations["category"], topic_label=evaluations["category"])
        parts += _qa_parts(evaluations)
        for metric in ("csat", "escalation_rate"):
            frame = kpi(metric, [unit, "category"]).fillna({"category": "unknown"})
            topics = frame["category"].astype(str)
            # In topic order, as one frame per topic came before: ties in the final sort keep it.
            frame = frame.assign(topic=topics, topic_label=topics).sort_values("topic", kind="stable")
            part = _share_parts(frame, unit, metric)
            if part is not None:
                parts.append(part)
    else:
        themed = ticket_themes(store)
        parts += _qa_parts(evaluations.drop(columns="category").merge(themed, on="ticket_id"))
        busiest = themed.groupby(["topic", "topic_label"]).size().nlargest(MAX_THEMES)
        for (theme, label), _ in busiest.items():
            ids = list(themed.loc[themed["topic"] == theme, "ticket_id"])
            for metric in ("csat", "escalation_rate"):
                frame = kpi(metric, [unit], lambda f, ids=ids: f.ticket_id.isin(ids))
                part = _share_parts(frame.assign(topic=str(theme), topic_label=str(label)), unit, metric)
                if part is not None:
                    parts.append(part)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.concat([p.assign(topic_kind=topic).reindex(columns=COLUMNS) for p in parts], ignore_index=True)
    frame["severity"] = frame["gap"].abs() * frame["flagged"]
    return (
        frame.sort_values(["flagged", "severity"], ascending=False)
        .drop(columns="severity")
        .reset_index(drop=True)
    )
