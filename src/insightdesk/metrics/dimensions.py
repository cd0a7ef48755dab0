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


def attach(fact: Any, names: list[str], tables: Tables, config: MetricsConfig, level: str) -> Any:
    """`fact` with one column per dimension in `names` (joins built only as needed)."""
    if not names:
        return fact
    check_dimensions(names)
    cols = set(fact.columns)
    need_customer = any(n in CUSTOMER_DIMS or n in COHORT_DIMS for n in names)
    raw: set[str] = {TICKET_DIMS[n] for n in names if n in TICKET_DIMS}
    if any(n in TEAM_DIMS for n in names):
        raw.add("team_id")
    if need_customer:
        raw.add("customer_id")

    if level == "ticket":

        def tcol(c: str) -> Any:
            return fact[c]
    elif "ticket_id" in cols:
        tk = tables.tickets
        tk = tk.select(_tk_id=tk.id, **{f"_tk_{c}": tk[c] for c in sorted(raw)})
        fact = fact.left_join(tk, fact.ticket_id == tk._tk_id)

        def tcol(c: str) -> Any:
            return fact[f"_tk_{c}"]
    else:
        import ibis

        def tcol(c: str) -> Any:
            return ibis.null("string")

    dims: dict[str, Any] = {}
    for n in names:
        if n in TICKET_DIMS:
            expr = tcol(TICKET_DIMS[n])
            if level != "ticket" and n in cols:
                expr = fact[n].coalesce(expr)
            dims[n] = expr
    if need_customer:
        cust = tcol("customer_id")
        if level != "ticket" and "customer_id" in cols:
            cust = fact.customer_id.coalesce(cust)
        fact = fact.mutate(_cu_key=cust)
    if any(n in TEAM_DIMS for n in names):
        fact = fact.mutate(_tm_key=tcol("team_id"))
    fact = fact.mutate(**dims) if dims else fact

    if any(n in TEAM_DIMS for n in names):
        teams = tables.teams
        teams = teams.select(_tm_id=teams.id, _tm_name=teams.name, _tm_tier=teams.support_tier)
        fact = fact.left_join(teams, fact._tm_key == teams._tm_id)
        extra = {}
        if "team" in names:
            extra["team"] = fact._tm_name.coalesce(fact._tm_key)
        if "team_tier" in names:
            extra["team_tier"] = fact._tm_tier
        fact = fact.mutate(**extra)
    if any(n in CUSTOMER_DIMS for n in names):
        cu = tables.customers
        cu = cu.select(_cu_id=cu.id, **{f"_cu_{c}": cu[c] for c in set(CUSTOMER_DIMS.values())})
        fact = fact.left_join(cu, fact._cu_key == cu._cu_id)
        fact = fact.mutate(**{n: fact[f"_cu_{CUSTOMER_DIMS[n]}"] for n in names if n in CUSTOMER_DIMS})
    if any(n in COHORT_DIMS for n in names):
        fact = _attach_cohorts(fact, names, tables, config)
    keep = [c for c in fact.columns if not c.startswith(("_tk_", "_cu_", "_tm_", "_co_"))]
    return fact.select(*keep)


def _attach_cohorts(fact: Any, names: list[str], tables: Tables, config: MetricsConfig) -> Any:
    import ibis

    tk = tables.tickets
    first = (
        tk.filter(tk.customer_id.notnull()).group_by(_co_id=tk.customer_id).agg(_co_first=tk.created_at.min())
    )
    fact = fact.left_join(first, fact._cu_key == first._co_id)
    extra: dict[str, Any] = {}
    if "cohort_month" in names:
        extra["cohort_month"] = fact._co_first.truncate("M").date()
    if "cohort_split" in names:
        if config.cohort_date is None:
            raise DimensionError("the cohort_split dimension needs config.cohort_date (or --cohort-date)")
        split = dt.datetime.combine(config.cohort_date, dt.time())
        extra["cohort_split"] = ibis.cases(
            (fact._co_first.isnull(), ibis.null("string")),
            (fact._co_first < split, "before"),
            else_="after",
        )
    return fact.mutate(**extra)
