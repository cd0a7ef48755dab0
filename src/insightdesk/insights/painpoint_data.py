"""The backend side of pain points: per-pain-point sums computed in SQL (Ibis), never row by row.

Everything the scoring model needs is an additive sum per pain point (counts, sums and sums of
squares), so the backend returns one small row per pain point plus the same sums over the whole
window; "the rest" of a pain point is then the window minus the pain point, computed in pandas on
a few hundred rows. A 5-million-ticket desk never leaves the database.

Membership of a ticket (within the window, cancelled tickets excluded):
- `category:<c>`: the ticket's category is c;
- `theme:<T>`: at least one of the ticket's customer texts (subject, description, customer
  messages; not survey comments by default, see PainpointConfig.theme_entities) has theme T. Merged
  themes count for the theme that absorbed them; split and retired themes count for nothing;
- `theme:<T>|category:<c>`: both.

Per-ticket measures follow the KPI engine's definitions (docs/metrics.md): CSAT/NPS/CES count every
answered survey question about the ticket; FCR and escalation are over resolved tickets (same fact
builders as the `fcr` and `escalation_rate` KPIs); a repeat contact is a ticket of the same customer
and `repeat_key` within `repeat_days` after an earlier one (as `repeat_contact_rate`). Tickets are
dated by their creation, so all of a pain point's measures refer to the same tickets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.tables import Tables, seconds

if TYPE_CHECKING:
    from insightdesk.store import Store

KINDS = ("theme", "category", "theme_x_category")
WINDOW_KEY = "__window__"  # pseudo pain point holding every window ticket: the totals

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


class PainpointDataError(ValueError):
    """The store cannot give pain points (no tickets, window empty...); the message says what to do."""


@dataclass(frozen=True)
class Window:
    """Tickets created in [since, until); the recent half starts at `mid`."""

    since: dt.datetime
    until: dt.datetime

    @property
    def mid(self) -> dt.datetime:
        return self.since + (self.until - self.since) / 2

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400

    def to_dict(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "mid": self.mid.isoformat()}


def resolve_window(backend: Any, *, since: Any = None, until: Any = None, days: int = 90) -> Window:
    """The ranking window: [since, until), by default the last `days` days of data.

    Without `until`, the window ends at midnight after the newest ticket, so "the last 90 days" means
    the data's last 90 days, not the calendar's (a historical export still gets a useful window).
    """
    from insightdesk.metrics.compute import _timestamp

    start, end = _timestamp(since, "since"), _timestamp(until, "until")
    if end is None:
        t = backend.table("tickets")
        newest = t.created_at.max().execute()
        if newest is None or pd.isna(newest):
            raise PainpointDataError("the store has no tickets: ingest some first (insightdesk ingest)")
        newest = pd.Timestamp(newest).to_pydatetime()
        end = dt.datetime.combine(newest.date(), dt.time()) + dt.timedelta(days=1)
    if start is None:
        if days <= 0:
            raise PainpointDataError(f"window_days must be positive, got {days}")
        start = end - dt.timedelta(days=days)
    if start >= end:
        raise PainpointDataError(f"since ({start:%Y-%m-%d}) must be before until ({end:%Y-%m-%d})")
    return Window(start, end)


def _flag(cond: Any) -> Any:
    """1 where cond holds, else 0 (null counts as 0): PostgreSQL cannot cast a boolean to a number."""
    return cond.ifelse(1, 0).cast("int64")


class _WindowTables(Tables):
    """Canonical tables with events and messages cut to the window's tickets before any grouping."""

    def __init__(self, backend: Any, config: MetricsConfig, ids: Any) -> None:
        super().__init__(backend, config, dt.datetime(2100, 1, 1))
        self._ids = ids

    def table(self, name: str) -> Any:
        table = super().table(name)
        if name in ("ticket_events", "interactions"):
            table = table.semi_join(self._ids, table.ticket_id == self._ids._w_ticket)
        return table


def _repeat_flags(backend: Any, window: Window, config: MetricsConfig) -> Any:
    """Per ticket with a customer and key: 1 when it follows an earlier one within repeat_days."""
    import ibis

    t = backend.table("tickets")
    key = t[config.repeat_key]
    # A window ticket can only repeat one created at most repeat_days earlier: no need to scan further back.
    t = t.filter(
        t.status != "cancelled",
        t.customer_id.notnull(),
        key.notnull(),
        t.created_at >= window.since - dt.timedelta(days=config.repeat_days),
        t.created_at < window.until,
    )
    w = ibis.window(group_by=[t.customer_id, t[config.repeat_key]], order_by=[t.created_at, t.id])
    t = t.mutate(_prev=t.created_at.lag().over(w))
    gap = seconds(t.created_at) - seconds(t._prev)
    hit = _flag(t._prev.notnull() & (gap <= config.repeat_days * 86400))
    return t.select(_rp_ticket=t.id, repeat_hit=hit)


def _feedback_sums(backend: Any, ids: Any, config: MetricsConfig) -> Any:
    """Per ticket: answered CSAT/NPS/CES questions about it, as the feedback KPIs count them."""
    import ibis

    f = backend.table("feedback")
    f = f.filter(f.ticket_id.notnull(), f.score.notnull(), f.answered_at.notnull())
    f = f.semi_join(ids, f.ticket_id == ids._w_ticket)
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
    return f.group_by(_fb_ticket=f.ticket_id).agg(
        csat_n=_flag(is_csat).sum(),
        csat_sat=_flag(is_csat & satisfied).sum(),
        nps_n=_flag(is_nps).sum(),
        nps_prom=_flag(is_nps & (f.score >= config.nps_promoter_min)).sum(),
        nps_det=_flag(is_nps & (f.score <= config.nps_detractor_max)).sum(),
        ces_n=_flag(is_ces).sum(),
        ces_sum=ces.sum(),
        ces_sq=(ces * ces).sum(),
    )


def _relationship_nps(backend: Any, window: Window, config: MetricsConfig) -> Any:
    """Per customer: NPS answers not about a ticket (relationship surveys) answered in the window."""
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
    return f.group_by(_cn_customer=f.customer_id).agg(
        cnps_n=f.count(),
        cnps_prom=_flag(f.score >= config.nps_promoter_min).sum(),
        cnps_det=_flag(f.score <= config.nps_detractor_max).sum(),
    )


def _text_rows(backend: Any, ids: Any, entities: Sequence[str]) -> Any | None:
    if "text_analyses" not in backend.list_tables():
        return None
    a = backend.table("text_analyses")
    a = a.filter(a.ticket_id.notnull(), a.author_role == "customer", a.entity.isin(list(entities)))
    return a.semi_join(ids, a.ticket_id == ids._w_ticket)


def theme_map(backend: Any) -> pd.DataFrame:
    """Every theme id to the active theme it now counts for (merges followed), with that theme's label."""
    if "themes" not in backend.list_tables():
        return pd.DataFrame(columns=["theme_id", "canonical", "label"])
    themes = backend.table("themes").select("theme_id", "label", "status", "merged_into").execute()
    info = {r.theme_id: r for r in themes.itertuples(index=False)}
    rows = []
    for theme_id in info:
        current, seen = theme_id, set()
        while current in info and info[current].status == "merged" and current not in seen:
            seen.add(current)
            current = info[current].merged_into
        if current in info and info[current].status == "active":
            rows.append((theme_id, current, info[current].label or current))
    return pd.DataFrame(rows, columns=["theme_id", "canonical", "label"])


def ticket_facts_expr(backend: Any, window: Window, config: MetricsConfig, entities: Sequence[str]) -> Any:
    """One row per window ticket with every additive measure (see SUMS) and the ticket's customer."""
    import ibis

    from insightdesk.metrics.definitions.common import handoffs, reopens, with_escalation

    t = backend.table("tickets")
    t = t.filter(t.status != "cancelled", t.created_at >= window.since, t.created_at < window.until)
    ids = t.select(_w_ticket=t.id)
    tables = _WindowTables(backend, config, ids)

    f = t.select(
        ticket_id=t.id,
        created_at=t.created_at,
        resolved_at=t.resolved_at,
        team_id=t.team_id,
        category=t.category,
        customer_id=t.customer_id,
        reassignment_count=t.reassignment_count,
        reopen_count=t.reopen_count,
    )
    # FCR and escalation exactly as the fcr and escalation_rate KPIs define them.
    f = reopens(handoffs(f, tables), tables)
    i = tables.interactions
    replies = i.filter(i.author_role == "agent", i.ticket_id.notnull())
    replies = replies.group_by(_rp_t=replies.ticket_id).agg(_rp_n=replies.count())
    f = f.left_join(replies, f.ticket_id == replies._rp_t).drop("_rp_t")
    f = with_escalation(f, tables)
    resolved = f.resolved_at.notnull()
    one_touch = f._rp_n.coalesce(0) <= 1

    repeat = _repeat_flags(backend, window, config)
    f = f.left_join(repeat, f.ticket_id == repeat._rp_ticket)
    fb = _feedback_sums(backend, ids, config)
    f = f.left_join(fb, f.ticket_id == fb._fb_ticket)

    texts = _text_rows(backend, ids, entities)
    if texts is not None:
        scored = texts.filter(texts.sentiment_score.notnull())
        sent = scored.group_by(_sn_ticket=scored.ticket_id).agg(_sent=scored.sentiment_score.mean())
        f = f.left_join(sent, f.ticket_id == sent._sn_ticket)
        sentiment = f._sent.cast("float64")
    else:
        sentiment = ibis.null("float64")
    c = backend.table("customers")
    customers = c.select(_cu_id=c.id, tier=c.tier, ltv=c.lifetime_value.cast("float64"))
    f = f.left_join(customers, f.customer_id == customers._cu_id)

    hours = ((seconds(f.resolved_at) - seconds(f.created_at)) / 3600.0).cast("float64")
    res = ibis.cases((resolved, hours), else_=ibis.null("float64"))
    zero = ibis.literal(0).cast("int64")
    return f.select(
        ticket_id=f.ticket_id,
        category=f.category,
        customer_id=f.customer_id,
        tier=f.tier,
        ltv=f.ltv,
        week=f.created_at.truncate("W"),
        tickets=ibis.literal(1).cast("int64"),
        tickets_recent=_flag(f.created_at >= window.mid),
        csat_n=f.csat_n.coalesce(zero),
        csat_sat=f.csat_sat.coalesce(zero),
        nps_n=f.nps_n.coalesce(zero),
        nps_prom=f.nps_prom.coalesce(zero),
        nps_det=f.nps_det.coalesce(zero),
        ces_n=f.ces_n.coalesce(zero),
        ces_sum=f.ces_sum.coalesce(0.0),
        ces_sq=f.ces_sq.coalesce(0.0),
        resolved=_flag(resolved),
        fcr_hit=_flag(resolved & (f.reopens == 0) & (f.handoffs == 0) & one_touch),
        esc_hit=_flag(resolved & (f.escalated == 1)),
        repeat_n=_flag(f.repeat_hit.notnull()),
        repeat_hit=f.repeat_hit.coalesce(zero),
        res_n=_flag(res.notnull()),
        res_sum=res.coalesce(0.0),
        res_sq=(res * res).coalesce(0.0),
        sent_n=_flag(sentiment.notnull()),
        sent_sum=sentiment.coalesce(0.0),
        sent_sq=(sentiment * sentiment).coalesce(0.0),
    )


def _theme_pairs_expr(backend: Any, facts: Any, mapping: Any, entities: Sequence[str]) -> Any:
    """Distinct (ticket, active theme) pairs of the window's tickets."""
    ids = facts.select(_w_ticket=facts.ticket_id)
    texts = _text_rows(backend, ids, entities)
    texts = texts.filter(texts.theme_id.notnull())
    joined = texts.inner_join(mapping, texts.theme_id == mapping.theme_id)
    return joined.select(ticket_id=joined.ticket_id, theme_id=joined.canonical).distinct()


def _members(facts: Any, pairs: Any | None, kinds: Sequence[str]) -> Any:
    """(painpoint_key, kind, theme_id, category, ticket_id) for every membership of a window ticket.

    Every ticket is also a member of WINDOW_KEY, so the window's totals come from the same queries.
    """
    import ibis

    parts = [
        facts.select(
            painpoint_key=ibis.literal(WINDOW_KEY),
            kind=ibis.literal("window"),
            theme_id=ibis.null("string"),
            category=ibis.null("string"),
            ticket_id=facts.ticket_id,
        )
    ]
    if "category" in kinds:
        c = facts.filter(facts.category.notnull())
        parts.append(
            c.select(
                painpoint_key=ibis.literal("category:") + c.category,
                kind=ibis.literal("category"),
                theme_id=ibis.null("string"),
                category=c.category,
                ticket_id=c.ticket_id,
            )
        )
    if pairs is not None and "theme" in kinds:
        parts.append(
            pairs.select(
                painpoint_key=ibis.literal("theme:") + pairs.theme_id,
                kind=ibis.literal("theme"),
                theme_id=pairs.theme_id,
                category=ibis.null("string"),
                ticket_id=pairs.ticket_id,
            )
        )
    if pairs is not None and "theme_x_category" in kinds:
        cat = facts.filter(facts.category.notnull()).select(_x_ticket=facts.ticket_id, _x_cat=facts.category)
        x = pairs.inner_join(cat, pairs.ticket_id == cat._x_ticket)
        parts.append(
            x.select(
                painpoint_key=ibis.literal("theme:") + x.theme_id + ibis.literal("|category:") + x._x_cat,
                kind=ibis.literal("theme_x_category"),
                theme_id=x.theme_id,
                category=x._x_cat,
                ticket_id=x.ticket_id,
            )
        )
    members = parts[0]
    for part in parts[1:]:
        members = members.union(part, distinct=False)
    return members


def _customer_sums(rows: Any, by: Sequence[str], cnps: Any) -> tuple[Any, Any]:
    """Per group (and customer): the customer-level sums of CUSTOMER_SUMS, and the tier counts.

    Value at risk needs each customer's own dissatisfaction share, so tickets are first summed per
    (group, customer) and then per group; the customer's relationship NPS answers join there.
    """
    import ibis

    r = rows.filter(rows.customer_id.notnull())
    per_customer = r.group_by([*by, "customer_id"]).agg(
        _dis=(r.csat_n - r.csat_sat + r.nps_det).sum(),
        _ans=(r.csat_n + r.nps_n).sum(),
        _ltv=r.ltv.max(),
        _tier=r.tier.max(),
    )
    p = per_customer.left_join(cnps, per_customer.customer_id == cnps._cn_customer)
    zero = ibis.literal(0).cast("int64")
    p = p.mutate(
        cnps_n=p.cnps_n.coalesce(zero),
        cnps_prom=p.cnps_prom.coalesce(zero),
        cnps_det=p.cnps_det.coalesce(zero),
    )
    p = p.mutate(_dis=p._dis + p.cnps_det, _ans=p._ans + p.cnps_n)
    share = ibis.cases((p._ans > 0, p._ltv * p._dis.cast("float64") / p._ans), else_=ibis.null("float64"))
    sums = p.group_by(by).agg(
        cnps_n=p.cnps_n.sum(),
        cnps_prom=p.cnps_prom.sum(),
        cnps_det=p.cnps_det.sum(),
        customers=p.count(),
        ltv_known=p._ltv.count(),
        ltv_sum=p._ltv.sum(),
        var_answered=share.sum(),
        ltv_unanswered=ibis.cases((p._ans == 0, p._ltv), else_=ibis.null("float64")).sum(),
        dis_n=p._dis.sum(),
        ans_n=p._ans.sum(),
    )
    tiers = p.group_by([*by, p._tier.name("tier")]).agg(n=p.count())
    return sums, tiers


@dataclass
class PainpointData:
    """Backend results: one row per pain point (`groups`), the window's totals (`desk`), weekly counts."""

    window: Window
    groups: pd.DataFrame
    desk: dict[str, float]
    weekly: pd.DataFrame
    tiers: pd.DataFrame
    desk_tiers: dict[str, int]


@contextmanager
def _temp_tables(backend: Any) -> Iterator[list[str]]:
    names: list[str] = []
    try:
        yield names
    finally:
        for name in names:
            # A failed clean-up must not hide the real error; temp tables vanish with the session anyway.
            with contextlib.suppress(Exception):
                backend.drop_table(name, force=True)


def aggregate_painpoints(
    store: Store | Any,
    window: Window,
    *,
    kinds: Sequence[str] = KINDS,
    entities: Sequence[str] = ("tickets", "interactions"),
    config: MetricsConfig | None = None,
    keys: Sequence[str] | None = None,
) -> PainpointData:
    """Per-pain-point sums over `window`, computed in the backend (see the module docstring).

    `keys` limits the result to some pain points (a backlog verification needs only one).
    """
    import ibis

    from insightdesk.metrics.compute import backend_for

    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise PainpointDataError(f"unknown pain-point kind {bad}; choose from {', '.join(KINDS)}")
    cfg = config or MetricsConfig()
    with backend_for(store) as backend, _temp_tables(backend) as temps:
        tag = uuid.uuid4().hex[:8]
        # Materialised once: every aggregation below reads the window's tickets, not the whole store.
        facts_name = f"_pp_facts_{tag}"
        facts = backend.create_table(facts_name, ticket_facts_expr(backend, window, cfg, entities), temp=True)
        temps.append(facts_name)
        mapping = theme_map(backend)
        pairs = None
        if (
            len(mapping)
            and _text_rows(backend, facts.select(_w_ticket=facts.ticket_id), entities) is not None
        ):
            pairs_name = f"_pp_themes_{tag}"
            pairs = backend.create_table(
                pairs_name, _theme_pairs_expr(backend, facts, ibis.memtable(mapping), entities), temp=True
            )
            temps.append(pairs_name)
        labels = dict(zip(mapping.canonical, mapping.label, strict=True))

        cnps = _relationship_nps(backend, window, cfg)
        members = _members(facts, pairs, kinds)
        if keys is not None:
            members = members.filter(members.painpoint_key.isin([*keys, WINDOW_KEY]))
        measures = facts.drop("category")
        rows = members.inner_join(measures, members.ticket_id == measures.ticket_id)
        by = ["painpoint_key", "kind", "theme_id", "category"]
        # Three queries: the window's own sums come out as one more group (WINDOW_KEY).
        groups = rows.group_by(by).agg(**{c: rows[c].sum() for c in SUMS}).execute()
        cust, tiers = _customer_sums(rows, ["painpoint_key"], cnps)
        cust = cust.execute()
        tiers = tiers.execute()
        weekly = rows.group_by(["painpoint_key", "week"]).agg(tickets=rows.count()).execute()

    groups = groups.merge(cust, on="painpoint_key", how="left")
    for c in (*SUMS, *CUSTOMER_SUMS):
        groups[c] = pd.to_numeric(groups[c], errors="coerce").fillna(0.0).astype(float)
    is_window = groups["painpoint_key"] == WINDOW_KEY
    desk = dict.fromkeys((*SUMS, *CUSTOMER_SUMS), 0.0)
    if is_window.any():
        desk.update({c: float(groups.loc[is_window, c].iloc[0]) for c in (*SUMS, *CUSTOMER_SUMS)})
    groups = groups[~is_window].reset_index(drop=True)
    desk_tiers = {
        str(r.tier): int(r.n)
        for r in tiers[tiers.painpoint_key == WINDOW_KEY].itertuples(index=False)
        if r.tier is not None
    }
    tiers = tiers[tiers.painpoint_key != WINDOW_KEY].reset_index(drop=True)
    weekly = weekly[weekly.painpoint_key != WINDOW_KEY].reset_index(drop=True)
    groups["label"] = [_label(r, labels) for r in groups.itertuples(index=False)]
    weekly["week"] = pd.to_datetime(weekly["week"])
    return PainpointData(window, groups, desk, weekly, tiers, desk_tiers)


def _label(row: Any, labels: dict[str, str]) -> str:
    theme = labels.get(row.theme_id, row.theme_id) if isinstance(row.theme_id, str) else None
    if row.kind == "theme":
        return str(theme)
    if row.kind == "category":
        return str(row.category)
    return f"{theme} / {row.category}"
