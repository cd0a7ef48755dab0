"""Events rules react to, read from the desk's tables: each with a stable key and flat attributes.

An event's key (`<kind>:<record id>`) is what makes evaluation idempotent: a rule evaluates an event
once, whatever the re-runs. Attributes are identifiers, scores and categories, never free text.
Live runs read what arrived since a moment (`seen_since`: when InsightDesk stored it); dry-runs read
what happened in a window of history (`occurred` between since and until).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.business_hours import BusinessCalendar, business_hours_between
from insightdesk.store.tables.canonical import feedback, ticket_events, tickets
from insightdesk.store.tables.insights import alerts, insight_runs, painpoint_backlog, painpoints
from insightdesk.store.tables.text import text_analyses

if TYPE_CHECKING:
    from insightdesk.store import Store

_TICKET = {
    "ticket_id": "Ticket (tickets.id).",
    "team_id": "Ticket's team (teams.id).",
    "agent_id": "Ticket's agent (agents.id).",
    "customer_id": "Requester (customers.id).",
    "category": "Ticket category.",
    "priority": "Ticket priority.",
    "channel": "Ticket channel.",
    "region": "Ticket region.",
    "reopen_count": "Times the ticket was reopened.",
}

EVENT_FIELDS: dict[str, dict[str, str]] = {
    "feedback_received": {
        "feedback_id": "Survey answer (feedback.id).",
        "scale": "csat, nps, ces or other.",
        "score": "Answer on its scale.",
        "nps_category": "detractor (0-6), passive (7-8) or promoter (9-10); null unless NPS.",
        "satisfaction": "low, neutral or high on any scale (NPS 0-6/7-8/9-10, CSAT 1-2/3/4-5, CES 5-7/4/1-3).",
        "sentiment": "Sentiment of the comment: negative, neutral or positive.",
        "theme_id": "Theme of the comment (themes.theme_id).",
        **_TICKET,
    },
    "survey_unanswered": {
        "feedback_id": "Survey invitation (feedback.id).",
        "scale": "csat, nps, ces or other.",
        "waiting_business_hours": "Business hours since the invitation was sent.",
        **_TICKET,
    },
    "ticket_reopened": {"seq": "Event number of the reopening.", **_TICKET},
    "ticket_unresolved": {"open_business_hours": "Business hours open without a resolution.", **_TICKET},
    "alert_raised": {
        "alert_id": "Alert (alerts.alert_id).",
        "kind": "anomaly or threshold.",
        "rule": "Detector or threshold rule.",
        "series": "Series, e.g. kpi:csat or theme:T0003.",
        "segment": "Segment, dimension=value or all.",
        "severity": "critical, warning or info.",
        "direction": "spike, drop, above or below.",
        "observed": "Observed value.",
        "expected": "Expected value.",
    },
    "kpi_target_breached": {
        "alert_id": "Threshold alert (alerts.alert_id).",
        "series": "KPI series, e.g. kpi:csat.",
        "segment": "Segment, dimension=value or all.",
        "severity": "critical, warning or info.",
        "observed": "Observed value.",
        "expected": "The target.",
    },
    "painpoint_critical": {
        "painpoint_key": "Pain point (painpoint_backlog.painpoint_key).",
        "label": "Its name.",
        "rank": "Rank in the latest ranking (1 = most urgent).",
        "score": "Priority score (0-1).",
        "tickets": "Tickets in the ranking window.",
        "customers": "Customers affected.",
        "theme_id": "Theme, for theme pain points.",
        "category": "Category, for category pain points.",
        "backlog_status": "Status in the pain-point backlog.",
        "owner": "Backlog owner.",
    },
}
EVENT_KINDS = tuple(EVENT_FIELDS)


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    occurred_at: dt.datetime
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventWindow:
    """Which events to read: stored since a moment (live), or occurred in [since, until) (history)."""

    since: dt.datetime
    until: dt.datetime
    live: bool
    now: dt.datetime


def satisfaction(scale: str | None, score: float | None) -> tuple[str | None, str | None]:
    """(nps_category, satisfaction) of an answer; None where the scale or score does not say."""
    if score is None:
        return None, None
    if scale == "nps":
        cat = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
        return cat, {"detractor": "low", "passive": "neutral", "promoter": "high"}[cat]
    if scale == "csat":
        return None, "low" if score <= 2 else "neutral" if score < 4 else "high"
    if scale == "ces":  # effort: high effort is the bad end
        return None, "low" if score >= 5 else "neutral" if score >= 4 else "high"
    return None, None


def _ticket_cols() -> list[Any]:
    return [
        tickets.c.team_id,
        tickets.c.agent_id,
        tickets.c.customer_id,
        tickets.c.category,
        tickets.c.priority,
        tickets.c.channel,
        tickets.c.region,
        tickets.c.reopen_count,
    ]


def _ticket_attrs(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in _TICKET if k != "ticket_id"}


def read_events(store: Store, kind: str, window: EventWindow, calendar: BusinessCalendar) -> list[Event]:
    """The events of `kind` in `window`, oldest first."""
    reader = _READERS[kind]
    events = reader(store, window, calendar)
    return sorted(events, key=lambda e: (e.occurred_at, e.key))


def _in_window(window: EventWindow, occurred: Any, seen: Any) -> Any:
    if window.live:
        return sa.and_(seen >= window.since, seen < window.until)
    return sa.and_(occurred >= window.since, occurred < window.until)


def _feedback(store: Store, window: EventWindow, calendar: BusinessCalendar) -> list[Event]:
    texts = (
        sa.select(text_analyses.c.record_id, text_analyses.c.sentiment_label, text_analyses.c.theme_id)
        .where(text_analyses.c.entity == "feedback", text_analyses.c.field == "comment")
        .subquery()
    )
    query = (
        sa.select(
            feedback.c.id,
            feedback.c.scale,
            feedback.c.score,
            feedback.c.answered_at,
            feedback.c.ticket_id,
            sa.func.coalesce(feedback.c.customer_id, tickets.c.customer_id).label("fb_customer"),
            sa.func.coalesce(feedback.c.agent_id, tickets.c.agent_id).label("fb_agent"),
            texts.c.sentiment_label,
            texts.c.theme_id,
            *[c for c in _ticket_cols() if c.name not in ("customer_id", "agent_id")],
        )
        .select_from(
            feedback.outerjoin(tickets, tickets.c.id == feedback.c.ticket_id).outerjoin(
                texts, texts.c.record_id == feedback.c.id
            )
        )
        .where(feedback.c.answered_at.is_not(None))
        .where(_in_window(window, feedback.c.answered_at, feedback.c.first_seen_at))
    )
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(query):
            nps, sat = satisfaction(r.scale, r.score)
            attrs = {
                "feedback_id": r.id,
                "scale": r.scale,
                "score": r.score,
                "nps_category": nps,
                "satisfaction": sat,
                "sentiment": r.sentiment_label,
                "theme_id": r.theme_id,
                "ticket_id": r.ticket_id,
                "customer_id": r.fb_customer,
                "agent_id": r.fb_agent,
                **{
                    k: getattr(r, k)
                    for k in ("team_id", "category", "priority", "channel", "region", "reopen_count")
                },
            }
            out.append(Event("feedback_received", f"feedback_received:{r.id}", r.answered_at, attrs))
    return out


def _unanswered(store: Store, window: EventWindow, calendar: BusinessCalendar) -> list[Event]:
    query = (
        sa.select(feedback.c.id, feedback.c.scale, feedback.c.sent_at, feedback.c.ticket_id, *_ticket_cols())
        .select_from(feedback.outerjoin(tickets, tickets.c.id == feedback.c.ticket_id))
        .where(feedback.c.answered_at.is_(None), feedback.c.sent_at.is_not(None))
        .where(feedback.c.sent_at < window.until)
    )
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(query):
            waited = business_hours_between(r.sent_at, window.now if window.live else window.until, calendar)
            attrs = {"feedback_id": r.id, "scale": r.scale, "waiting_business_hours": round(waited, 2),
                     "ticket_id": r.ticket_id, **_ticket_attrs(r)}  # fmt: skip
            out.append(Event("survey_unanswered", f"survey_unanswered:{r.id}", r.sent_at, attrs))
    return out


def _reopened(store: Store, window: EventWindow, calendar: BusinessCalendar) -> list[Event]:
    query = (
        sa.select(
            ticket_events.c.ticket_id, ticket_events.c.seq, ticket_events.c.occurred_at, *_ticket_cols()
        )
        .select_from(ticket_events.join(tickets, tickets.c.id == ticket_events.c.ticket_id))
        .where(ticket_events.c.event_type == "reopened")
        .where(_in_window(window, ticket_events.c.occurred_at, ticket_events.c.first_seen_at))
    )
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(query):
            attrs = {"ticket_id": r.ticket_id, "seq": r.seq, **_ticket_attrs(r)}
            out.append(
                Event("ticket_reopened", f"ticket_reopened:{r.ticket_id}:{r.seq}", r.occurred_at, attrs)
            )
    return out


def _unresolved(store: Store, window: EventWindow, calendar: BusinessCalendar) -> list[Event]:
    # Live: tickets open now; history: tickets opened in the window, aged to their resolution or its end.
    query = sa.select(tickets.c.id, tickets.c.created_at, tickets.c.resolved_at, *_ticket_cols())
    if window.live:
        query = query.where(tickets.c.resolved_at.is_(None), tickets.c.closed_at.is_(None))
    else:
        query = query.where(tickets.c.created_at >= window.since, tickets.c.created_at < window.until)
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(query):
            end = window.now if window.live else min(r.resolved_at or window.until, window.until)
            hours = business_hours_between(r.created_at, end, calendar)
            attrs = {"ticket_id": r.id, "open_business_hours": round(hours, 2), **_ticket_attrs(r)}
            out.append(Event("ticket_unresolved", f"ticket_unresolved:{r.id}", r.created_at, attrs))
    return out


def _alerts(kind: str) -> Any:
    def read(store: Store, window: EventWindow, calendar: BusinessCalendar) -> list[Event]:
        query = sa.select(alerts).where(_in_window(window, alerts.c.created_at, alerts.c.created_at))
        if kind == "kpi_target_breached":
            query = query.where(alerts.c.kind == "threshold", alerts.c.series.like("kpi:%"))
        out = []
        with store.engine.connect() as conn:
            for r in conn.execute(query):
                attrs = {k: getattr(r, k) for k in EVENT_FIELDS[kind]}
                out.append(Event(kind, f"{kind}:{r.alert_id}", r.created_at, attrs))
        return out

    return read


def _painpoints(store: Store, window: EventWindow, calendar: BusinessCalendar) -> list[Event]:
    latest = (
        sa.select(insight_runs.c.run_id)
        .where(insight_runs.c.kind == "painpoints", insight_runs.c.finished_at.is_not(None))
        .where(_in_window(window, insight_runs.c.finished_at, insight_runs.c.finished_at))
        .order_by(insight_runs.c.finished_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(painpoints, painpoint_backlog.c.status.label("backlog_status"), painpoint_backlog.c.owner)
        .select_from(
            painpoints.outerjoin(
                painpoint_backlog, painpoint_backlog.c.painpoint_key == painpoints.c.painpoint_key
            )
        )
        .where(painpoints.c.run_id == latest, painpoints.c.critical.is_(True))
    )
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(query):
            attrs = {k: getattr(r, k) for k in EVENT_FIELDS["painpoint_critical"]}
            key = f"painpoint_critical:{r.painpoint_key}"
            out.append(Event("painpoint_critical", key, r.computed_at, attrs))
    return out


_READERS = {
    "feedback_received": _feedback,
    "survey_unanswered": _unanswered,
    "ticket_reopened": _reopened,
    "ticket_unresolved": _unresolved,
    "alert_raised": _alerts("alert_raised"),
    "kpi_target_breached": _alerts("kpi_target_breached"),
    "painpoint_critical": _painpoints,
}
