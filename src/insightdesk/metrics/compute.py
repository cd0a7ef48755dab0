"""The engine: KPI spec x dimensions x grain -> one backend query -> estimates with intervals.

A request is checked (request.py), answered from the daily roll-ups when they cover it
(rollup_read.py), else planned as backend queries (plan.py) compiled once per shape of request
(templates.py), run, reduced to one row per cell (cells.py) and finished into values, intervals
and flags (estimates.py, with the statistics in stats.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.metrics.cells import cells as cells_of
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.estimates import finish, finish_rollup
from insightdesk.metrics.execute import cached, compile_sql, remember, run_sql
from insightdesk.metrics.grains import GRAINS
from insightdesk.metrics.persons import person_attrs
from insightdesk.metrics.plan import plan
from insightdesk.metrics.registry import get_kpi
from insightdesk.metrics.request import MetricsError, Where, backend_for, check_request, to_timestamp
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables
from insightdesk.metrics.templates import cache_key, template

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)

__all__ = [
    "GRAINS",
    "MetricsError",
    "Where",
    "backend_for",
    "check_request",
    "compute",
    "finish_rollup",
]


def compute(
    kpi: str | KPI,
    *,
    store: Store | str | Any | None = None,
    by: Sequence[str] = (),
    grain: str | None = None,
    since: Any = None,
    until: Any = None,
    where: Where = None,
    min_n: int = 30,
    config: MetricsConfig | None = None,
    rollups: bool = True,
) -> pd.DataFrame:
    """One KPI per cell of `by` x `grain`, with n, a confidence interval and a low-n flag.

    Returns a pandas DataFrame: the `by` columns, `period` (period start, when `grain`),
    `category` (share KPIs), `value`, `ci_low`, `ci_high`, `n`, `numerator`, `denominator`,
    `low_n`, `method`, plus `promoters`/`detractors` (NPS) or `sd` (means). `since` is
    inclusive, `until` exclusive; snapshot KPIs are taken at `until` (else now).

    With `rollups` (the default) a request the store's current daily roll-ups cover is answered
    from them (metrics/rollup.py): the same values, up to float rounding, and medians within the
    roll-up's bin width when it has one (the `method` then says so). `attrs["source"]` says which.
    """
    spec = kpi if isinstance(kpi, KPI) else get_kpi(kpi)
    cfg = config or MetricsConfig()
    by = list(dict.fromkeys(by))
    check_request(spec, by, grain)
    since_ts, until_ts = to_timestamp(since, "since"), to_timestamp(until, "until")
    as_of = cfg.snapshot_time(until_ts)
    with backend_for(store) as backend:
        if rollups:
            from insightdesk.metrics.rollup_read import covered_cells

            covered = covered_cells(spec, backend, by, grain, since_ts, until_ts, where, cfg)
            if covered is not None:
                done = finish_rollup(spec, *covered, by, grain, min_n, cfg)
                done.attrs.update(person_attrs(spec, backend))
                return done
        t_where, t_since, t_until, swaps = template(backend, where, since_ts, until_ts)
        key = cache_key(spec, by, grain, t_since, t_until, t_where, cfg)
        sqls = cached(backend, "query", (*key, as_of)) if key else None
        if sqls is None and key is not None:
            sqls = cached(backend, "query", key)  # a query that does not read the snapshot time
        if sqls is None:
            tables = Tables(backend, cfg, as_of)
            exprs = plan(spec, tables, by, grain, t_since, t_until, t_where, cfg)
            sqls = "\x00".join(compile_sql(backend, e) for e in exprs)
            if swaps and not all(placeholder in sqls for placeholder, _ in swaps):
                # The compiler did not keep a placeholder as a plain literal: compile with the values.
                swaps, key = [], None
                exprs = plan(spec, tables, by, grain, since_ts, until_ts, where, cfg)
                sqls = "\x00".join(compile_sql(backend, e) for e in exprs)
            if key is not None:
                remember(backend, "query", (*key, as_of) if tables.used_as_of else key, sqls)
        for placeholder, literal in swaps:
            sqls = sqls.replace(placeholder, literal)
        frames = [run_sql(backend, sql) for sql in sqls.split("\x00")]
        persons = person_attrs(spec, backend)
    result = finish(spec, cells_of(spec, frames, by, grain, since_ts, as_of, cfg), by, grain, min_n, cfg)
    result.attrs.update(kpi=spec.name, unit=spec.unit, as_of=as_of if spec.snapshot else None, source="live")
    result.attrs.update(persons)
    return result
