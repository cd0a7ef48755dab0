"""Fact builders shared by several KPI families."""

from __future__ import annotations

from typing import Any

from insightdesk.metrics.tables import Tables

CLOSED_STATUSES = ("resolved", "closed")


def live_tickets(tables: Tables) -> Any:
    """Tickets that count at all: cancelled ones are withdrawn requests, not demand served."""
    t = tables.tickets
    return t.filter(t.status != "cancelled").mutate(ticket_id=t.id)


def resolved_tickets(tables: Tables) -> Any:
    """Resolved (or closed) tickets, dated by their last resolution."""
    t = live_tickets(tables)
    return t.filter(t.resolved_at.notnull()).mutate(ts=t.resolved_at)


def created_tickets(tables: Tables) -> Any:
    t = live_tickets(tables)
    return t.mutate(ts=t.created_at)


def as_int(cond: Any) -> Any:
    """1 where `cond` holds, else 0 (null counts as 0). A CASE, since PostgreSQL cannot cast bool to bigint."""
    return cond.ifelse(1, 0).cast("int64")


def event_counts(tables: Tables, event_type: str, name: str) -> Any:
    """Per ticket: how many events of one type its history holds (column `name`)."""
    e = tables.ticket_events
    e = e.filter(e.event_type == event_type)
    return e.group_by(_ev_ticket=e.ticket_id).agg(**{name: e.count()})


def with_event_count(t: Any, tables: Tables, event_type: str, name: str) -> Any:
    counts = event_counts(tables, event_type, name)
    joined = t.left_join(counts, t.ticket_id == counts._ev_ticket)
    return joined.drop("_ev_ticket")


def handoffs(t: Any, tables: Tables) -> Any:
    """Reassignments per ticket: the source's counter, else the reassignment events in its history."""
    t = with_event_count(t, tables, "reassignment", "_ev_reassign")
    return t.mutate(handoffs=t.reassignment_count.coalesce(t._ev_reassign, 0)).drop("_ev_reassign")


def reopens(t: Any, tables: Tables) -> Any:
    """Reopens per ticket: the source's counter, else the `reopened` events in its history."""
    t = with_event_count(t, tables, "reopened", "_ev_reopen")
    return t.mutate(reopens=t.reopen_count.coalesce(t._ev_reopen, 0)).drop("_ev_reopen")


def tier_rank(value: Any) -> Any:
    import ibis

    return ibis.cases((value == "L1", 1), (value == "L2", 2), (value == "L3", 3), else_=ibis.null("int64"))


def tier_lookup(tables: Tables) -> Any:
    """Support-tier rank of every value a reassignment may name: team id, name or source id; agent id or source id."""
    teams, agents = tables.teams, tables.agents
    by_id = teams.select(key=teams.id.cast("string"), rank=tier_rank(teams.support_tier))
    by_name = teams.filter(teams.name.notnull()).select(
        key=teams.name.cast("string"), rank=tier_rank(teams.support_tier)
    )
    by_agent = agents.select(key=agents.id.cast("string"), rank=tier_rank(agents.support_tier))
    # Event values are often the source's own tokens ("G70"), not canonical ids ("sample:G70").
    by_source = teams.select(key=teams.source_id.cast("string"), rank=tier_rank(teams.support_tier))
    by_agent_source = agents.select(key=agents.source_id.cast("string"), rank=tier_rank(agents.support_tier))
    union = by_id.union(by_name).union(by_agent).union(by_source).union(by_agent_source)
    union = union.filter(union.rank.notnull())
    return union.group_by("key").agg(rank=union.rank.max())


def escalation_facts(tables: Tables) -> Any:
    """Per ticket: `escalated` (a reassignment moved it to a higher tier) and `top_tier` (highest tier seen)."""
    e = tables.ticket_events
    e = e.filter(e.event_type == "reassignment")
    lookup = tier_lookup(tables)
    frm = lookup.select(_f_key=lookup.key, _f_rank=lookup.rank)
    to = lookup.select(_t_key=lookup.key, _t_rank=lookup.rank)
    e = e.left_join(frm, e.from_value == frm._f_key).left_join(to, e.to_value == to._t_key)
    up = as_int(e._t_rank.notnull() & e._f_rank.notnull() & (e._t_rank > e._f_rank))
    import ibis

    top = ibis.greatest(e._f_rank.coalesce(0), e._t_rank.coalesce(0))
    return e.group_by(_es_ticket=e.ticket_id).agg(_es_up=up.max(), _es_top=top.max())


def with_escalation(t: Any, tables: Tables) -> Any:
    import ibis

    esc = escalation_facts(tables)
    teams = tables.teams
    cur = teams.select(_ct_id=teams.id, _ct_rank=tier_rank(teams.support_tier))
    t = t.left_join(esc, t.ticket_id == esc._es_ticket).left_join(cur, t.team_id == cur._ct_id)
    top = ibis.greatest(t._es_top.coalesce(0), t._ct_rank.coalesce(0))
    t = t.mutate(
        escalated=t._es_up.coalesce(0), top_tier=ibis.cases((top == 0, ibis.null("int64")), else_=top)
    )
    return t.drop("_es_ticket", "_es_up", "_es_top", "_ct_id", "_ct_rank")
