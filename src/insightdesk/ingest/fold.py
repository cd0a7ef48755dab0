"""Fold an event log (ServiceNow writes one row per update) into records and status history.

Pure SQL builders. The newest event of a record gives its current values; each change of
a tracked field between consecutive events becomes one ticket event.
"""

from __future__ import annotations

from insightdesk.ingest.mapping import FoldSpec
from insightdesk.ingest.sql import q

TRACK_EVENT_TYPES = {"team_id": "reassignment", "agent_id": "reassignment", "priority": "priority_change"}
DONE_STATUSES = ("resolved", "closed", "cancelled")


def order_keys(fold: FoldSpec, direction: str) -> str:
    keys = [f"{q(f'__order{i}')} {direction} NULLS FIRST" for i in range(len(fold.order_by))]
    return ", ".join([*keys, f'"__row" {direction}'])


def latest_per_record_sql(source: str, fold: FoldSpec, columns: list[str]) -> str:
    """One row per id: the values of its newest event."""
    return (
        f"SELECT {', '.join(q(c) for c in columns)} FROM {source} "
        f"QUALIFY row_number() OVER (PARTITION BY id ORDER BY {order_keys(fold, 'DESC')}) = 1"
    )


def events_sql(source: str, fold: FoldSpec, has_created_at: bool) -> str:
    """Ticket events (id, ticket_id, seq, event_type, from_value, to_value, occurred_at, actor)."""
    actor = q("__actor") if fold.actor else "CAST(NULL AS VARCHAR)"
    tracked = list(fold.track)
    lags = ", ".join(f"lag({q(f)}) OVER w AS {q('prev_' + f)}" for f in tracked)
    ordered = (
        f"SELECT id AS ticket_id, __event_time, {actor} AS actor, "
        + (f"{', '.join(q(f) for f in tracked)}, {lags}, " if tracked else "")
        + ("created_at, " if has_created_at else "")
        + "row_number() OVER w AS n "
        f"FROM {source} WINDOW w AS (PARTITION BY id ORDER BY {order_keys(fold, 'ASC')})"
    )
    parts = []
    created_time = "coalesce(created_at, __event_time)" if has_created_at else "__event_time"
    first_status = q("status") if "status" in tracked else "CAST(NULL AS VARCHAR)"
    parts.append(
        f"SELECT ticket_id, 0 AS part, n, 'created' AS event_type, CAST(NULL AS VARCHAR) AS from_value, "
        f"CAST({first_status} AS VARCHAR) AS to_value, {created_time} AS occurred_at, actor FROM o WHERE n = 1"
    )
    for i, name in enumerate(tracked, start=1):
        prev, cur = q("prev_" + name), q(name)
        if name == "status":
            done = ", ".join(f"'{s}'" for s in DONE_STATUSES)
            event_type = (
                f"CASE WHEN {cur} = 'resolved' THEN 'resolved' WHEN {cur} = 'closed' THEN 'closed' "
                f"WHEN {prev} IN ({done}) THEN 'reopened' ELSE 'status_change' END"
            )
        else:
            event_type = f"'{TRACK_EVENT_TYPES[name]}'"
        parts.append(
            f"SELECT ticket_id, {i} AS part, n, {event_type} AS event_type, CAST({prev} AS VARCHAR), "
            f"CAST({cur} AS VARCHAR), __event_time, actor FROM o "
            f"WHERE n > 1 AND {prev} IS DISTINCT FROM {cur}"
        )
    union = " UNION ALL ".join(parts)
    return (
        f"WITH o AS ({ordered}), e AS ({union}) "
        "SELECT ticket_id || ':' || CAST(row_number() OVER (PARTITION BY ticket_id ORDER BY n, part) - 1 AS VARCHAR)"
        " AS id, ticket_id, CAST(row_number() OVER (PARTITION BY ticket_id ORDER BY n, part) - 1 AS INTEGER) AS seq,"
        " event_type, from_value, to_value, occurred_at, actor FROM e"
    )


def first_response_sql(events_table: str) -> str:
    """First time a ticket left `new`: the first sign of an agent working it."""
    return (
        f"SELECT ticket_id, min(occurred_at) AS first_response_at FROM {events_table} "
        "WHERE seq > 0 AND event_type IN ('status_change', 'resolved', 'closed') AND from_value = 'new' "
        "GROUP BY ticket_id"
    )
