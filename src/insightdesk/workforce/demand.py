"""Arrivals per series and period, read from the store's tickets (their `created_at`), on a complete
grid: a period with no ticket is a zero, not a gap."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from insightdesk.store.tables.work import tickets
from insightdesk.workforce.forecast import GRANULARITIES
from insightdesk.workforce.records import read_frame

if TYPE_CHECKING:
    from insightdesk.store import Store

GROUP_COLUMNS = ("all", "channel", "team_id", "category", "type", "priority")
MAX_TICKETS = 5_000_000


def read_demand(
    store: Store,
    *,
    group_by: str = "channel",
    granularity: str = "day",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    series: list[str] | None = None,
    max_series: int = 10,
) -> tuple[pd.DataFrame, list[str]]:
    """(`unique_id, ds, y` on a complete grid, warnings): the `max_series` busiest series are kept."""
    if group_by not in GROUP_COLUMNS:
        raise ValueError(f"group_by {group_by!r} must be one of {', '.join(GROUP_COLUMNS)}")
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity {granularity!r} must be one of {', '.join(GRANULARITIES)}")
    key = sa.literal("all") if group_by == "all" else sa.func.coalesce(tickets.c[group_by], "unknown")
    query = sa.select(key.label("unique_id"), tickets.c.created_at.label("created_at"))
    if since is not None:
        query = query.where(tickets.c.created_at >= since)
    if until is not None:
        query = query.where(tickets.c.created_at < until)
    if series:
        query = query.where(key.in_(series))
    with store.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar() or 0)
    if total > MAX_TICKETS:
        raise ValueError(
            f"{total:,} tickets is more than {MAX_TICKETS:,}: narrow the window with since/until"
        )
    frame = read_frame(store, query)
    if frame.empty:
        raise ValueError("there is no demand to forecast: no ticket matches the window and series given")
    freq = GRANULARITIES[granularity][0]
    frame["ds"] = pd.to_datetime(frame["created_at"]).dt.floor(freq)
    counts = frame.groupby(["unique_id", "ds"]).size().rename("y").reset_index()
    notes = []
    volumes = counts.groupby("unique_id")["y"].sum().sort_values(ascending=False)
    if len(volumes) > max_series:
        dropped = volumes.index[max_series:]
        notes.append(
            f"kept the {max_series} busiest of {len(volumes)} series; left out {len(dropped)} "
            f"with {int(volumes[dropped].sum()):,} tickets"
        )
        counts = counts[counts["unique_id"].isin(volumes.index[:max_series])]
    grid = pd.date_range(counts["ds"].min(), counts["ds"].max(), freq=freq)
    full = pd.MultiIndex.from_product([sorted(counts["unique_id"].unique()), grid], names=["unique_id", "ds"])
    out = counts.set_index(["unique_id", "ds"]).reindex(full, fill_value=0).reset_index()
    out["y"] = out["y"].astype(float)
    out["unique_id"] = out["unique_id"].astype(str)
    return out, notes
