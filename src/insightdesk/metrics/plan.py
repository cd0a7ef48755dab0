"""The backend side of a KPI request: its fact view, filters, cut and grain, aggregated per cell.

Counts and sums per cell are computed in the backend (DuckDB, PostgreSQL or Spark through
Ibis); only the small per-cell result comes back to Python (cells.py, estimates.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from insightdesk.metrics import stats
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import attach, check_dimensions
from insightdesk.metrics.execute import cached, compile_sql, ensure_current, register_view, remember
from insightdesk.metrics.grains import GRAINS
from insightdesk.metrics.request import MetricsError, Where
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables


def fact_level(fact: Any) -> str:
    """`ticket` when the fact carries the ticket's own columns (dimensions read them directly)."""
    return "ticket" if {"team_id", "status", "ticket_id"} <= set(fact.columns) else "other"


def plan(
    spec: KPI,
    tables: Tables,
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    where: Where,
    cfg: MetricsConfig,
) -> list[Any]:
    """The backend queries answering one request (one, or two for a backlog trend)."""
    fact = fact_view(spec, tables, cfg)
    level = fact_level(fact)
    where_dims = list(where) if isinstance(where, Mapping) else []
    check_dimensions([d for d in where_dims if d not in fact.columns])
    if where is not None and not isinstance(where, Mapping):
        fact = filter_where(fact, where)  # an expression sees the fact's own columns
    fact = attach(fact, list(dict.fromkeys([*by, *where_dims])), tables, cfg, level)
    if isinstance(where, Mapping):
        fact = filter_where(fact, where)
    if spec.kind == "backlog":
        return backlog_queries(fact, by, grain, tables.as_of)
    if not spec.snapshot:
        if since is not None:
            fact = fact.filter(fact.ts >= since)
        if until is not None:
            fact = fact.filter(fact.ts < until)
    keys = list(by)
    if grain is not None:
        fact = fact.mutate(period=fact.ts.truncate(GRAINS[grain]))
        keys.append("period")
    return [aggregate(spec, fact, keys, cfg)]


def fact_view(spec: KPI, tables: Tables, cfg: MetricsConfig) -> Any:
    """The KPI's fact table, compiled once per backend and settings into a temporary view.

    Cuts, filters and grains then build on a one-node table, which compiles in milliseconds
    instead of the hundreds the full fact expression takes.
    """
    backend = tables.backend
    key = (spec, repr(cfg))
    entry = cached(backend, "fact", key)
    if entry is not None:
        name, snap = entry
        if snap is None or snap == tables._as_of:
            if snap is not None:
                tables.used_as_of = True
            ensure_current(backend, name)
            return tables.table(name)
    probe = Tables(backend, cfg, tables._as_of)
    fact = spec.fact(probe, cfg)
    name = register_view(backend, compile_sql(backend, fact))
    snap = tables._as_of if probe.used_as_of else None
    tables.used_as_of = tables.used_as_of or probe.used_as_of
    remember(backend, "fact", key, (name, snap))
    return tables.table(name)


def filter_where(fact: Any, where: Where) -> Any:
    """Rows matching the filters: a mapping of column -> value (list: any of; None: missing),
    a function of the table, or an Ibis boolean expression."""
    if where is None:
        return fact
    if isinstance(where, Mapping):
        for key, value in where.items():
            col = fact[key]
            if isinstance(value, list | tuple | set | frozenset):
                fact = fact.filter(col.isin(list(value)))
            elif value is None:
                fact = fact.filter(col.isnull())
            else:
                fact = fact.filter(col == value)
        return fact
    if callable(where) and not hasattr(where, "resolve"):
        return fact.filter(where(fact))
    return fact.filter(where)  # an Ibis deferred (`ibis._.channel == "chat"`) or boolean expression


def aggregate(spec: KPI, fact: Any, keys: list[str], cfg: MetricsConfig) -> Any:
    """The sums each kind of KPI needs per cell (a median: the ranked values near the middle)."""
    kind = spec.kind
    if kind == "median":
        return median_rows(fact, keys, cfg)
    group = [*keys, "category"] if kind == "share" else keys
    if kind == "proportion":
        aggs = {"n": fact.count(), "k": fact.hit.sum()}
    elif kind == "nps":
        aggs = {"n": fact.count(), "promoters": fact.promoter.sum(), "detractors": fact.detractor.sum()}
    elif kind == "mean":
        fact = fact.filter(fact.x.notnull())
        aggs = {"n": fact.x.count(), "mean": fact.x.mean(), "sd": fact.x.std()}
    elif kind in ("count", "share"):
        aggs = {"n": fact.count()}
    else:  # pragma: no cover - guarded by KPI.__post_init__
        raise MetricsError(f"kind {kind} cannot be aggregated")
    return fact.group_by(group).agg(**aggs) if group else fact.agg(**aggs)


def median_rows(fact: Any, keys: list[str], cfg: MetricsConfig) -> Any:
    """Rank values per cell and keep only the ranks around the middle (the median and its interval's ranks)."""
    import ibis

    fact = fact.filter(fact.x.notnull())
    order = ibis.window(group_by=keys or None, order_by=fact.x)
    whole = ibis.window(group_by=keys or None)
    ranked = fact.mutate(rank=ibis.row_number().over(order) + 1, n=fact.x.count().over(whole))
    half = 0.6 * float(stats._z(cfg.confidence))
    band = (ranked.rank - (ranked.n + 1) / 2.0).abs() <= ranked.n.sqrt() * half + 3
    return ranked.filter(band).select(*keys, "rank", "n", "x")


def backlog_queries(fact: Any, by: list[str], grain: str | None, as_of: dt.datetime) -> list[Any]:
    """Backlog = tickets in minus tickets out, accumulated; one small query per direction."""
    import ibis

    snap = ibis.literal(as_of, "timestamp")
    if grain is None:
        open_now = fact.filter(fact.in_ts < snap, fact.out_ts.isnull() | (fact.out_ts >= snap))
        return [open_now.group_by(by).agg(n=open_now.count()) if by else open_now.agg(n=open_now.count())]
    unit = GRAINS[grain]
    ins = fact.filter(fact.in_ts < snap)
    ins = ins.group_by([*by, ins.in_ts.truncate(unit).name("period")]).agg(d_in=ins.count())
    outs = fact.filter(fact.out_ts.notnull() & (fact.out_ts < snap))
    outs = outs.group_by([*by, outs.out_ts.truncate(unit).name("period")]).agg(d_out=outs.count())
    return [ins, outs]
