"""One row per ticket: its attributes, experience, text signals and outcomes.

The shared input of key drivers, the risk model and pain points. Built as one Ibis expression
over the canonical tables (so it runs on DuckDB and PostgreSQL alike) and fetched as pandas.

Outcomes (null where the ticket has no such answer or its window is not over yet):
- `low_csat`: the latest answered CSAT on the ticket is not in the satisfied set (default 4-5 of 5);
- `detractor`: the latest answered NPS on the ticket is 0-6 (without one: the customer's first
  relationship NPS answered within `config.nps_attribution_days` after the ticket was created);
- `repeat_contact`: the same person (any of their accounts, once identity resolution linked them)
  opened another ticket of the same `repeat_key`
  (default: category) within `repeat_days` after this one; null for tickets younger than the window.
Text signals come from the stored text analyses of the ticket's subject, description and
customer messages, never from the survey comment (it would leak the outcome into the predictors).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.persons import with_person

if TYPE_CHECKING:
    from insightdesk.store import Store

CATEGORICAL = (
    "channel",
    "team",
    "product",
    "category",
    "priority",
    "type",
    "customer_tier",
    "customer_segment",
    "customer_region",
    "language",
    "theme_id",
)
NUMERIC = (
    "first_response_hours",
    "resolution_hours",
    "reopen_count",
    "reassignment_count",
    "sla_response_breached",
    "sla_resolution_breached",
    "channel_switches",
    "customer_messages",
    "ticket_sentiment",
    "lifetime_value",
)
OUTCOMES = ("low_csat", "detractor", "repeat_contact")
HEAVY_TAILED = frozenset(
    {
        "first_response_hours",
        "resolution_hours",
        "lifetime_value",
        "reopen_count",
        "reassignment_count",
        "channel_switches",
        "customer_messages",
    }
)
"""Heavy-tailed, non-negative numbers: the driver and risk models take them on a log scale."""
MISSING = "(missing)"
"""The level of an attribute the ticket has no value for (models, disparities, alert segments)."""


def _as_float(cond: Any) -> Any:
    return cond.ifelse(1.0, 0.0)


def _latest_answer(feedback: Any, scale: str, name: str) -> Any:
    """Per ticket, the score of its latest answered survey on one scale (`name`, plus `<name>_max`)."""
    import ibis

    f = feedback.filter((feedback.scale == scale) & feedback.score.notnull() & feedback.ticket_id.notnull())
    w = ibis.window(group_by=f.ticket_id, order_by=[ibis.desc(f.answered_at), ibis.desc(f.id)])
    f = f.mutate(_rank=ibis.row_number().over(w))
    f = f.filter(f._rank == 0)
    return f.select(
        **{f"_{name}_ticket": f.ticket_id, name: f.score.cast("float64"), f"{name}_max": f.scale_max}
    )


def _relationship_nps(tickets: Any, feedback: Any, days: int) -> Any:
    """Per ticket, the score of its customer's first relationship NPS answer (one tied to no ticket)
    answered within `days` after the ticket was created: the customer's verdict after that contact.
    Both tables carry `_person` (the customer's person, metrics/persons.py): the answer may come
    from another account of the same person.

    Desks usually survey NPS per customer, not per ticket; without this join every ticket's detractor
    outcome would be unknown while the store holds the answers.
    """
    import ibis

    f = feedback.filter(
        (feedback.scale == "nps")
        & feedback.score.notnull()
        & feedback.ticket_id.isnull()
        & feedback.customer_id.notnull()
        & feedback.answered_at.notnull()
    )
    f = f.select(_rn_customer=f._person, _rn_at=f.answered_at, _rn_id=f.id, _rn_score=f.score)
    t = tickets.filter(tickets.customer_id.notnull()).select(
        _rn_ticket=tickets.id, _rn_tcustomer=tickets._person, _rn_created=tickets.created_at
    )
    seconds = lambda ts: ts.epoch_seconds()  # noqa: E731
    pairs = t.join(
        f,
        (t._rn_tcustomer == f._rn_customer)
        & (f._rn_at >= t._rn_created)
        & ((seconds(f._rn_at) - seconds(t._rn_created)) <= days * 86400),
    )
    w = ibis.window(group_by=pairs._rn_ticket, order_by=[pairs._rn_at, pairs._rn_id])
    pairs = pairs.mutate(_rank=ibis.row_number().over(w))
    first = pairs.filter(pairs._rank == 0)
    return first.select("_rn_ticket", _rn_score=first._rn_score.cast("float64"))


def _text_signals(backend: Any) -> Any | None:
    """Per ticket, the mean sentiment of its non-survey texts and its most frequent theme."""
    import ibis

    if "text_analyses" not in backend.list_tables():
        return None
    a = backend.table("text_analyses")
    a = a.filter(a.ticket_id.notnull() & (a.entity != "feedback") & (a.author_role == "customer"))
    sentiment = a.group_by(_tx_ticket=a.ticket_id).agg(ticket_sentiment=a.sentiment_score.mean())
    themed = a.filter(a.theme_id.notnull())
    counts = themed.group_by(_th_ticket=themed.ticket_id, theme_id=themed.theme_id).agg(_n=themed.count())
    w = ibis.window(group_by=counts._th_ticket, order_by=[ibis.desc(counts._n), counts.theme_id])
    top = counts.mutate(_rank=ibis.row_number().over(w))
    top = top.filter(top._rank == 0).select("_th_ticket", "theme_id")
    joined = sentiment.outer_join(top, sentiment._tx_ticket == top._th_ticket)
    return joined.select(
        _sig_ticket=joined._tx_ticket.coalesce(joined._th_ticket),
        ticket_sentiment=joined.ticket_sentiment,
        theme_id=joined.theme_id,
    )


def ticket_features_expr(
    backend: Any,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    config: MetricsConfig | None = None,
    data_end: dt.datetime | None = None,
) -> Any:
    """The per-ticket feature table as an Ibis expression (tickets created in [since, until))."""
    import ibis

    cfg = config or MetricsConfig()
    t = backend.table("tickets")
    t = t.filter(t.status != "cancelled")
    end = data_end or t.created_at.max().as_scalar()

    # Repeat contact looks forward from every ticket, so it is computed before the date filter. A
    # customer's history is their person's, across accounts (identity_links, else the account).
    t = with_person(t, backend, out="_person")
    key = t[cfg.repeat_key]
    w = ibis.window(group_by=[t._person, key], order_by=[t.created_at, t.id])
    t = t.mutate(_next=t.created_at.lead().over(w))
    window_s = cfg.repeat_days * 86400
    seconds = lambda ts: ts.epoch_seconds()  # noqa: E731
    known = t.customer_id.notnull() & key.notnull()
    window_over = (seconds(end) - seconds(t.created_at)) >= window_s
    repeated = t._next.notnull() & ((seconds(t._next) - seconds(t.created_at)) <= window_s)
    t = t.mutate(
        # Unknown until the whole window has passed: labelling young tickets only when a repeat had
        # already happened would make every labelled young ticket a positive.
        repeat_contact=ibis.cases(
            (known & window_over & repeated, 1.0),
            (known & window_over, 0.0),
            else_=ibis.null("float64"),
        )
    )
    if since is not None:
        t = t.filter(t.created_at >= since)
    if until is not None:
        t = t.filter(t.created_at < until)

    teams = backend.table("teams").select(_team_id="id", team="name")
    customers = backend.table("customers").select(
        _customer_id="id",
        customer_tier="tier",
        customer_segment="segment",
        customer_region="region",
        lifetime_value="lifetime_value",
    )
    t = t.left_join(teams, t.team_id == teams._team_id).drop("_team_id")
    t = t.left_join(customers, t.customer_id == customers._customer_id).drop("_customer_id")

    i = backend.table("interactions")
    i = i.filter(i.ticket_id.notnull())
    per_ticket = i.group_by(_ix_ticket=i.ticket_id).agg(
        channel_switches=(i.channel.nunique() - 1).cast("float64"),
        customer_messages=_as_float(i.author_role == "customer").sum(),
    )
    t = t.left_join(per_ticket, t.id == per_ticket._ix_ticket).drop("_ix_ticket")

    feedback = backend.table("feedback")
    csat = _latest_answer(feedback, "csat", "csat_score")
    nps = _latest_answer(feedback, "nps", "nps_score")
    t = t.left_join(csat, t.id == csat._csat_score_ticket).drop("_csat_score_ticket")
    t = t.left_join(nps, t.id == nps._nps_score_ticket).drop("_nps_score_ticket", "nps_score_max")
    # An answer about the ticket itself wins; else the customer's relationship NPS that followed it.
    related = _relationship_nps(
        with_person(backend.table("tickets"), backend, out="_person"),
        with_person(feedback, backend, out="_person"),
        cfg.nps_attribution_days,
    )
    t = t.left_join(related, t.id == related._rn_ticket)
    t = t.mutate(nps_score=t.nps_score.coalesce(t._rn_score)).drop("_rn_ticket", "_rn_score")

    signals = _text_signals(backend)
    if signals is not None:
        t = t.left_join(signals, t.id == signals._sig_ticket).drop("_sig_ticket")
    else:
        t = t.mutate(ticket_sentiment=ibis.null("float64"), theme_id=ibis.null("string"))

    satisfied = _satisfied_case(t, cfg)
    hours = lambda a, b: (seconds(b) - seconds(a)) / 3600.0  # noqa: E731
    return t.select(
        ticket_id=t.id,
        created_at=t.created_at,
        resolved_at=t.resolved_at,
        status=t.status,
        channel=t.channel,
        team_id=t.team_id,
        team=t.team.coalesce(t.team_id),
        agent_id=t.agent_id,
        customer_id=t.customer_id,
        product=t.product,
        category=t.category,
        subcategory=t.subcategory,
        priority=t.priority,
        type=t.type,
        customer_tier=t.customer_tier,
        customer_segment=t.customer_segment,
        customer_region=t.customer_region,
        language=t.language,
        theme_id=t.theme_id,
        first_response_hours=hours(t.created_at, t.first_response_at),
        resolution_hours=hours(t.created_at, t.resolved_at),
        reopen_count=t.reopen_count.cast("float64"),
        reassignment_count=t.reassignment_count.cast("float64"),
        sla_response_breached=t.sla_response_breached.ifelse(1.0, 0.0),
        sla_resolution_breached=t.sla_resolution_breached.ifelse(1.0, 0.0),
        channel_switches=t.channel_switches.coalesce(0.0),
        customer_messages=t.customer_messages.coalesce(0.0),
        ticket_sentiment=t.ticket_sentiment.cast("float64"),
        lifetime_value=t.lifetime_value.cast("float64"),
        csat_score=t.csat_score,
        nps_score=t.nps_score,
        low_csat=ibis.cases((t.csat_score.isnull(), ibis.null("float64")), (satisfied, 0.0), else_=1.0),
        detractor=ibis.cases(
            (t.nps_score.isnull(), ibis.null("float64")),
            (t.nps_score <= cfg.nps_detractor_max, 1.0),
            else_=0.0,
        ),
        repeat_contact=t.repeat_contact,
    )


def _satisfied_case(t: Any, cfg: MetricsConfig) -> Any:
    """True where the CSAT score is in the satisfied set of its scale (keyed by the scale's maximum)."""
    import ibis

    branches = [
        ((t.csat_score_max == scale_max) & t.csat_score.isin(list(scores)), True)
        for scale_max, scores in cfg.csat_satisfied.items()
    ]
    known = ibis.literal(False)
    for scale_max in cfg.csat_satisfied:
        known = known | (t.csat_score_max == scale_max)
    top_two = t.csat_score >= (t.csat_score_max - 1).cast("float64")
    return ibis.cases(*branches, (~known & top_two, True), else_=False)


# The feature query compiled once per process and store shape: building and compiling the Ibis
# expression costs 1-2 s of CPU, more than running it on a desk of thousands of tickets. The shape is
# the engine, whether the identity and text tables exist (they change the joins) and the KPI config.
_COMPILED: dict[tuple[str, bool, bool, str], tuple[str, Any]] = {}


def _compiled_features(backend: Any, config: MetricsConfig | None) -> Any:
    """The feature table as an Ibis expression over its compiled SQL, typed as the expression was."""
    tables = set(backend.list_tables())
    cfg = repr(config or MetricsConfig())
    key = (backend.name, "identity_links" in tables, "text_analyses" in tables, cfg)
    if key not in _COMPILED:
        expr = ticket_features_expr(backend, config=config)
        _COMPILED[key] = (str(backend.compile(expr)), expr.schema())
    sql, schema = _COMPILED[key]
    return backend.sql(sql, schema=schema)


def ticket_features(
    store: Store | Any,
    *,
    since: Any = None,
    until: Any = None,
    config: MetricsConfig | None = None,
) -> pd.DataFrame:
    """The per-ticket feature frame (pandas) of a Store or an Ibis backend; see the module docstring."""
    from insightdesk.metrics.request import backend_for, to_timestamp

    start, end = to_timestamp(since, "since"), to_timestamp(until, "until")
    with backend_for(store) as backend:
        expr = _compiled_features(backend, config)
        # The date range filters the finished rows, as ticket_features_expr does (after the repeat
        # flags, which look past it): so one compiled query serves every range.
        if start is not None:
            expr = expr.filter(expr.created_at >= start)
        if end is not None:
            expr = expr.filter(expr.created_at < end)
        frame = expr.execute()
    # A fixed row order: DuckDB's threads return rows in any order, and the seeded bootstraps and
    # splits downstream (drivers, risk) must give the same figures on the same data every run.
    frame = frame.sort_values("ticket_id", kind="stable", ignore_index=True)
    for column in ("created_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def created_between(frame: pd.DataFrame, since: Any = None, until: Any = None) -> pd.DataFrame:
    """The rows of a feature frame created in [since, until); a bound left as None is open."""
    from insightdesk.metrics.request import to_timestamp

    keep = pd.Series(True, index=frame.index)
    start, end = to_timestamp(since, "since"), to_timestamp(until, "until")
    if start is not None:
        keep &= frame["created_at"] >= pd.Timestamp(start)
    if end is not None:
        keep &= frame["created_at"] < pd.Timestamp(end)
    return frame[keep]


def features_between(
    store: Store | Any,
    since: Any = None,
    until: Any = None,
    *,
    config: MetricsConfig | None = None,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The feature frame of tickets created in [since, until): read from the store, or filtered from
    `features` when the caller already holds one (a pipeline running several analyses reads once)."""
    if features is None:
        return ticket_features(store, since=since, until=until, config=config)
    return created_between(features, since, until)
