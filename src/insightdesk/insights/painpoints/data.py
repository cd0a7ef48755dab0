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
their crosses; `Codes` translates), a ticket is its integer `tk` and a customer its `cu`: grouping
hundreds of thousands of tickets by integers is much faster than by text ids. The per-ticket
measures are built in painpoint_facts.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.insights.painpoints.facts import (
    SUMS,
    Window,
    flag,
    relationship_nps_expr,
    ticket_facts_expr,
    window_base_expr,
    window_customers_expr,
    window_rows_expr,
    window_texts_expr,
)
from insightdesk.metrics.config import MetricsConfig

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)

KINDS = ("theme", "category", "theme_x_category")
WINDOW_KEY = "__window__"  # pseudo pain point holding every window ticket: the totals

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

__all__ = [
    "CUSTOMER_SUMS",
    "KINDS",
    "SUMS",
    "WINDOW_KEY",
    "PainpointData",
    "PainpointDataError",
    "Window",
    "aggregate_painpoints",
    "resolve_window",
    "theme_map",
]


class PainpointDataError(ValueError):
    """The store cannot give pain points (no tickets, window empty...); the message says what to do."""


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


@dataclass(frozen=True)
class Codes:
    """Integer codes of pain points: 0 the window, 1..C categories, C+1..C+T themes, then crosses."""

    categories: list[str]
    themes: list[str]

    @property
    def _c(self) -> int:
        return len(self.categories)

    @property
    def _t(self) -> int:
        return len(self.themes)

    def category(self, i: int) -> int:
        """Code of the category at position i (0-based)."""
        return 1 + i

    def theme(self, j: int) -> int:
        return 1 + self._c + j

    def cross_base(self) -> int:
        """Code of (theme j, category i) is cross_base + j * C + i."""
        return 1 + self._c + self._t

    def key(self, code: int) -> tuple[str, str, str | None, str | None]:
        """(painpoint_key, kind, theme_id, category) of a code."""
        if code == 0:
            return WINDOW_KEY, "window", None, None
        if code <= self._c:
            c = self.categories[code - 1]
            return f"category:{c}", "category", None, c
        if code <= self._c + self._t:
            t = self.themes[code - 1 - self._c]
            return f"theme:{t}", "theme", t, None
        j, i = divmod(code - self.cross_base(), self._c)
        t, c = self.themes[j], self.categories[i]
        return f"theme:{t}|category:{c}", "theme_x_category", t, c

    def codes_of(self, keys: Sequence[str]) -> list[int]:
        """Codes of pain-point keys (unknown keys have none)."""
        cat = {c: i for i, c in enumerate(self.categories)}
        theme = {t: j for j, t in enumerate(self.themes)}
        out = []
        for key in keys:
            # Categories are free text (a `|` or `:` in one must not break the key apart).
            t: str | None = None
            c: str | None = None
            if key.startswith("category:"):
                c = key.removeprefix("category:")
            elif key.startswith("theme:"):
                t, sep, c_part = key.removeprefix("theme:").partition("|category:")
                c = c_part if sep else None
            if t is not None and c is not None and t in theme and c in cat:
                out.append(self.cross_base() + theme[t] * self._c + cat[c])
            elif t is not None and c is None and t in theme:
                out.append(self.theme(theme[t]))
            elif c is not None and t is None and c in cat:
                out.append(self.category(cat[c]))
        return out


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


@dataclass
class PainpointData:
    """Backend results: one row per pain point (`groups`), the window's totals (`desk`), weekly counts."""

    window: Window
    groups: pd.DataFrame
    desk: dict[str, float]
    weekly: pd.DataFrame
    tiers: pd.DataFrame
    desk_tiers: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    """Time of each backend step (base, events, messages, texts, customers, facts, themes, sums...)."""


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

    return _assemble(window, codes, mapping, groups, cust, tiers, seconds)


def _assemble(
    window: Window,
    codes: Codes,
    mapping: pd.DataFrame,
    groups: pd.DataFrame,
    cust: pd.DataFrame,
    tiers: pd.DataFrame,
    seconds: dict[str, float],
) -> PainpointData:
    """Decode pain-point codes, split off the window's totals, reshape the weekly counts."""
    groups = groups.merge(cust, on="pp", how="left")
    for c in (*SUMS, *CUSTOMER_SUMS):
        groups[c] = pd.to_numeric(groups[c], errors="coerce").fillna(0.0).astype(float)
    decoded = [codes.key(int(pp)) for pp in groups["pp"]]
    groups["painpoint_key"] = [d[0] for d in decoded]
    groups["kind"] = [d[1] for d in decoded]
    groups["theme_id"] = [d[2] for d in decoded]
    groups["category"] = [d[3] for d in decoded]
    is_window = groups["pp"] == 0
    desk = dict.fromkeys((*SUMS, *CUSTOMER_SUMS), 0.0)
    if is_window.any():
        desk.update({c: float(groups.loc[is_window, c].iloc[0]) for c in (*SUMS, *CUSTOMER_SUMS)})
    groups = groups[~is_window].reset_index(drop=True)

    tiers = tiers.assign(painpoint_key=[codes.key(int(pp))[0] for pp in tiers["pp"]])
    desk_tiers = {
        str(r.tier): int(r.n) for r in tiers[tiers.pp == 0].itertuples(index=False) if r.tier is not None
    }
    tiers = tiers[tiers.pp != 0][["painpoint_key", "tier", "n"]].reset_index(drop=True)

    week_columns = [f"_week{i}" for i in range(window.weeks)]
    starts = [window.week_start + dt.timedelta(days=7 * i) for i in range(window.weeks)]
    long = groups.melt(id_vars=["painpoint_key"], value_vars=week_columns, var_name="_col", value_name="_n")
    weekly = pd.DataFrame(
        {
            "painpoint_key": long["painpoint_key"],
            "week": pd.to_datetime(long["_col"].map(dict(zip(week_columns, starts, strict=True)))),
            "tickets": long["_n"].fillna(0).astype("int64"),
        }
    )
    labels = dict(zip(mapping.canonical, mapping.label, strict=True))
    groups = groups.drop(columns=[*week_columns, "pp"])
    groups["label"] = [_label(r, labels) for r in groups.itertuples(index=False)]
    log.info("pain-point sums: %s", ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items()))
    return PainpointData(window, groups, desk, weekly, tiers, desk_tiers, seconds)


def _label(row: Any, labels: dict[str, str]) -> str:
    theme = labels.get(row.theme_id, row.theme_id) if isinstance(row.theme_id, str) else None
    if row.kind == "theme":
        return str(theme)
    if row.kind == "category":
        return str(row.category)
    return f"{theme} / {row.category}"
