"""KPI-15 of the feedback programme: the close-the-loop rate, per survey and channel.

    close_the_loop_rate(store, days=90)

Population: follow-up tasks created in the period from a survey answer (`action_tasks.feedback_id`)
whose answer was low (NPS detractor 0-6, CSAT 1-2, CES 5+). Of those whose fate is known, the share
closed with an outcome by their target:

    rate = tasks closed (done or could not reach, with an outcome) by their target
           / (those tasks + tasks closed late + tasks still open past their target)

The target is each task's own due time (business hours from its rule), or `target_business_hours`
from its creation on the business calendar for every task alike. A task still open before its target
is `pending`, outside the rate: counting it as a miss would punish the newest tasks. 95% Wilson
interval. Time to close the loop: median and 90th percentile (linear interpolation) of hours from
creation to closing over the tasks closed, with their n.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from insightdesk.actions.business_hours import BusinessCalendar, add_business_hours
from insightdesk.actions.events import satisfaction
from insightdesk.actions.tasks import CLOSED
from insightdesk.insights.common.runs import utcnow
from insightdesk.metrics import stats
from insightdesk.store.tables.actions import action_tasks
from insightdesk.store.tables.canonical import feedback

if TYPE_CHECKING:
    from insightdesk.store import Store

FORMULA = (
    "low-score answers' follow-up tasks closed with an outcome by their target / those whose target passed "
    "or that closed (pending ones left out); Wilson 95%"
)


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    decided = [r for r in rows if not r["pending"]]
    n, k = len(decided), sum(r["in_target"] for r in decided)
    lo, hi = stats.wilson(k, n)
    hours = np.array([r["hours"] for r in rows if r["hours"] is not None], dtype=float)
    return {
        "n": n,
        "closed_in_target": k,
        "rate": k / n if n else None,
        "ci_low": float(lo) if n else None,
        "ci_high": float(hi) if n else None,
        "pending": len(rows) - n,
        "late_or_open": n - k,
        "time_to_close_hours": {
            "n": len(hours),
            "median": float(np.median(hours)) if len(hours) else None,
            "p90": float(np.quantile(hours, 0.9)) if len(hours) else None,
        },
    }


def close_the_loop_rate(
    store: Store,
    *,
    days: int = 90,
    now: dt.datetime | None = None,
    target_business_hours: float | None = None,
    calendar: BusinessCalendar | None = None,
) -> dict[str, Any]:
    """Per survey and channel (and overall): the close-the-loop rate with n and interval, and time to close."""
    if not 1 <= days <= 3660:
        raise ValueError(f"days must be 1 to 3660, got {days}")
    if target_business_hours is not None and not 0 < target_business_hours <= 2000:
        raise ValueError(
            f"target business hours must be over 0 and at most 2000, got {target_business_hours}"
        )
    now = now or utcnow()
    since = now - dt.timedelta(days=days)
    calendar = calendar or BusinessCalendar()
    query = (
        sa.select(
            action_tasks.c.status, action_tasks.c.outcome, action_tasks.c.created_at, action_tasks.c.due_at,
            action_tasks.c.closed_at, feedback.c.survey_id, feedback.c.channel, feedback.c.scale, feedback.c.score,
        )
        .select_from(action_tasks.join(feedback, feedback.c.id == action_tasks.c.feedback_id))
        .where(action_tasks.c.created_at >= since, action_tasks.c.created_at < now)
    )  # fmt: skip
    with store.engine.connect() as conn:
        tasks = conn.execute(query).all()
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for t in tasks:
        if satisfaction(t.scale, t.score)[1] != "low":
            continue
        target = (
            t.due_at
            if target_business_hours is None
            else add_business_hours(t.created_at, target_business_hours, calendar)
        )
        closed = t.status in CLOSED and t.closed_at is not None and bool((t.outcome or "").strip())
        row = {
            "in_target": closed and t.closed_at <= target,
            "pending": not closed and now <= target,
            "hours": (t.closed_at - t.created_at).total_seconds() / 3600 if closed else None,
        }
        groups.setdefault((t.survey_id or "-", t.channel or "-"), []).append(row)
    return {
        "formula": FORMULA,
        "period": {"since": since.isoformat(), "until": now.isoformat(), "days": days},
        "target": "each task's due time"
        if target_business_hours is None
        else f"{target_business_hours:g} business hours",
        "surveys": [
            {"survey_id": survey, "channel": channel, **_figures(rows)}
            for (survey, channel), rows in sorted(groups.items())
        ],
        "overall": _figures([r for rows in groups.values() for r in rows]),
    }
