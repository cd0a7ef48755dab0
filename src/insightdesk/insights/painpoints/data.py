"""The backend side of pain points: per-pain-point sums computed in SQL (Ibis), never row by row.

Everything the scoring model needs is an additive sum per pain point (counts, sums and sums of
squares), so the backend returns one small row per pain point plus the same sums over the whole
window; "the rest" of a pain point is then the window minus the pain point, computed in pandas on
a few thousand rows at most. A 5-million-ticket desk never leaves the database.

Membership of a ticket (within the window, cancelled tickets excluded):
- `category:<c>`: the ticket's category is c;
- `theme:<T>`: at least one of the ticket's customer texts (subject, description, customer
  messages; not survey comments by default, see PainpointConfig.theme_entities) has theme T. Merged
  themes count for the theme that absorbed them; split and retired themes count for nothing;
- `theme:<T>|category:<c>`: both.

In the backend a pain point is an integer code (0 = the whole window, then categories, themes and
their crosses; `codes.Codes` translates), a ticket is its integer `tk` and a customer its `cu`: grouping
hundreds of thousands of tickets by integers is much faster than by text ids. The per-ticket
measures are built in `facts`.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.insights.painpoints.codes import Codes, PainpointData, assemble
from insightdesk.insights.painpoints.config import KINDS
from insightdesk.insights.painpoints.errors import PainpointDataError
from insightdesk.insights.painpoints.facts import (
    SUMS,
    flag,
    relationship_nps_expr,
    ticket_facts_expr,
    window_base_expr,
    window_customers_expr,
    window_rows_expr,
    window_texts_expr,
)
from insightdesk.insights.painpoints.window import Window
from insightdesk.metrics.config import MetricsConfig

if TYPE_CHECKING:
    from insightdesk.store import Store


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


def _codes(backend: Any, base: Any, kinds: Sequence[str], has_texts: bool) -> tuple[Codes, pd.DataFrame]:
    """The codes of this window's pain points: its categories (a small query) and the active themes."""
    categories: list[str] = []
    if "category" in kinds or "theme_x_category" in kinds:
        present = base.filter(base.category.notnull()).select("category").distinct().execute()
        categories = sorted(str(c) for c in present["category"])
    mapping = theme_map(backend) if has_texts else pd.DataFrame(columns=["theme_id", "canonical", "label"])
    return Codes(categories, sorted(set(mapping.canonical))), mapping


def _members(facts: Any, pairs: Any | None, kinds: Sequence[str], codes: Codes) -> Any:
    """(pp, tk): every pain point (code) each window ticket belongs to, the window (0) included."""
    import ibis

    parts = [facts.select(pp=ibis.literal(0).cast("int64"), tk=facts.tk)]
    if "category" in kinds:
        c = facts.filter(facts.cat.notnull())
        parts.append(c.select(pp=(c.cat + 1).cast("int64"), tk=c.tk))
    if pairs is not None and "theme" in kinds:
        parts.append(pairs.select(pp=(pairs.th + 1 + len(codes.categories)).cast("int64"), tk=pairs.tk))
    if pairs is not None and "theme_x_category" in kinds and codes.categories:
        cat = facts.filter(facts.cat.notnull()).select(_x_tk=facts.tk, _x_cat=facts.cat)
        x = pairs.inner_join(cat, pairs.tk == cat._x_tk)
        code = codes.cross_base() + x.th * len(codes.categories) + x._x_cat
        parts.append(x.select(pp=code.cast("int64"), tk=x.tk))
    members = parts[0]
    for part in parts[1:]:
        members = members.union(part, distinct=False)
    return members


def _per_customer(rows: Any, cnps: Any) -> Any:
    """One row per (pain point, customer): unhappy and all answers, lifetime value and tier.

    Value at risk needs each customer's own dissatisfaction share, so tickets are first summed per
    pain point and customer; the customer's relationship NPS answers join there.
    """
    import ibis

    r = rows.filter(rows.cu.notnull())
    per_customer = r.group_by(["pp", "cu"]).agg(
        _dis=(r.csat_n - r.csat_sat + r.nps_det).sum(),
        _ans=(r.csat_n + r.nps_n).sum(),
        _ltv=r.ltv.max(),
        _tier=r.tier.max(),
    )
    p = per_customer.left_join(cnps, per_customer.cu == cnps._cn_cu)
    zero = ibis.literal(0).cast("int64")
    return p.select(
        "pp",
        "_ltv",
        "_tier",
        cnps_n=p.cnps_n.coalesce(zero),
        cnps_prom=p.cnps_prom.coalesce(zero),
        cnps_det=p.cnps_det.coalesce(zero),
        _dis=p._dis + p.cnps_det.coalesce(zero),
        _ans=p._ans + p.cnps_n.coalesce(zero),
    )


def _customer_sums(p: Any) -> tuple[Any, Any]:
    """Per pain point, from its customers: the sums of CUSTOMER_SUMS, and the tier counts."""
    import ibis

    share = ibis.cases((p._ans > 0, p._ltv * p._dis.cast("float64") / p._ans), else_=ibis.null("float64"))
    sums = p.group_by("pp").agg(
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
    tiers = p.group_by(["pp", p._tier.name("tier")]).agg(n=p.count())
    return sums, tiers


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
    seconds: dict[str, float] = {}
    with backend_for(store) as backend, _temp_tables(backend) as temps:
        tag = uuid.uuid4().hex[:8]
        clock = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[step] = seconds.get(step, 0.0) + now - clock
            clock = now

        def materialise(name: str, expr: Any) -> Any:
            temps.append(f"_pp_{name}_{tag}")
            table = backend.create_table(temps[-1], expr, temp=True)
            lap(name)
            return table

        # The window's tickets, and their events, messages and texts: each big table is read once.
        base = materialise("base", window_base_expr(backend, window, cfg))
        events = materialise("events", window_rows_expr(backend, "ticket_events", window, base))
        messages = materialise("messages", window_rows_expr(backend, "interactions", window, base))
        texts_expr = window_texts_expr(backend, window, entities, base)
        texts = None if texts_expr is None else materialise("texts", texts_expr)
        customers = materialise("customers", window_customers_expr(backend, base))
        codes, mapping = _codes(backend, base, kinds, texts is not None)
        categories = pd.DataFrame({"category": codes.categories, "cat": range(len(codes.categories))})
        cat_table = ibis.memtable(categories.astype({"category": "string", "cat": "int64"}))
        lap("codes")
        facts = materialise(
            "facts",
            ticket_facts_expr(
                backend, window, cfg, base=base, events=events, messages=messages, texts=texts,
                customers=customers, categories=cat_table,
            ),
        )  # fmt: skip
        pairs = None
        if codes.themes and texts is not None:
            theme_codes = mapping.assign(th=mapping.canonical.map({t: j for j, t in enumerate(codes.themes)}))
            theme_table = ibis.memtable(theme_codes[["theme_id", "th"]].astype({"th": "int64"}))
            themed = texts.filter(texts.theme_id.notnull())
            joined = themed.inner_join(theme_table, themed.theme_id == theme_table.theme_id)
            pairs = materialise("themes", joined.select(tk=joined.ticket_id, th=joined.th).distinct())

        cnps = relationship_nps_expr(backend, window, cfg, customers)
        members = _members(facts, pairs, kinds, codes)
        if keys is not None:
            members = members.filter(members.pp.isin([0, *codes.codes_of(keys)]))
        rows = members.inner_join(facts, members.tk == facts.tk)
        # The window's own sums come out as one more group (code 0); weekly counts as columns.
        week_counts = {f"_week{i}": flag(rows.week_index == i).sum() for i in range(window.weeks)}
        groups = rows.group_by("pp").agg(**{c: rows[c].sum() for c in SUMS}, **week_counts).execute()
        lap("sums")
        # Materialised: both the customer sums and the tier counts read it.
        per_customer = materialise("per_customer", _per_customer(rows, cnps))
        cust, tiers = _customer_sums(per_customer)
        cust = cust.execute()
        tiers = tiers.execute()
        lap("customer_sums")

    return assemble(window, codes, mapping, groups, cust, tiers, seconds)
