"""One row per window ticket with every additive measure a pain point needs, built in the backend.

The steps (each materialised as a temporary table by data.aggregate_painpoints, so every
big table is read once):

1. `window_base_expr`: the window's tickets (cancelled ones left out) with a dense integer key `tk`
   and their repeat-contact flag;
2. `window_rows_expr`: the events and messages of those tickets, `window_texts_expr`: their analysed
   customer texts; each keyed by `tk` in a column named `ticket_id`, so the KPI engine's fact
   builders (handoffs, reopens, escalation) run on them unchanged;
3. `window_customers_expr`: the window's customers with the dense integer key `cu` of their person,
   tier and value;
4. `ticket_facts_expr`: everything joined into one row per ticket (see SUMS).

Integer keys matter: a 5-million-ticket desk has 650,000 tickets in 90 days, and grouping them by
integers instead of text ids halves the time of the heaviest steps.

Per-ticket measures follow the KPI engine's definitions (docs/metrics.md): CSAT/NPS/CES count every
answered survey question about the ticket; FCR and escalation are over resolved tickets (the fact
builders of the `fcr` and `escalation_rate` KPIs); a repeat contact is a ticket of the same customer
and `repeat_key` within `repeat_days` after an earlier one (as `repeat_contact_rate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from insightdesk.insights.painpoints.window import Window
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.tables import Tables, seconds

# Additive per-ticket measures: summed per pain point and over the window ("rest" = window - pain point).
SUMS = (
    "tickets",
    "tickets_recent",
    "csat_n",
    "csat_sat",
    "nps_n",
    "nps_prom",
    "nps_det",
    "ces_n",
    "ces_sum",
    "ces_sq",
    "resolved",
    "fcr_hit",
    "esc_hit",
    "repeat_n",
    "repeat_hit",
    "res_n",
    "res_sum",
    "res_sq",
    "sent_n",
    "sent_sum",
    "sent_sq",
)

# Per pain point, from its distinct customers (not additive: computed for the window separately).
CUSTOMER_SUMS = (
    "cnps_n",
    "cnps_prom",
    "cnps_det",
    "customers",
    "ltv_known",
    "ltv_sum",
    "var_answered",
    "ltv_unanswered",
    "dis_n",
    "ans_n",
)

# Events, messages, answers and texts of a window ticket come after it was opened; rows dated more than
# this before the window are not read at all (a cheap filter before the join on ticket ids). The slack
# keeps a conversation that started before its ticket was raised.
SLACK = dt.timedelta(days=7)
_FAR = dt.datetime(2100, 1, 1)


def flag(cond: Any) -> Any:
    """1 where cond holds, else 0 (null counts as 0): PostgreSQL cannot cast a boolean to a number."""
    return cond.ifelse(1, 0).cast("int64")


def _recent(table: Any, column: str, window: Window) -> Any:
    ts = table[column]
    return table.filter(ts.isnull() | (ts >= window.since - SLACK))


def _keys(base: Any) -> Any:
    return base.select(_w_ticket=base._w_ticket, _w_tk=base.tk)


class _WindowTables(Tables):
    """Canonical tables where events and messages are the window tickets' own, keyed by `tk`."""

    def __init__(self, backend: Any, config: MetricsConfig, overrides: dict[str, Any]) -> None:
        super().__init__(backend, config, _FAR)
        self._overrides = overrides

    def table(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        return super().table(name)


def window_base_expr(backend: Any, window: Window, config: MetricsConfig) -> Any:
    """The window's tickets: integer key `tk`, text id `_w_ticket`, attributes, repeat-contact flags."""
    import ibis

    t = backend.table("tickets")
    # A window ticket can only repeat one created at most repeat_days earlier: no need to look further back.
    t = t.filter(
        t.status != "cancelled",
        t.created_at >= window.since - dt.timedelta(days=config.repeat_days),
        t.created_at < window.until,
    )
    w = ibis.window(group_by=[t.customer_id, t[config.repeat_key]], order_by=[t.created_at, t.id])
    t = t.mutate(_prev=t.created_at.lag().over(w))
    known = t.customer_id.notnull() & t[config.repeat_key].notnull()
    gap = seconds(t.created_at) - seconds(t._prev)
    hit = known & t._prev.notnull() & (gap <= config.repeat_days * 86400)
    t = t.filter(t.created_at >= window.since)
    return t.select(
        tk=ibis.row_number().over(),
        _w_ticket=t.id,
        created_at=t.created_at,
        resolved_at=t.resolved_at,
        team_id=t.team_id,
        category=t.category,
        customer_id=t.customer_id,
        reassignment_count=t.reassignment_count,
        reopen_count=t.reopen_count,
        repeat_n=flag(known),
        repeat_hit=flag(hit),
    )


def window_rows_expr(backend: Any, name: str, window: Window, base: Any) -> Any:
    """Rows of `ticket_events` or `interactions` about the window's tickets, `ticket_id` = their `tk`."""
    table = Tables(backend, MetricsConfig(), _FAR).table(name)
    table = _recent(table, "occurred_at", window)
    keys = _keys(base)
    joined = table.inner_join(keys, table.ticket_id == keys._w_ticket)
    if name == "ticket_events":
        return joined.select(
            ticket_id=joined._w_tk,
            event_type=joined.event_type,
            from_value=joined.from_value,
            to_value=joined.to_value,
        )
    return joined.select(ticket_id=joined._w_tk, author_role=joined.author_role)


def window_texts_expr(backend: Any, window: Window, entities: Sequence[str], base: Any) -> Any | None:
    """(ticket_id = tk, theme_id, sentiment_score) of the window tickets' analysed customer texts.

    None when the store has no text analyses. Survey comments count only when `entities` says so.
    """
    if "text_analyses" not in backend.list_tables():
        return None
    a = _recent(backend.table("text_analyses"), "occurred_at", window)
    a = a.filter(a.ticket_id.notnull(), a.author_role == "customer", a.entity.isin(list(entities)))
    keys = _keys(base)
    joined = a.inner_join(keys, a.ticket_id == keys._w_ticket)
    return joined.select(
        ticket_id=joined._w_tk,
        theme_id=joined.theme_id,
        sentiment_score=joined.sentiment_score.cast("float64"),
    )


def window_customers_expr(backend: Any, base: Any) -> Any:
    """The window's customers: one row per account (text id) with the integer key `cu` of its
    person, and the person's tier and lifetime value.

    `cu` is the resolved person (identity_links, else the account itself: metrics/persons.py), so
    breadth counts people and a person's answers from any account are one customer's history. A
    person's tier and value are those of their most valuable account: the same customer in a CRM and
    a helpdesk often carries one value twice, which a sum would double.
    """
    import ibis

    from insightdesk.metrics.persons import links_table, with_person

    ids = base.filter(base.customer_id.notnull()).select(_c_id=base.customer_id).distinct()
    links = links_table(backend)
    if links is not None:
        # The window persons' other accounts too: their relationship answers are the person's.
        found = links.inner_join(ids, links.record_id == ids._c_id).select(_w_person=links.person_id)
        others = links.inner_join(found.distinct(), links.person_id == found._w_person)
        ids = ids.union(others.select(_c_id=others.record_id), distinct=True)
    c = backend.table("customers")
    joined = ids.left_join(c, ids._c_id == c.id)
    joined = with_person(joined, backend, customer="_c_id", out="_c_person")
    ltv = joined.lifetime_value.cast("float64")
    # The person's tier and value are those of their most valuable account (ties: the smallest id).
    best = ibis.window(group_by=joined._c_person, order_by=[ltv.desc(nulls_first=False), joined._c_id])
    ranked = joined.mutate(_rank=ibis.row_number().over(best))
    people = ranked.filter(ranked._rank == 0).select(
        _p_person=ranked._c_person, _p_tier=ranked.tier, _p_ltv=ranked.lifetime_value.cast("float64")
    )
    people = people.mutate(cu=ibis.row_number().over(order_by=people._p_person))
    joined = joined.inner_join(people, joined._c_person == people._p_person)
    return joined.select(customer_id=joined._c_id, cu=joined.cu, tier=joined._p_tier, ltv=joined._p_ltv)


def _feedback_sums(backend: Any, base: Any, config: MetricsConfig, window: Window) -> Any:
    """Per ticket (`tk`): answered CSAT/NPS/CES questions about it, as the feedback KPIs count them."""
    import ibis

    f = backend.table("feedback")
    f = f.filter(f.ticket_id.notnull(), f.score.notnull(), f.answered_at >= window.since - SLACK)
    keys = _keys(base)
    f = f.inner_join(keys, f.ticket_id == keys._w_ticket)
    is_csat = f.scale == "csat"
    satisfied = ~f.scale_max.isin(list(config.csat_satisfied)) & (f.score >= f.scale_max - 1)
    for scale_max, scores in config.csat_satisfied.items():
        satisfied = satisfied | ((f.scale_max == scale_max) & f.score.isin(list(scores)))
    is_nps = (f.scale == "nps") & (f.scale_min == 0) & (f.scale_max == 10)
    is_ces = (f.scale == "ces") & (f.scale_max > f.scale_min)
    # CES rescaled onto 1-7 as in the ces_mean KPI.
    ces = ibis.cases(
        (is_ces, 1.0 + (f.score - f.scale_min) * 6.0 / (f.scale_max - f.scale_min)),
        else_=ibis.null("float64"),
    )
    return f.group_by(_fb_tk=f._w_tk).agg(
        csat_n=flag(is_csat).sum(),
        csat_sat=flag(is_csat & satisfied).sum(),
        nps_n=flag(is_nps).sum(),
        nps_prom=flag(is_nps & (f.score >= config.nps_promoter_min)).sum(),
        nps_det=flag(is_nps & (f.score <= config.nps_detractor_max)).sum(),
        ces_n=flag(is_ces).sum(),
        ces_sum=ces.sum(),
        ces_sq=(ces * ces).sum(),
    )


def relationship_nps_expr(backend: Any, window: Window, config: MetricsConfig, customers: Any) -> Any:
    """Per window customer (`cu`): NPS answers not about a ticket (relationship surveys) in the window."""
    f = backend.table("feedback")
    f = f.filter(
        f.ticket_id.isnull(),
        f.customer_id.notnull(),
        f.score.notnull(),
        f.scale == "nps",
        f.scale_min == 0,
        f.scale_max == 10,
        f.answered_at >= window.since,
        f.answered_at < window.until,
    )
    c = customers.select("cu", _cn_id=customers.customer_id)
    f = f.inner_join(c, f.customer_id == c._cn_id)
    return f.group_by(_cn_cu=f.cu).agg(
        cnps_n=f.count(),
        cnps_prom=flag(f.score >= config.nps_promoter_min).sum(),
        cnps_det=flag(f.score <= config.nps_detractor_max).sum(),
    )


def ticket_facts_expr(
    backend: Any,
    window: Window,
    config: MetricsConfig,
    *,
    base: Any,
    events: Any,
    messages: Any,
    texts: Any | None,
    customers: Any,
    categories: Any,
) -> Any:
    """One row per window ticket (`tk`) with every additive measure (see SUMS), its customer (`cu`),
    category code (`cat`), tier, lifetime value and week index.

    The arguments are the materialised results of the window_* builders above; `categories` maps
    each category to its integer code (`category`, `cat`).
    """
    import ibis

    from insightdesk.metrics.definitions.common import handoffs, reopens, with_escalation

    tables = _WindowTables(backend, config, {"ticket_events": events, "interactions": messages})
    f = base.select(
        "created_at",
        "resolved_at",
        "team_id",
        "category",
        "customer_id",
        "reassignment_count",
        "reopen_count",
        "repeat_n",
        "repeat_hit",
        ticket_id=base.tk,
    )
    # FCR and escalation exactly as the fcr and escalation_rate KPIs define them.
    f = reopens(handoffs(f, tables), tables)
    i = tables.interactions
    replies = i.filter(i.author_role == "agent")
    replies = replies.group_by(_rp_t=replies.ticket_id).agg(_rp_n=replies.count())
    f = f.left_join(replies, f.ticket_id == replies._rp_t).drop("_rp_t")
    f = with_escalation(f, tables)
    resolved = f.resolved_at.notnull()
    one_touch = f._rp_n.coalesce(0) <= 1

    fb = _feedback_sums(backend, base, config, window)
    f = f.left_join(fb, f.ticket_id == fb._fb_tk)
    if texts is not None:
        scored = texts.filter(texts.sentiment_score.notnull())
        sent = scored.group_by(_sn_tk=scored.ticket_id).agg(_sent=scored.sentiment_score.mean())
        f = f.left_join(sent, f.ticket_id == sent._sn_tk)
        sentiment = f._sent.cast("float64")
    else:
        sentiment = ibis.null("float64")
    cust = customers.select(
        _cu_id=customers.customer_id, cu=customers.cu, tier=customers.tier, ltv=customers.ltv
    )
    f = f.left_join(cust, f.customer_id == cust._cu_id)
    cats = categories.select(_cat_name=categories.category, cat=categories.cat)
    f = f.left_join(cats, f.category == cats._cat_name)

    hours = ((seconds(f.resolved_at) - seconds(f.created_at)) / 3600.0).cast("float64")
    res = ibis.cases((resolved, hours), else_=ibis.null("float64"))
    zero = ibis.literal(0).cast("int64")
    week0 = int((window.week_start - dt.datetime(1970, 1, 1)).total_seconds())
    return f.select(
        tk=f.ticket_id,
        cat=f.cat,
        cu=f.cu,
        tier=f.tier,
        ltv=f.ltv,
        week_index=((seconds(f.created_at) - week0) // (7 * 86400)).cast("int64"),
        tickets=ibis.literal(1).cast("int64"),
        tickets_recent=flag(f.created_at >= window.mid),
        csat_n=f.csat_n.coalesce(zero),
        csat_sat=f.csat_sat.coalesce(zero),
        nps_n=f.nps_n.coalesce(zero),
        nps_prom=f.nps_prom.coalesce(zero),
        nps_det=f.nps_det.coalesce(zero),
        ces_n=f.ces_n.coalesce(zero),
        ces_sum=f.ces_sum.coalesce(0.0),
        ces_sq=f.ces_sq.coalesce(0.0),
        resolved=flag(resolved),
        fcr_hit=flag(resolved & (f.reopens == 0) & (f.handoffs == 0) & one_touch),
        esc_hit=flag(resolved & (f.escalated == 1)),
        repeat_n=f.repeat_n,
        repeat_hit=f.repeat_hit,
        res_n=flag(res.notnull()),
        res_sum=res.coalesce(0.0),
        res_sq=(res * res).coalesce(0.0),
        sent_n=flag(sentiment.notnull()),
        sent_sum=sentiment.coalesce(0.0),
        sent_sq=(sentiment * sentiment).coalesce(0.0),
    )
