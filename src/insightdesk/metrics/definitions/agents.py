"""Agent KPIs: volume handled and handle time. Their feedback KPIs are `csat`, `nps`, `ces_*` by agent."""

from __future__ import annotations

from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.definitions.common import created_tickets, resolved_tickets
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables, seconds

STATUS_EVENTS = ("created", "status_change", "resolved", "closed", "reopened")
WORK_STATUSES = ("new", "open")


def work_time(tables: Tables) -> Any:
    """Per ticket: seconds spent in `new` or `open` status, from its status history."""
    import ibis

    e = tables.ticket_events
    e = e.filter(e.event_type.isin(list(STATUS_EVENTS)))
    status = ibis.cases(
        (e.event_type == "created", "new"),
        (e.event_type == "resolved", "resolved"),
        (e.event_type == "closed", "closed"),
        (e.event_type == "reopened", "open"),
        else_=e.to_value,
    )
    window = ibis.window(group_by=e.ticket_id, order_by=[e.seq, e.occurred_at])
    e = e.mutate(_status=status, _next=e.occurred_at.lead().over(window))
    span = seconds(e._next) - seconds(e.occurred_at)
    working = e._status.isin(list(WORK_STATUSES)) & e._next.notnull()
    e = e.mutate(_work=ibis.cases((working, span), else_=0))
    return e.group_by(_wt_ticket=e.ticket_id).agg(_wt_seconds=e._work.sum())


def _handle_time(tables: Tables, config: MetricsConfig) -> Any:
    t = resolved_tickets(tables)
    wt = work_time(tables)
    t = t.join(wt, t.ticket_id == wt._wt_ticket)
    return t.mutate(x=t._wt_seconds / 3600.0).drop("_wt_ticket", "_wt_seconds")


def _volume(tables: Tables, config: MetricsConfig) -> Any:
    return created_tickets(tables)


def _handled(tables: Tables, config: MetricsConfig) -> Any:
    return resolved_tickets(tables)


KPIS = (
    KPI(
        name="ticket_volume",
        title="Ticket volume",
        kind="count",
        fact=_volume,
        unit="tickets",
        family="agents",
        higher_is_better=None,
        dated_by="tickets.created_at",
        formula="count of tickets created",
        numerator="tickets created in the cell",
        denominator="none (a count); the interval treats arrivals as a Poisson process",
        excludes="cancelled tickets",
        edge_cases="the Poisson interval answers 'how different could a like period have been', "
        "not a counting error",
        convention="contact volume (COPC, HDI)",
    ),
    KPI(
        name="handled_volume",
        title="Handled volume",
        kind="count",
        fact=_handled,
        unit="tickets",
        family="agents",
        higher_is_better=None,
        dated_by="tickets.resolved_at",
        formula="count of tickets resolved, credited to the assignee at resolution",
        numerator="resolved or closed tickets in the cell (use `--by agent` per agent)",
        denominator="none (a count); Poisson interval",
        excludes="cancelled and unresolved tickets",
        edge_cases="a reassigned ticket is credited to its final assignee only",
        convention="'tickets solved' per agent (Zendesk, Freshdesk agent reports)",
    ),
    KPI(
        name="handle_time",
        title="Handle time (agent work time)",
        kind="mean",
        fact=_handle_time,
        unit="hours",
        family="agents",
        higher_is_better=False,
        dated_by="tickets.resolved_at",
        formula="mean hours a resolved ticket spent in new or open status",
        numerator="sum over resolved tickets of the time between each status event and the next, "
        "while the status was new or open",
        denominator="resolved tickets with a status history in ticket_events, cancelled excluded",
        excludes="tickets without events; time in pending / on hold (waiting on the customer or a third party)",
        edge_cases="a reopened ticket adds its second open spell; an elapsed-time proxy for effort, "
        "not keyboard time",
        convention="Zendesk 'agent work time' (time in New and Open statuses); not telephony AHT",
    ),
)
