"""Dimensions every KPI can be cut by, and how they attach to a fact.

A fact at ticket level carries the raw ticket columns; other facts (feedback, conversations)
join the ticket they point at, and customer dimensions join through the customer id. A fact may
know a dimension better than its ticket (the survey's own channel or agent): its value wins, the
ticket's fills the gaps. Only the joins a query needs are built.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.tables import Tables

# dimension -> tickets column
TICKET_DIMS: dict[str, str] = {
    "channel": "channel",
    "agent": "agent_id",
    "product": "product",
    "service": "service",
    "category": "category",
    "subcategory": "subcategory",
    "priority": "priority",
    "region": "region",
    "language": "language",
    "type": "type",
    "organisation": "organisation_id",
}
# dimension -> customers column
CUSTOMER_DIMS: dict[str, str] = {
    "customer_tier": "tier",
    "customer_segment": "segment",
    "customer_region": "region",
    "customer_country": "country",
}
TEAM_DIMS = ("team", "team_tier")
COHORT_DIMS = ("cohort_month", "cohort_split")

DIMENSIONS: dict[str, str] = {
    "channel": "Channel of the ticket (feedback and conversations: their own channel, else the ticket's).",
    "team": "Name of the ticket's assignment group (teams.name, else the team id).",
    "team_tier": "Support tier (L1/L2/L3) of the ticket's assignment group.",
    "agent": "Agent id: the ticket's assignee (feedback: the agent the answer is about, else the assignee).",
    "product": "Product of the ticket.",
    "service": "Business or IT service of the ticket.",
    "category": "Category of the ticket.",
    "subcategory": "Subcategory of the ticket.",
    "priority": "Priority of the ticket.",
    "region": "Region the ticket is served from.",
    "language": "Language of the ticket (feedback: of the answer, else the ticket's).",
    "type": "ITIL type of the ticket (incident, service_request...).",
    "organisation": "Requester's organisation id.",
    "customer_tier": "Tier of the customer (customers.tier).",
    "customer_segment": "Business segment of the customer.",
    "customer_region": "Region of the customer.",
    "customer_country": "Country of the customer.",
    "cohort_month": "Month of the customer's first ticket (acquisition cohort).",
    "cohort_split": "`before` / `after`: customer's first ticket before or on/after `config.cohort_date`.",
}


class DimensionError(ValueError):
    pass


def check_dimensions(names: list[str]) -> None:
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown:
        raise DimensionError(f"unknown dimension(s) {', '.join(unknown)}; available: {', '.join(DIMENSIONS)}")


MEASURES = ("ts", "hit", "promoter", "detractor", "x", "category", "in_ts", "out_ts")


def attach(fact: Any, names: list[str], tables: Tables, config: MetricsConfig, level: str) -> Any:
    """`fact` reduced to its measure columns plus one column per dimension in `names`.

    All joins are chained first and one projection computes every dimension: few relational
    layers keep the expression quick to compile.
    """
    import ibis

    check_dimensions(names)
    cols = set(fact.columns)
    measures = [c for c in MEASURES if c in cols]
    if not names:
        return fact.select(*measures)
    raw: set[str] = {TICKET_DIMS[n] for n in names if n in TICKET_DIMS}
    need_team = any(n in TEAM_DIMS for n in names)
    need_customer = any(n in CUSTOMER_DIMS or n in COHORT_DIMS for n in names)
    if need_team:
        raw.add("team_id")
    if need_customer:
        raw.add("customer_id")
    own = [n for n in names if n in cols and n in TICKET_DIMS]
    keep = set(measures) | set(own)
    if level == "ticket":
        keep |= raw
    else:
        keep |= {c for c in ("ticket_id", "customer_id") if c in cols}
    base = fact.select(*sorted(keep))
    chain = base
    tk = None
    if level != "ticket" and "ticket_id" in cols:
        tickets = tables.tickets
        tk = tickets.select(_tk_id=tickets.id, **{f"_tk_{c}": tickets[c] for c in sorted(raw)})
        chain = chain.left_join(tk, base.ticket_id == tk._tk_id)

    def tcol(c: str) -> Any:
        if level == "ticket":
            return base[c]
        if tk is not None:
            return tk[f"_tk_{c}"]
        return ibis.null("string")

    cust_key = None
    if need_customer:
        cust_key = tcol("customer_id")
        if level != "ticket" and "customer_id" in cols:
            cust_key = base.customer_id.coalesce(cust_key)
    out: dict[str, Any] = {}
    for n in names:
        if n in TICKET_DIMS:
            expr = tcol(TICKET_DIMS[n])
            if level != "ticket" and n in cols:
                expr = base[n].coalesce(expr)
            out[n] = expr
    if need_team:
        teams = tables.teams
        tm = teams.select(_tm_id=teams.id, _tm_name=teams.name, _tm_tier=teams.support_tier)
        chain = chain.left_join(tm, tcol("team_id") == tm._tm_id)
        if "team" in names:
            out["team"] = tm._tm_name.coalesce(tcol("team_id"))
        if "team_tier" in names:
            out["team_tier"] = tm._tm_tier
    if any(n in CUSTOMER_DIMS for n in names):
        customers = tables.customers
        cu = customers.select(
            _cu_id=customers.id, **{f"_cu_{c}": customers[c] for c in set(CUSTOMER_DIMS.values())}
        )
        chain = chain.left_join(cu, cust_key == cu._cu_id)
        out.update({n: cu[f"_cu_{CUSTOMER_DIMS[n]}"] for n in names if n in CUSTOMER_DIMS})
    if any(n in COHORT_DIMS for n in names):
        first_seen = _first_contact(tables)
        chain = chain.left_join(first_seen, cust_key == first_seen._co_id)
        out.update(_cohort_columns(first_seen._co_first, names, config))
    # A ticket-level fact carries the raw `category` column, which is also the `category` dimension:
    # one column, so the dimension's copy is the one kept (share KPIs, whose rows are their own
    # `category`, refuse that cut in compute()).
    return chain.select(*[base[m] for m in measures if m not in out], **out)


def _first_contact(tables: Tables) -> Any:
    tk = tables.tickets
    known = tk.filter(tk.customer_id.notnull())
    return known.group_by(_co_id=known.customer_id).agg(_co_first=known.created_at.min())


def _cohort_columns(first: Any, names: list[str], config: MetricsConfig) -> dict[str, Any]:
    import ibis

    extra: dict[str, Any] = {}
    if "cohort_month" in names:
        extra["cohort_month"] = first.truncate("M").date()
    if "cohort_split" in names:
        if config.cohort_date is None:
            raise DimensionError("the cohort_split dimension needs config.cohort_date (or --cohort-date)")
        split = dt.datetime.combine(config.cohort_date, dt.time())
        extra["cohort_split"] = ibis.cases(
            (first.isnull(), ibis.null("string")),
            (first < split, "before"),
            else_="after",
        )
    return extra
