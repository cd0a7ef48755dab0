"""Close-the-loop KPIs, each with its formula, sample size and 95% interval.

- time to close the loop: median hours from a task's creation to its closing, over tasks closed in
  the period (distribution-free interval from order statistics);
- recovery rate: of the customers a call-back task was opened for, those who answered a survey again
  afterwards, the share whose later answer was not low (NPS passive or promoter, CSAT 3+): Wilson
  interval; owners' own judgement (`recovered` at closing) is reported beside it, not mixed in;
- actions opened and closed in the period.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from insightdesk.actions.events import satisfaction
from insightdesk.insights.common.runs import utcnow
from insightdesk.metrics import stats
from insightdesk.store.tables.actions import action_tasks
from insightdesk.store.tables.canonical import feedback

if TYPE_CHECKING:
    from insightdesk.store import Store


def _proportion(k: int, n: int) -> dict[str, Any]:
    lo, hi = stats.wilson(k, n)
    return {
        "value": k / n if n else None,
        "k": k,
        "n": n,
        "ci_low": None if not n else float(lo),
        "ci_high": None if not n else float(hi),
    }


def loop_kpis(store: Store, *, days: int = 30, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    since = now - dt.timedelta(days=days)
    with store.engine.connect() as conn:
        tasks = conn.execute(sa.select(action_tasks)).all()
        answers = conn.execute(
            sa.select(
                feedback.c.customer_id, feedback.c.scale, feedback.c.score, feedback.c.answered_at
            ).where(feedback.c.answered_at.is_not(None), feedback.c.customer_id.is_not(None))
        ).all()
    closed = [t for t in tasks if t.closed_at is not None and since <= t.closed_at < now]
    hours = np.sort([(t.closed_at - t.created_at).total_seconds() / 3600 for t in closed])
    n = len(hours)
    low, high = stats.median_ranks(n) if n else (0, 0)
    median = {
        "value": float(np.median(hours)) if n else None,
        "n": n,
        "ci_low": float(hours[low - 1]) if n and 1 <= low <= n else None,
        "ci_high": float(hours[high - 1]) if n and 1 <= high <= n else None,
        "formula": "median over tasks closed in the period of (closed_at - created_at), hours",
    }
    later: dict[str, list[tuple[dt.datetime, str | None]]] = {}
    for a in answers:
        later.setdefault(a.customer_id, []).append((a.answered_at, satisfaction(a.scale, a.score)[1]))
    followed = [t for t in tasks if t.kind == "callback" and t.customer_id and since <= t.created_at < now]
    k = m = 0
    for t in followed:
        after = sorted(x for x in later.get(t.customer_id, []) if x[0] > t.created_at and x[1] is not None)
        if after:
            m += 1
            k += after[0][1] != "low"
    recovery = _proportion(k, m)
    recovery["formula"] = (
        "customers with a call-back task whose first survey answer after it is not low (NPS 7+, CSAT 3+) / "
        "those of them who answered again"
    )
    recovery["followed_up"] = len(followed)
    judged = [t for t in closed if t.kind == "callback" and t.status == "done" and t.recovered is not None]
    owners = _proportion(sum(bool(t.recovered) for t in judged), len(judged))
    owners["formula"] = "call-backs closed done and marked recovered / those closed done with a judgement"
    return {
        "period": {"since": since.isoformat(), "until": now.isoformat(), "days": days},
        "time_to_close_hours": median,
        "recovery_rate": recovery,
        "owner_judged_recovery": owners,
        "opened": sum(since <= t.created_at < now for t in tasks),
        "closed": len(closed),
    }
