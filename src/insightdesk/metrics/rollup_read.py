"""Answering a KPI request from the daily roll-ups (metrics/rollup.py) when they cover it.

The request is covered when the KPI has a current roll-up, its cut and filters are all kept by
one of the roll-up's dimension sets, and `since` / `until` fall on whole days (UTC). The cells
then come back in the same shape the live path gives `_finish`, so values, intervals, flags and
tests are computed by the same code whichever way the sums were found.

The query reads one table whatever the KPI, so it is compiled once per shape of request (cut,
grain, which filters, which date bounds) and re-run for every KPI, filter value and date.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from insightdesk.metrics import stats
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.execute import cached, compile_sql, dialect_of, remember, run_sql
from insightdesk.metrics.grains import GRAINS
from insightdesk.metrics.plan import filter_where
from insightdesk.metrics.rollup_state import (
    BUILDS_TABLE,
    ROLLUP_ENGINES,
    ROLLUP_TABLE,
    STATE_KEY,
    definition_fingerprint,
    dimset_key,
    source_fingerprint,
)
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.templates import quoted, template
from insightdesk.store.tables.rollups import ROLLUP_DIMS

log = logging.getLogger(__name__)

FRESHNESS_TTL_S = 1.0
_KPIS_PLACEHOLDER = "__insightdesk_kpis__"
_ANY_MARK = "__insightdesk_"
_ANY = "__insightdesk_any__"  # spliced in for a dimension the request does not filter on


@dataclass(frozen=True)
class Build:
    definition: str
    dimsets: tuple[tuple[str, ...], ...]
    resolution: float


def covered_cells(
    spec: KPI,
    backend: Any,
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    where: Any,
    cfg: MetricsConfig,
) -> tuple[pd.DataFrame, float] | None:
    """(cells, median bin resolution) from the roll-up, or None when it does not cover the request."""
    return covered_many([spec], backend, by, grain, since, until, where, cfg).get(spec.name)


def covered_many(
    specs: Sequence[KPI],
    backend: Any,
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    where: Any,
    cfg: MetricsConfig,
) -> dict[str, tuple[pd.DataFrame, float]]:
    """Per KPI the roll-up covers: (cells, median bin resolution); one query per dimension set.

    A dashboard's tiles or an overview of every KPI then read the roll-up table once, not once
    per KPI.
    """
    if dialect_of(backend) not in ROLLUP_ENGINES:
        return {}
    if not _plain_where(where) or not all(_whole_day(v) for v in (since, until)):
        return {}
    needed = {*by, *(where or {})}
    if not needed <= set(ROLLUP_DIMS):
        return {}
    builds = _builds(backend)
    if not builds:
        return {}
    groups: dict[str, list[tuple[KPI, Build]]] = {}
    for spec in specs:
        build = builds.get(spec.name)
        if spec.snapshot or build is None or build.definition != definition_fingerprint(spec, cfg):
            continue
        fitting = [s for s in build.dimsets if needed <= set(s)]
        if fitting:
            smallest: tuple[str, ...] = min(fitting, key=len)
            groups.setdefault(dimset_key(smallest), []).append((spec, build))
    keys = [*by, *(["period"] if grain else [])]
    out: dict[str, tuple[pd.DataFrame, float]] = {}
    for dimset, members in groups.items():
        names = sorted(spec.name for spec, _ in members)
        rows = _query(backend, names, dimset, by, grain, since, until, where or {})
        parts = dict(tuple(rows.groupby("kpi", sort=False))) if len(rows) else {}
        for spec, build in members:
            part = parts.get(spec.name, rows.iloc[0:0])
            out[spec.name] = (_cells(spec, part.drop(columns="kpi"), keys, cfg), build.resolution)
    return out


def _plain_where(where: Any) -> bool:
    if where is None:
        return True
    if not isinstance(where, Mapping):
        return False  # an expression filter may read fact columns the roll-up does not keep
    for value in where.values():
        if isinstance(value, list | tuple | set | frozenset):
            if not all(isinstance(v, str) for v in value):
                return False
        elif value is not None and not isinstance(value, str):
            return False
    return True


def _optional_filters(where: Mapping[str, Any]) -> bool:
    """Whether the filters can be spliced into the every-dimension template (single string values)."""
    return all(isinstance(v, str) and _ANY_MARK not in v for v in where.values())


def _whole_day(value: dt.datetime | None) -> bool:
    return value is None or value == dt.datetime.combine(value.date(), dt.time())


def _builds(backend: Any) -> dict[str, Build] | None:
    """Current roll-up builds, re-read when the source data or the builds change.

    The check (one query) runs at most every FRESHNESS_TTL_S, and at once after this process's
    store reports a change (`Store.changed()`, called by ingestion): a change made by another
    process is seen within that second.
    """
    state = backend.__dict__.setdefault(STATE_KEY, {})
    if state.get("missing"):
        return None
    generation = backend.__dict__.get("_insightdesk_generation", 0)
    now = time.monotonic()
    if state.get("generation") == generation and now - state.get("checked", -math.inf) < FRESHNESS_TTL_S:
        return state.get("builds")
    try:
        version = source_fingerprint(backend)
        marker = run_sql(backend, f"SELECT count(*) AS n, max(built_at) AS last FROM {BUILDS_TABLE}").iloc[0]
    except Exception:  # a store without the roll-up tables (not migrated): compute live
        log.debug("no roll-up tables on this store; computing live", exc_info=True)
        _recover(backend)
        state["missing"] = True
        return None
    key = (version, int(marker["n"]), str(marker["last"]))
    if state.get("key") != key:
        frame = run_sql(
            backend, f"SELECT kpi, definition, dimsets, median_resolution, source_version FROM {BUILDS_TABLE}"
        )
        state["builds"] = {
            r["kpi"]: Build(
                r["definition"],
                tuple(tuple(s) for s in json.loads(r["dimsets"])),
                float(r["median_resolution"] or 0.0),
            )
            for r in frame.to_dict("records")
            if r["source_version"] == version
        }
        state["key"] = key
    state["generation"], state["checked"] = generation, now
    return state["builds"]


def _recover(backend: Any) -> None:
    # A failed statement aborts PostgreSQL's open transaction: roll it back so later queries run.
    con = getattr(backend, "con", None)
    rollback = getattr(con, "rollback", None)
    if dialect_of(backend) == "postgres" and callable(rollback):
        rollback()


def _query(
    backend: Any,
    kpis: list[str],
    dimset: str,
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    where: Mapping[str, Any],
) -> pd.DataFrame:
    """Summed roll-up rows per KPI and cell; compiled once per shape, whatever the KPIs.

    The KPI list is a placeholder too (`kpi IN ('...')` with one element, spliced with the real
    list), and so is every dimension filter, present or not (`dim = value OR value = ANY`, with
    ANY spliced in for a dimension not filtered, which the engine folds away): the query is compiled
    once per cut, grain and kind of date range, and any KPIs, filter combination and dates reuse it.
    """
    optional = _optional_filters(where)
    filters = {"dimset": dimset, **({d: where.get(d, _ANY) for d in ROLLUP_DIMS} if optional else where)}
    templated, t_since, t_until, swaps = template(backend, filters, since, until)
    t_where = cast(Mapping[str, Any], templated)  # a mapping in gives a mapping out
    if not swaps:
        optional = False
    t_kpis = kpis
    if swaps:
        t_kpis = [_KPIS_PLACEHOLDER]
        kpi_list = ", ".join(quoted(k) for k in kpis)
        swaps = [(f"IN ({quoted(_KPIS_PLACEHOLDER)})", f"IN ({kpi_list})"), *swaps]
    shape: tuple[Any, ...] | None = (
        "rollup",
        tuple(t_kpis),
        tuple(by),
        grain,
        t_since,
        t_until,
        repr(sorted((k, repr(v)) for k, v in t_where.items())),
    )
    sql = cached(backend, "query", shape)
    if sql is None:
        sql = compile_sql(
            backend, _expression(backend, t_kpis, by, grain, t_since, t_until, t_where, optional=optional)
        )
        if swaps and not all(placeholder in sql for placeholder, _ in swaps):
            # The compiler did not keep a placeholder as a plain literal: compile with the values.
            swaps, shape = [], None
            filters = {"dimset": dimset, **where}
            sql = compile_sql(backend, _expression(backend, kpis, by, grain, since, until, filters))
        remember(backend, "query", shape, sql)
    for placeholder, literal in swaps:
        sql = sql.replace(placeholder, literal)
    frame = run_sql(backend, sql)
    for col in ("n", "s1", "s2", "x"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


def _expression(
    backend: Any,
    kpis: list[str],
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    filters: Mapping[str, Any],
    *,
    optional: bool = False,
) -> Any:
    """The roll-up read; with `optional`, each dimension filter holds also when its value is ANY."""
    import ibis

    table = backend.table(ROLLUP_TABLE)
    table = table.filter(table.kpi.isin(kpis))
    if optional:
        for key, value in filters.items():
            condition = table[key] == value
            if key in ROLLUP_DIMS:
                condition = condition | (ibis.literal(value) == _ANY)
            table = table.filter(condition)
    else:
        table = filter_where(table, filters)
    if since is not None:
        table = table.filter(table.day >= since)
    if until is not None:
        table = table.filter(table.day < until)
    keys = ["kpi", *by]
    if grain is not None:
        table = table.mutate(period=table.day.truncate(GRAINS[grain]))
        keys.append("period")
    return table.group_by([*keys, "share_category", "x"]).agg(
        n=table.n.sum(), s1=table.s1.sum(), s2=table.s2.sum()
    )


def _cells(spec: KPI, rows: pd.DataFrame, keys: list[str], cfg: MetricsConfig) -> pd.DataFrame:
    """The roll-up sums in the shape the live aggregation returns for this kind of KPI."""
    kind = spec.kind
    if kind == "median":
        return _median_cells(rows, keys, cfg)
    if kind == "share":
        out = rows.rename(columns={"share_category": "category"})[[*keys, "category", "n"]]
        return out.reset_index(drop=True)
    if rows.empty and not keys:
        rows = pd.DataFrame({"n": [0.0], "s1": [np.nan], "s2": [np.nan]})
    n, s1, s2 = rows["n"].to_numpy(float), rows["s1"].to_numpy(float), rows["s2"].to_numpy(float)
    columns: dict[str, Any] = {key: rows[key].to_numpy() for key in keys}
    columns["n"] = n
    if kind == "proportion":
        columns["k"] = s1
    elif kind == "nps":
        columns["promoters"], columns["detractors"] = s1, s2
    elif kind == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s1 / np.where(n > 0, n, np.nan)
            var = (s2 - s1 * mean) / np.where(n > 1, n - 1, np.nan)
        columns["mean"], columns["sd"] = mean, np.sqrt(np.clip(var, 0, None))
    return pd.DataFrame(columns, index=pd.RangeIndex(len(n)))


def _median_cells(rows: pd.DataFrame, keys: list[str], cfg: MetricsConfig) -> pd.DataFrame:
    """Median and its order-statistic interval per cell from counts per value (or value bin)."""
    if rows.empty:
        if keys:
            return pd.DataFrame(columns=[*keys, "n", "median", "lo", "hi"])
        return pd.DataFrame({"n": [0], "median": [np.nan], "lo": [np.nan], "hi": [np.nan]})
    rows = rows.sort_values([*keys, "x"], kind="mergesort", na_position="last").reset_index(drop=True)
    cell = (
        rows.groupby(keys, dropna=False, sort=False).ngroup().to_numpy() if keys else np.zeros(len(rows), int)
    )
    counts = rows["n"].to_numpy(float)
    cum = pd.Series(counts).groupby(cell, sort=False).cumsum().to_numpy()
    starts = np.r_[0, np.flatnonzero(np.diff(cell)) + 1]
    ends = np.r_[starts[1:], len(rows)]
    n = np.add.reduceat(counts, starts).astype(np.int64)
    lows, highs = stats.median_ranks(n, cfg.confidence)
    x = rows["x"].to_numpy(float)
    offset = np.r_[0.0, np.cumsum(n)[:-1]]
    running = cum + offset[cell]  # cumulative count over all cells, so one searchsorted serves all

    def at(ranks: np.ndarray) -> np.ndarray:
        ranks = np.asarray(ranks, dtype=float)
        valid = (ranks >= 1) & (ranks <= n)
        pos = np.searchsorted(running, offset + np.clip(ranks, 1, np.maximum(n, 1)), side="left")
        pos = np.minimum(np.maximum(pos, starts), ends - 1)
        return np.where(valid, x[pos], np.nan)

    out = rows.loc[starts, keys].reset_index(drop=True) if keys else pd.DataFrame(index=range(1))
    out["n"] = n
    out["median"] = (at((n + 1) // 2) + at((n + 2) // 2)) / 2
    out["lo"] = at(lows)
    out["hi"] = at(highs)
    return out
