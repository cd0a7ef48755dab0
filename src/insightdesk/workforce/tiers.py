"""Tier and skills analysis (WFM-04): where tickets escalate, by topic and tier, and what the
escalations cost in time held.

A ticket's path is its assignment groups in order: the group it was created in (the `from_value` of its
first reassignment, else its current team) and each reassignment's `to_value`. Each group has a support
tier (teams.support_tier). A ticket escalates when its path reaches a higher tier than it started in.
Time held by a tier is the elapsed time between the reassignments (to resolution, else the last event):
elapsed, not worked, time, since the store has no effort records; `touch_minutes` turns touches into
an effort estimate when the desk knows its handle time per touch.

Per topic the summary gives the resolution level (the share of resolved tickets whose last tier was
L1, L2 or L3) and what an escalation costs: the mean hours to resolution of escalated tickets less
that of the topic's tickets that stayed in their first tier, with a Welch 95% interval, and with
`touch_minutes` the same difference in effort. A difference within a topic, not a causal effect:
the tickets that escalate may be the harder ones whoever handled them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from insightdesk.store.tables.people import teams
from insightdesk.store.tables.work import ticket_events, tickets
from insightdesk.workforce.records import read_frame

if TYPE_CHECKING:
    from insightdesk.store import Store

TOPIC_COLUMNS = ("category", "subcategory", "channel", "type", "priority")
_TIER_RANK = {"L1": 1, "L2": 2, "L3": 3}


def _team_tiers(store: Store) -> dict[str, str]:
    """Tier by team id and by the team's id in its source (events carry the source's group names)."""
    frame = read_frame(store, sa.select(teams.c.id, teams.c.source_id, teams.c.support_tier))
    tiers: dict[str, str] = {}
    for row in frame.itertuples(index=False):
        if row.support_tier:
            tiers[str(row.id)] = str(row.support_tier)
            tiers.setdefault(str(row.source_id), str(row.support_tier))
    return tiers


def tier_paths(
    store: Store,
    *,
    topic: str = "category",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> pd.DataFrame:
    """One row per ticket and tier held: ticket, topic, tier, hours held, touches (assignments)."""
    if topic not in TOPIC_COLUMNS:
        raise ValueError(f"topic {topic!r} must be one of {', '.join(TOPIC_COLUMNS)}")
    t, e = tickets, ticket_events
    window: list[Any] = [sa.true()]
    if since is not None:
        window.append(t.c.created_at >= since)
    if until is not None:
        window.append(t.c.created_at < until)
    base = read_frame(
        store,
        sa.select(
            t.c.id.label("ticket_id"),
            sa.func.coalesce(t.c[topic], "unknown").label("topic"),
            t.c.team_id,
            t.c.created_at,
            sa.func.coalesce(t.c.resolved_at, t.c.closed_at).label("ended_at"),
        ).where(*window),
    )
    moves = read_frame(
        store,
        sa.select(e.c.ticket_id, e.c.from_value, e.c.to_value, e.c.occurred_at)
        .where(e.c.event_type == "reassignment", e.c.ticket_id.in_(sa.select(t.c.id).where(*window)))
        .order_by(e.c.ticket_id, e.c.seq),
    )
    tiers = _team_tiers(store)
    grouped = {k: g for k, g in moves.groupby("ticket_id")}
    rows = []
    for ticket in base.itertuples(index=False):
        path = grouped.get(ticket.ticket_id)
        if path is None or path.empty:
            stops = [(ticket.team_id, ticket.created_at)]
        else:
            stops = [(path["from_value"].iloc[0], ticket.created_at)]
            stops += list(zip(path["to_value"], path["occurred_at"], strict=True))
        resolved = bool(pd.notna(ticket.ended_at))
        end = ticket.ended_at if resolved else stops[-1][1]
        for i, (group, start) in enumerate(stops):
            stop = stops[i + 1][1] if i + 1 < len(stops) else end
            hours = max(0.0, (pd.Timestamp(stop) - pd.Timestamp(start)).total_seconds() / 3600.0)
            rows.append(
                (ticket.ticket_id, ticket.topic, tiers.get(str(group), "unknown"), hours, i, resolved)
            )
    return pd.DataFrame(rows, columns=["ticket_id", "topic", "tier", "hours", "step", "resolved"])


def _welch(a: pd.Series, b: pd.Series) -> tuple[float, float, float]:
    """mean(a) - mean(b) and its Welch 95% interval (NaN when either side has fewer than 2)."""
    diff = float(a.mean() - b.mean()) if len(a) and len(b) else np.nan
    if len(a) < 2 or len(b) < 2:
        return diff, np.nan, np.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    if se == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    return diff, diff - half, diff + half


def escalation_cost(
    paths: pd.DataFrame, escalated: pd.Series, touch_minutes: dict[str, float] | None = None
) -> pd.DataFrame:
    """Per topic: resolution level (share of resolved tickets last held by each tier) and the extra
    hours to resolution (and effort, with `touch_minutes`) of an escalated ticket over a direct one."""
    per_ticket = paths.groupby("ticket_id").agg(
        topic=("topic", "first"), hours=("hours", "sum"), resolved=("resolved", "first")
    )
    per_ticket["escalated"] = escalated.reindex(per_ticket.index).fillna(False).astype(bool)
    last = paths.sort_values("step").groupby("ticket_id")["tier"].last()
    per_ticket["final_tier"] = last
    if touch_minutes:
        minutes = paths["tier"].map(touch_minutes).fillna(0.0)
        per_ticket["effort"] = (minutes / 60.0).groupby(paths["ticket_id"]).sum()
    rows = []
    for topic, g in per_ticket.groupby("topic"):
        done = g[g["resolved"]]
        row: dict[str, Any] = {"topic": topic}
        for tier in sorted(set(paths["tier"]) - {"unknown"}):
            row[f"resolved_{tier}"] = float((done["final_tier"] == tier).mean()) if len(done) else np.nan
        up, direct = done[done["escalated"]], done[~done["escalated"]]
        row["extra_hours"], row["extra_hours_low"], row["extra_hours_high"] = _welch(
            up["hours"], direct["hours"]
        )
        if touch_minutes:
            row["extra_effort_hours"] = _welch(up["effort"], direct["effort"])[0]
        rows.append(row)
    return pd.DataFrame(rows).set_index("topic")


def escalation_summary(paths: pd.DataFrame, touch_minutes: dict[str, float] | None = None) -> pd.DataFrame:
    """Per topic: tickets, share escalated beyond their first tier, hours held per tier, touches per tier
    and (with `touch_minutes` per tier) the effort the escalations cost."""
    if paths.empty:
        return pd.DataFrame(columns=["topic", "tickets", "escalated", "escalation_rate"])
    ranks = paths["tier"].map(_TIER_RANK)
    paths = paths.assign(rank=ranks)
    first = paths[paths["step"] == 0].set_index("ticket_id")["rank"]
    highest = paths.groupby("ticket_id")["rank"].max()
    escalated = (highest > first.reindex(highest.index)).rename("escalated")
    per_ticket = paths.groupby("ticket_id")["topic"].first().to_frame().join(escalated)
    summary = per_ticket.groupby("topic").agg(tickets=("escalated", "size"), escalated=("escalated", "sum"))
    summary["escalation_rate"] = summary["escalated"] / summary["tickets"]
    hours = paths.pivot_table(index="topic", columns="tier", values="hours", aggfunc="sum", fill_value=0.0)
    touches = paths.pivot_table(index="topic", columns="tier", values="step", aggfunc="size", fill_value=0)
    summary = summary.join(hours.add_prefix("hours_")).join(touches.add_prefix("touches_"))
    summary = summary.join(escalation_cost(paths, escalated, touch_minutes))
    if touch_minutes:
        effort = sum(
            touches.get(tier, pd.Series(0, index=touches.index)) * minutes / 60.0
            for tier, minutes in touch_minutes.items()
        )
        summary["effort_hours"] = effort if isinstance(effort, pd.Series) else np.nan
    return summary.reset_index().sort_values("tickets", ascending=False).reset_index(drop=True)
