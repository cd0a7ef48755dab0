"""Pain-point backlog governance, on top of `insights.painpoints`' backlog (its public API only):

- `unowned_queue`: entries nobody owns, oldest first, with their age in business hours and an
  escalation level (one level per `escalate_every_hours` unowned);
- `recurrence_watch`: a verified fix whose theme rebounds is reopened (verified -> under_review). The
  theme's share of tickets over the last `window_days` is tested against its share after the fix (the
  verification's measurement) with a one-sided two-proportion z-test; a significant rise reopens it,
  and with `follow_up_survey` invites the customers the theme affected in the window (`followup`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.business_hours import BusinessCalendar, business_hours_between
from insightdesk.actions.followup import affected_customers, plan_follow_up, published_version
from insightdesk.governance import audit
from insightdesk.insights.common.runs import utcnow
from insightdesk.insights.painpoints import backlog_frame, update_painpoint
from insightdesk.metrics import stats
from insightdesk.store.tables.canonical import tickets
from insightdesk.store.tables.text import text_analyses

if TYPE_CHECKING:
    from insightdesk.store import Store

WATCH_DAYS = 14
MIN_TICKETS = 30


def unowned_queue(
    store: Store,
    *,
    escalate_every_hours: float = 16,
    calendar: BusinessCalendar | None = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Unowned backlog entries, oldest first, aged in business hours with their escalation level."""
    calendar = calendar or BusinessCalendar()
    now = now or utcnow()
    frame = backlog_frame(store)
    rows = []
    for r in frame.to_dict("records"):
        if r["owner"] or r["status"] == "verified":
            continue
        age = business_hours_between(
            r["created_at"].to_pydatetime() if hasattr(r["created_at"], "to_pydatetime") else r["created_at"],
            now,
            calendar,
        )
        rows.append({"painpoint_key": r["painpoint_key"], "status": r["status"], "age_business_hours": round(age, 1),
                     "escalation_level": int(age // escalate_every_hours)})  # fmt: skip
    return sorted(rows, key=lambda r: -r["age_business_hours"])


@dataclass(frozen=True)
class Rebound:
    painpoint_key: str
    share_after_fix: float
    share_now: float
    n_now: int
    p_value: float
    reopened: bool
    follow_up: dict[str, Any] | None = None
    """The follow-up survey's invitations (counts by outcome), when one was asked for and it reopened."""


def _theme_share(store: Store, theme_id: str, since: dt.datetime, until: dt.datetime) -> tuple[int, int]:
    with store.engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.count())
            .select_from(tickets)
            .where(tickets.c.created_at >= since, tickets.c.created_at < until)
        ).scalar_one()
        themed = conn.execute(
            sa.select(sa.func.count(sa.distinct(text_analyses.c.ticket_id)))
            .select_from(text_analyses.join(tickets, tickets.c.id == text_analyses.c.ticket_id))
            .where(
                text_analyses.c.theme_id == theme_id,
                tickets.c.created_at >= since,
                tickets.c.created_at < until,
            )
        ).scalar_one()
    return int(themed), int(total)


def recurrence_watch(
    store: Store,
    *,
    window_days: int = WATCH_DAYS,
    confidence: float = 0.95,
    now: dt.datetime | None = None,
    actor: str = "cli",
    apply: bool = True,
    follow_up_survey: str | None = None,
) -> list[Rebound]:
    """Test every verified theme pain point for a rebound; reopen those that rebounded (unless not `apply`),
    and invite the affected customers to `follow_up_survey` (a published survey) when given."""
    now = now or utcnow()
    if follow_up_survey is not None:
        published_version(store, follow_up_survey)  # a wrong survey fails before anything is reopened
    since = now - dt.timedelta(days=window_days)
    alpha = 1 - confidence
    out = []
    for entry in backlog_frame(store, status="verified").to_dict("records"):
        key = str(entry["painpoint_key"])
        if not key.startswith("theme:") or "|" in key or not entry["verification"]:
            continue
        verification = (
            json.loads(entry["verification"])
            if isinstance(entry["verification"], str)
            else entry["verification"]
        )
        after = verification.get("volume_share") or {}
        base, n_base = after.get("after"), after.get("n_after")
        if base is None or not n_base:
            continue
        k_now, n_now = _theme_share(store, key.split(":", 1)[1], since, now)
        if n_now < MIN_TICKETS:
            continue
        share = k_now / n_now
        two_sided = float(stats.two_proportion_test(k_now, n_now, round(base * n_base), n_base))
        p_value = two_sided / 2 if share > base else 1 - two_sided / 2
        rebounded = p_value < alpha
        if rebounded and apply:
            note = (
                f"reopened by the recurrence watch: theme share {100 * share:.1f}% of {n_now:,} tickets over the last "
                f"{window_days} days vs {100 * base:.1f}% after the fix (one-sided p={p_value:.3g})"
            )
            update_painpoint(store, key, status="under_review", note=note, actor="cli")
            audit.append(store.engine, actor=actor, action="backlog.reopen", target="painpoint_backlog",
                         record_ids=[key], detail={"share_now": share, "share_after_fix": base, "n_now": n_now,
                                                   "p_value": p_value})  # fmt: skip
        survey = None
        if rebounded and apply and follow_up_survey is not None:
            customers = affected_customers(store, key.split(":", 1)[1], since, now)
            survey = plan_follow_up(store, follow_up_survey, customers, now=now)
            audit.append(store.engine, actor=actor, action="backlog.follow_up_survey", target="survey_invitations",
                         record_ids=[key], detail={k: v for k, v in survey.items() if k != "invitations"})  # fmt: skip
        out.append(Rebound(key, float(base), share, n_now, p_value, rebounded and apply, survey))
    return out
