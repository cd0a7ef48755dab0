"""The engine: KPI spec x dimensions x grain -> one backend query -> estimates with intervals.

Counts and sums per cell are computed in the backend (DuckDB, PostgreSQL or Spark through
Ibis); the small per-cell frame then gets its value, interval and flags in numpy (stats.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insightdesk.metrics import stats
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import attach, check_dimensions
from insightdesk.metrics.execute import (
    cached,
    compile_sql,
    ensure_current,
    register_view,
    remember,
    run_sql,
)
from insightdesk.metrics.registry import get_kpi
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)

GRAINS: dict[str, str] = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}
_PANDAS_FREQ = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS"}

Where = Mapping[str, Any] | Callable[[Any], Any] | Any | None


class MetricsError(ValueError):
    """A KPI request that cannot be answered as asked; the message says what to change."""


@contextmanager
def backend_for(store: Store | str | Any | None) -> Iterator[Any]:
    """An Ibis backend for a Store, a store target (path or URL), an Ibis backend, or the default store."""
    from insightdesk.store import Store, open_store

    if store is None or isinstance(store, str | bytes) or hasattr(store, "__fspath__"):
        opened = open_store(store, migrate=False, read_only=False)
        try:
            yield opened.ibis()
        finally:
            opened.close()
    elif isinstance(store, Store):
        yield store.ibis()
    else:
        yield store  # already an Ibis backend (Spark, a custom DuckDB connection...)


def _timestamp(value: Any, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else value.astimezone(dt.UTC).replace(tzinfo=None)
        )
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    except (ValueError, TypeError) as exc:
        raise MetricsError(f"{name}={value!r} is not a date or timestamp (use YYYY-MM-DD)") from exc


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
    since_ts, until_ts = _timestamp(since, "since"), _timestamp(until, "until")
    as_of = cfg.snapshot_time(until_ts)
    with backend_for(store) as backend:
        if rollups:
            from insightdesk.metrics.rollup_read import covered_cells

            covered = covered_cells(spec, backend, by, grain, since_ts, until_ts, where, cfg)
            if covered is not None:
                return finish_rollup(spec, *covered, by, grain, min_n, cfg)
        t_where, t_since, t_until, swaps = _template(backend, where, since_ts, until_ts)
        key = _cache_key(spec, by, grain, t_since, t_until, t_where, cfg)
        sqls = cached(backend, "query", (*key, as_of)) if key else None
        if sqls is None and key is not None:
            sqls = cached(backend, "query", key)  # a query that does not read the snapshot time
        if sqls is None:
            tables = Tables(backend, cfg, as_of)
            exprs = _plan(spec, tables, by, grain, t_since, t_until, t_where, cfg)
            sqls = "\x00".join(compile_sql(backend, e) for e in exprs)
            if swaps and not all(placeholder in sqls for placeholder, _ in swaps):
                # The compiler did not keep a placeholder as a plain literal: compile with the values.
                swaps, key = [], None
                exprs = _plan(spec, tables, by, grain, since_ts, until_ts, where, cfg)
                sqls = "\x00".join(compile_sql(backend, e) for e in exprs)
            if key is not None:
                remember(backend, "query", (*key, as_of) if tables.used_as_of else key, sqls)
        for placeholder, literal in swaps:
            sqls = sqls.replace(placeholder, literal)
        frames = [run_sql(backend, sql) for sql in sqls.split("\x00")]
    cells = _cells(spec, frames, by, grain, since_ts, as_of, cfg)
    result = _finish(spec, cells, by, grain, min_n, cfg)
    result.attrs.update(kpi=spec.name, unit=spec.unit, as_of=as_of if spec.snapshot else None, source="live")
    return result


def finish_rollup(
    spec: KPI,
    cells: pd.DataFrame,
    resolution: float,
    by: list[str],
    grain: str | None,
    min_n: int,
    cfg: MetricsConfig,
) -> pd.DataFrame:
    """Cells summed from the roll-up, finished exactly like live cells; binned medians say so."""
    result = _finish(spec, cells, by, grain, min_n, cfg)
    if spec.kind == "median" and resolution > 0:
        result["method"] = f"{spec.method} (values binned to {resolution:.1%})"
    result.attrs.update(kpi=spec.name, unit=spec.unit, as_of=None, source="rollup")
    return result


def check_request(spec: KPI, by: list[str], grain: str | None) -> None:
    """Refuse a cut or grain the KPI cannot take, with what to change."""
    check_dimensions(by)
    if grain is not None and grain not in GRAINS:
        raise MetricsError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
    if grain is not None and spec.snapshot:
        raise MetricsError(
            f"{spec.name} is a snapshot at one instant; drop the grain and set `until` instead"
        )
    if spec.kind == "share" and "category" in by:
        raise MetricsError(
            f"{spec.name} is a share whose rows are its categories; it cannot be cut by category"
        )


# Engines whose string literals are standard SQL ('' escapes a quote), so a value can be spliced in.
_TEMPLATE_DIALECTS = frozenset({"duckdb", "postgres"})
# Stand-ins for `since` and `until` while compiling; no real desk has tickets from these instants.
_SINCE_PLACEHOLDER = dt.datetime(1901, 2, 3, 4, 5, 6, 7)
_UNTIL_PLACEHOLDER = dt.datetime(1902, 3, 4, 5, 6, 7, 8)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _timestamp_sql(backend: Any, value: dt.datetime) -> str:
    """How the backend's compiler writes a timestamp literal (compiled once per value and backend)."""
    import ibis

    key = ("timestamp_literal", value)
    found = cached(backend, "literal", key)
    if found is None:
        sql = compile_sql(backend, ibis.literal(value, "timestamp").name("v").as_table())
        start, end = sql.index("SELECT ") + len("SELECT "), sql.rindex(" AS ")
        found = sql[start:end].strip()
        remember(backend, "literal", key, found)
    return found


def _template(
    backend: Any, where: Where, since: dt.datetime | None, until: dt.datetime | None
) -> tuple[Where, dt.datetime | None, dt.datetime | None, list[tuple[str, str]]]:
    """Filter values and dates replaced by placeholders, and the (placeholder SQL, value SQL) swaps.

    One compiled query then serves every value of the same filters and any date range: a
    dashboard user who picks another channel or week pays for running the query, not for
    building and compiling it again.
    """
    from insightdesk.metrics.execute import dialect_of

    if dialect_of(backend) not in _TEMPLATE_DIALECTS:
        return where, since, until, []
    swaps: list[tuple[str, str]] = []
    if (
        isinstance(where, Mapping)
        and where
        and all(isinstance(v, str) and "\x00" not in v for v in where.values())
    ):
        template = {name: f"__insightdesk_filter_{i}__" for i, name in enumerate(sorted(where))}
        swaps += [(_quoted(template[name]), _quoted(where[name])) for name in where]
        where = template
    for value, placeholder in ((since, _SINCE_PLACEHOLDER), (until, _UNTIL_PLACEHOLDER)):
        if value is not None:
            swaps.append((_timestamp_sql(backend, placeholder), _timestamp_sql(backend, value)))
    since = _SINCE_PLACEHOLDER if since is not None else None
    until = _UNTIL_PLACEHOLDER if until is not None else None
    return where, since, until, swaps


def _cache_key(
    spec: KPI,
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    where: Where,
    cfg: MetricsConfig,
) -> tuple[Any, ...] | None:
    if where is not None and not isinstance(where, Mapping):
        return None  # an expression filter has no reliable identity to key on
    where_key = repr(sorted((k, repr(v)) for k, v in where.items())) if where else None
    return (spec, tuple(by), grain, since, until, where_key, repr(cfg))


def _plan(
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
    fact = _fact(spec, tables, cfg)
    level = "ticket" if {"team_id", "status", "ticket_id"} <= set(fact.columns) else "other"
    where_dims = list(where) if isinstance(where, Mapping) else []
    check_dimensions([d for d in where_dims if d not in fact.columns])
    if where is not None and not isinstance(where, Mapping):
        fact = _filter_where(fact, where)  # an expression sees the fact's own columns
    fact = attach(fact, list(dict.fromkeys([*by, *where_dims])), tables, cfg, level)
    if isinstance(where, Mapping):
        fact = _filter_where(fact, where)
    if spec.kind == "backlog":
        return _backlog_queries(fact, by, grain, tables.as_of)
    if not spec.snapshot:
        if since is not None:
            fact = fact.filter(fact.ts >= since)
        if until is not None:
            fact = fact.filter(fact.ts < until)
    keys = list(by)
    if grain is not None:
        fact = fact.mutate(period=fact.ts.truncate(GRAINS[grain]))
        keys.append("period")
    return [_aggregate(spec, fact, keys, cfg)]


def _fact(spec: KPI, tables: Tables, cfg: MetricsConfig) -> Any:
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


def _cells(
    spec: KPI,
    frames: list[pd.DataFrame],
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    as_of: dt.datetime,
    cfg: MetricsConfig,
) -> pd.DataFrame:
    keys = [*by, *(["period"] if grain else [])]
    if spec.kind == "median":
        return _median_from_rows(frames[0], keys, cfg)
    if spec.kind == "backlog" and grain is not None:
        return _backlog_levels(frames[0], frames[1], by, grain, since, as_of)
    return frames[0]


def _filter_where(fact: Any, where: Where) -> Any:
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


def _aggregate(spec: KPI, fact: Any, keys: list[str], cfg: MetricsConfig) -> pd.DataFrame:
    kind = spec.kind
    if kind == "median":
        return _median_rows(fact, keys, cfg)
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


def _median_rows(fact: Any, keys: list[str], cfg: MetricsConfig) -> Any:
    """Rank values per cell and keep only the ranks around the middle (the median and its interval's ranks)."""
    import ibis

    fact = fact.filter(fact.x.notnull())
    order = ibis.window(group_by=keys or None, order_by=fact.x)
    whole = ibis.window(group_by=keys or None)
    ranked = fact.mutate(rank=ibis.row_number().over(order) + 1, n=fact.x.count().over(whole))
    half = 0.6 * float(stats._z(cfg.confidence))
    band = (ranked.rank - (ranked.n + 1) / 2.0).abs() <= ranked.n.sqrt() * half + 3
    return ranked.filter(band).select(*keys, "rank", "n", "x")


def _median_from_rows(rows: pd.DataFrame, keys: list[str], cfg: MetricsConfig) -> pd.DataFrame:
    """Median and its distribution-free order-statistic interval per cell.

    `rows` holds, per cell, the ranked values near the middle (rank, n, x); the ranks each cell
    needs are looked up at once for all cells (a per-cell loop cost more than the query).
    """
    if rows.empty and not keys:
        return pd.DataFrame({"n": [0], "median": [np.nan], "lo": [np.nan], "hi": [np.nan]})
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "n", "median", "lo", "hi"])
    rows = rows.reset_index(drop=True)
    cell_id = (
        rows.groupby(keys, dropna=False, sort=False).ngroup().to_numpy() if keys else np.zeros(len(rows))
    )
    firsts = pd.Series(np.arange(len(rows))).groupby(cell_id, sort=False).first()
    cells = rows.loc[firsts.to_numpy(), [*keys, "n"]].reset_index(drop=True)
    n = cells["n"].to_numpy(dtype=np.int64)
    lows, highs = stats.median_ranks(n, cfg.confidence)
    value = pd.Series(
        rows["x"].astype(float).to_numpy(),
        index=pd.MultiIndex.from_arrays([cell_id.astype(np.int64), rows["rank"].astype(np.int64).to_numpy()]),
    )
    value = value[~value.index.duplicated()]
    ids = firsts.index.to_numpy(dtype=np.int64)

    def at(ranks: np.ndarray) -> np.ndarray:
        return value.reindex(pd.MultiIndex.from_arrays([ids, ranks.astype(np.int64)])).to_numpy()

    cells["median"] = (at((n + 1) // 2) + at((n + 2) // 2)) / 2
    cells["lo"] = np.where(lows >= 1, at(lows), np.nan)
    cells["hi"] = np.where(highs <= n, at(highs), np.nan)
    cells["n"] = n
    return cells


def _truncate_py(ts: pd.Timestamp, grain: str) -> pd.Timestamp:
    ts = pd.Timestamp(ts).normalize()
    if grain == "week":
        return ts - pd.Timedelta(days=ts.weekday())
    if grain == "month":
        return ts.replace(day=1)
    if grain == "quarter":
        return ts.replace(day=1, month=3 * ((ts.month - 1) // 3) + 1)
    return ts


def _backlog_queries(fact: Any, by: list[str], grain: str | None, as_of: dt.datetime) -> list[Any]:
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


def _backlog_levels(
    a: pd.DataFrame, b: pd.DataFrame, by: list[str], grain: str, since: dt.datetime | None, as_of: dt.datetime
) -> pd.DataFrame:
    for frame in (a, b):
        frame["period"] = pd.to_datetime(frame["period"])
    flows = pd.merge(a, b, on=[*by, "period"], how="outer").fillna({"d_in": 0, "d_out": 0})
    if flows.empty:
        return pd.DataFrame(columns=[*by, "period", "n"])
    # `as_of` is exclusive (it is `until` when given): the last period holds the instant just before it.
    last = _truncate_py(pd.Timestamp(as_of) - pd.Timedelta(microseconds=1), grain)
    periods = pd.date_range(flows["period"].min(), last, freq=_PANDAS_FREQ[grain])
    frames = []
    cells = flows.groupby(by, dropna=False, sort=False) if by else [((), flows)]
    for key, cell in cells:
        series = cell.groupby("period")[["d_in", "d_out"]].sum().reindex(periods, fill_value=0)
        level = (series["d_in"].astype(float) - series["d_out"].astype(float)).cumsum()
        frame = pd.DataFrame({"period": periods, "n": level.to_numpy()})
        for name, value in zip(by, key if isinstance(key, tuple) else (key,), strict=True):
            frame[name] = value
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if since is not None:
        out = out[out["period"] >= _truncate_py(pd.Timestamp(since), grain)]
    return out


def _finish(
    spec: KPI, cells: pd.DataFrame, by: list[str], grain: str | None, min_n: int, cfg: MetricsConfig
) -> pd.DataFrame:
    conf = cfg.confidence
    df = cells.reset_index(drop=True)
    size = len(df)
    n = df["n"].to_numpy(dtype=float) if size else np.array([], dtype=float)
    nan = np.full(size, np.nan)
    num, den = nan, nan
    extras: dict[str, Any] = {}
    if spec.kind == "proportion":
        k = df["k"].to_numpy(dtype=float)
        value = k / np.where(n > 0, n, np.nan)
        low, high = stats.wilson(k, n, conf)
        num, den = k, n
    elif spec.kind == "share":
        keys = [*by, *(["period"] if grain else [])]
        totals = df.groupby(keys, dropna=False)["n"].transform("sum") if keys else df["n"].sum()
        k = df["n"].to_numpy(dtype=float)
        n = np.asarray(totals, dtype=float) * np.ones(size)
        value = k / n
        low, high = stats.wilson(k, n, conf)
        num, den = k, n
    elif spec.kind == "nps":
        p, d = df["promoters"].to_numpy(dtype=float), df["detractors"].to_numpy(dtype=float)
        value = (p - d) / np.where(n > 0, n, np.nan)
        low, high = stats.nps_interval(p, d, n, conf)
        extras = {"promoters": p, "detractors": d}
    elif spec.kind == "mean":
        value = df["mean"].to_numpy(dtype=float)
        sd = df["sd"].to_numpy(dtype=float)
        low, high = stats.t_interval(value, sd, n, conf)
        extras = {"sd": sd}
    elif spec.kind == "median":
        value = df["median"].to_numpy(dtype=float)
        low, high = df["lo"].to_numpy(dtype=float), df["hi"].to_numpy(dtype=float)
    elif spec.kind == "count":
        value = n.copy()
        low, high = stats.poisson_interval(n, conf)
        num = n
    else:  # backlog: a census, no sampling error
        value = n.copy()
        low, high = n.copy(), n.copy()
        num = n
    s = spec.scale
    # One frame built from whole columns: assigning column by column costs more than the statistics.
    data: dict[str, Any] = {}
    for col in by:
        values = df[col]
        if pd.api.types.is_datetime64_any_dtype(values) or any(isinstance(v, dt.date) for v in values):
            values = pd.to_datetime(values).astype("datetime64[ns]")
        data[col] = values.astype(object).where(values.notna(), None)
    if grain:
        data["period"] = pd.to_datetime(df["period"]).dt.tz_localize(None).astype("datetime64[ns]")
    if spec.kind == "share":
        data["category"] = df["category"]
    counts = n.astype("int64")
    data.update(
        value=value * s,
        ci_low=np.asarray(low, dtype=float) * s,
        ci_high=np.asarray(high, dtype=float) * s,
        n=counts,
        numerator=num,
        denominator=den,
        low_n=counts < min_n,
        method=np.full(size, spec.method, dtype=object),
        **extras,
    )
    out = pd.DataFrame(data, index=pd.RangeIndex(size))
    sort = [*by, *(["period"] if grain else []), *(["category"] if spec.kind == "share" else [])]
    if sort and size:
        out = out.sort_values(sort, na_position="last", kind="mergesort").reset_index(drop=True)
    return out
