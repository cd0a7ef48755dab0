"""Resolution KPIs: first-contact resolution, repeat contacts, reopens, escalation, handoffs."""

from __future__ import annotations

from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.definitions.common import (
    as_int,
    handoffs,
    live_tickets,
    reopens,
    resolved_tickets,
    with_escalation,
)
from insightdesk.metrics.persons import with_person
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables, seconds


def _fcr(tables: Tables, config: MetricsConfig) -> Any:
    t = reopens(handoffs(resolved_tickets(tables), tables), tables)
    i = tables.interactions
    replies = i.filter(i.author_role == "agent", i.ticket_id.notnull())
    replies = replies.group_by(_rp_ticket=replies.ticket_id).agg(_rp_n=replies.count())
    t = t.left_join(replies, t.ticket_id == replies._rp_ticket)
    one_touch = t._rp_n.coalesce(0) <= 1
    return t.mutate(hit=as_int((t.reopens == 0) & (t.handoffs == 0) & one_touch)).drop("_rp_ticket", "_rp_n")


def _repeat(tables: Tables, config: MetricsConfig) -> Any:
    import ibis

    t = live_tickets(tables)
    key = t[config.repeat_key]
    t = t.filter(t.customer_id.notnull(), key.notnull())
    # The same person (identity resolution, else the account) coming back, whatever account they use.
    t = with_person(t, tables.backend, out="_person")
    window = ibis.window(group_by=[t._person, t[config.repeat_key]], order_by=[t.created_at, t.id])
    t = t.mutate(_prev=t.created_at.lag().over(window), ts=t.created_at)
    gap = seconds(t.created_at) - seconds(t._prev)
    return t.mutate(hit=as_int(t._prev.notnull() & (gap <= config.repeat_days * 86400))).drop(
        "_prev", "_person"
    )


def _reopen(tables: Tables, config: MetricsConfig) -> Any:
    t = reopens(resolved_tickets(tables), tables)
    return t.mutate(hit=as_int(t.reopens > 0))


def _escalation(tables: Tables, config: MetricsConfig) -> Any:
    t = with_escalation(resolved_tickets(tables), tables)
    return t.mutate(hit=t.escalated)


def _tiers(tables: Tables, config: MetricsConfig) -> Any:
    import ibis

    t = with_escalation(resolved_tickets(tables), tables)
    label = ibis.cases(
        (t.top_tier == 1, "L1"), (t.top_tier == 2, "L2"), (t.top_tier == 3, "L3"), else_="unknown"
    )
    return t.mutate(category=label)


def _handoffs(tables: Tables, config: MetricsConfig) -> Any:
    t = handoffs(resolved_tickets(tables), tables)
    return t.mutate(x=t.handoffs.cast("float64"))


KPIS = (
    KPI(
        name="fcr",
        title="First-contact resolution (FCR)",
        kind="proportion",
        fact=_fcr,
        unit="share",
        family="resolution",
        dated_by="tickets.resolved_at",
        formula="tickets resolved on first contact / resolved tickets",
        numerator="resolved tickets never reopened, never reassigned (no transfer or escalation) "
        "and with at most one agent reply in their thread",
        denominator="resolved or closed tickets (resolved_at set), cancelled excluded",
        excludes="open and cancelled tickets",
        edge_cases="a ticket with no thread in `interactions` counts as one touch; reopens and "
        "reassignments come from the source counters, else from ticket_events",
        convention="HDI / MetricNet 'first contact resolution' (resolved without transfer, "
        "callback or reopen); Zendesk 'one-touch' for the reply count. The customer-side view "
        "(did they come back?) is `repeat_contact_rate`",
    ),
    KPI(
        name="repeat_contact_rate",
        title="Repeat-contact rate",
        kind="proportion",
        fact=_repeat,
        unit="share",
        family="resolution",
        higher_is_better=False,
        dated_by="tickets.created_at",
        formula="repeat tickets / tickets",
        numerator="tickets whose person (identity resolution's person of the customer, else the "
        "customer account) opened a ticket with the same `config.repeat_key` (default category) "
        "within the previous N days (`config.repeat_days`, default 7), from any of their accounts",
        denominator="tickets with a customer and a non-null repeat key, cancelled excluded",
        excludes="tickets without customer or key; cancelled tickets",
        edge_cases="the look-back sees tickets before `since` and across all channels; two "
        "tickets at the same second: the later id is the repeat",
        convention="SQM Group repeat-call / FCR-by-callback measurement (same customer, same "
        "reason, within N days)",
        counts_persons=True,
    ),
    KPI(
        name="reopen_rate",
        title="Reopen rate",
        kind="proportion",
        fact=_reopen,
        unit="share",
        family="resolution",
        higher_is_better=False,
        dated_by="tickets.resolved_at",
        formula="resolved tickets reopened at least once / resolved tickets",
        numerator="resolved tickets with reopen_count > 0 (else a `reopened` event)",
        denominator="resolved or closed tickets, cancelled excluded",
        excludes="never-resolved and cancelled tickets",
        edge_cases="a ticket reopened and resolved again is dated by its last resolution",
        convention="ITIL 4 service desk practice / Zendesk 'reopens' metric",
    ),
    KPI(
        name="escalation_rate",
        title="Escalation rate",
        kind="proportion",
        fact=_escalation,
        unit="share",
        family="resolution",
        higher_is_better=False,
        dated_by="tickets.resolved_at",
        formula="resolved tickets escalated / resolved tickets",
        numerator="resolved tickets with a reassignment event to a team or agent of a higher "
        "support tier (L1 < L2 < L3) than the one it left",
        denominator="resolved or closed tickets, cancelled excluded",
        excludes="open and cancelled tickets; moves between teams of the same tier (those are handoffs)",
        edge_cases="event values are matched to teams by canonical id, name or source id, and to agents "
        "by canonical or source id (the highest tier wins on a clash); a side with unknown tier cannot "
        "count as an escalation",
        convention="ITIL 4 functional (hierarchical tier) escalation",
    ),
    KPI(
        name="tier_distribution",
        title="Resolution tier distribution",
        kind="share",
        fact=_tiers,
        unit="share",
        family="resolution",
        higher_is_better=None,
        dated_by="tickets.resolved_at",
        formula="resolved tickets whose highest tier reached is L1 / L2 / L3 / unknown, over resolved tickets",
        numerator="resolved tickets per highest support tier seen (current team and every reassignment)",
        denominator="resolved or closed tickets, cancelled excluded",
        excludes="open and cancelled tickets",
        edge_cases="tickets with no tier information anywhere are `unknown`",
        convention="shift-left / tier-0-1-2-3 distribution (HDI, Knowledge-Centered Service)",
    ),
    KPI(
        name="handoffs_per_ticket",
        title="Handoffs per ticket",
        kind="mean",
        fact=_handoffs,
        unit="reassignments",
        family="resolution",
        higher_is_better=False,
        dated_by="tickets.resolved_at",
        formula="mean reassignments per resolved ticket",
        numerator="sum of reassignments (tickets.reassignment_count, else reassignment events)",
        denominator="resolved or closed tickets, cancelled excluded",
        excludes="open and cancelled tickets",
        edge_cases="a ticket with neither a counter nor events counts 0 handoffs",
        convention="Zendesk 'group stations' / 'assignee stations' minus one; ServiceNow reassignment count",
    ),
)
