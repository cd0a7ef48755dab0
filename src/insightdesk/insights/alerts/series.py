"""KPI and theme series for the anomaly scan, every segment of a KPI in one backend query.

Each KPI is measured on the metrics engine's own fact view (so the scan measures exactly what
`insightdesk.metrics.compute` does), with every scan dimension attached once, and aggregated
with GROUPING SETS: one pass over the fact returns the desk-wide series and the series of every
segment of every dimension. KPIs sharing a fact (the mean and median of one duration) share the
query. Themes are weekly (or daily...) counts of analysed texts per theme.

The result is the long `cells` frame `anomalies.detect` takes, limited to complete periods:
a partial first or last period would read as a drop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insightdesk.insights.alerts.anomalies import DEFAULT_WINDOW, FREQ, SEASON, STEP
from insightdesk.metrics.compute import GRAINS, MetricsError, _fact, _timestamp, backend_for
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import attach, check_dimensions
from insightdesk.metrics.execute import cached, compile_sql, dialect_of, remember, run_sql
from insightdesk.metrics.grains import period_start as truncate  # start of the period holding a time
from insightdesk.metrics.registry import get_kpi, list_kpis
from insightdesk.metrics.spec import KPI

if TYPE_CHECKING:
    from insightdesk.store import Store

SCANNED_KINDS = ("proportion", "nps", "mean", "median", "count")
"""KPI kinds the scan tests. Shares (one row per category) and the backlog level are left out."""
DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "channel",
    "team",
    "priority",
    "category",
    "subcategory",
    "product",
    "region",
    "customer_tier",
)
MISSING = "(missing)"
CELL_COLUMNS = ["series", "segment", "period", "kind", "value", "k", "n", "se", "kpi", "unit"]


def scannable_kpis() -> list[str]:
    """Registered KPIs the anomaly scan can test (time-dated; proportion, NPS, mean, median or count)."""
    return [k.name for k in list_kpis() if k.kind in SCANNED_KINDS and not k.snapshot]


def _history_start(since: dt.datetime | None, grain: str, window: int) -> dt.datetime | None:
    """Start of the data a scan from `since` needs: its baseline periods before it."""
    if since is None:
        return None
    start = truncate(pd.Timestamp(since), grain)
    return (start - STEP[grain] * (window * SEASON[grain] + 1)).to_pydatetime()


def complete_periods(
    periods: pd.Series, grain: str, first_ts: Any, last_ts: Any, until: dt.datetime | None
) -> np.ndarray:
    """True where a period lies wholly inside the data: from the day of the first record to the end
    of the day of the last one, and before `until`."""
    starts = pd.to_datetime(periods)
    if pd.isna(first_ts) or pd.isna(last_ts):
        return np.zeros(len(starts), dtype=bool)
    lo = pd.Timestamp(first_ts).normalize()
    hi = pd.Timestamp(last_ts).normalize() + pd.Timedelta(days=1)
    if until is not None:
        hi = min(hi, pd.Timestamp(until))
    ends = starts + STEP[grain]
    return ((starts >= lo) & (ends <= hi)).to_numpy()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quartiles(dialect: str) -> str:
    # One ordered aggregate returning the three quartiles: half the time of three separate ones.
    if dialect == "duckdb":
        return "QUANTILE_CONT(x, [0.25, 0.5, 0.75]) AS quartiles"
    if dialect == "postgres":
        return "PERCENTILE_CONT(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY x) AS quartiles"
    raise MetricsError(f"the anomaly scan runs on DuckDB or PostgreSQL, not {dialect}")


def _aggregates(kinds: set[str], dialect: str) -> list[str]:
    aggs = ["MIN(ts) AS ts_min", "MAX(ts) AS ts_max", "COUNT(*) AS n_rows"]
    if "proportion" in kinds:
        aggs.append("SUM(hit) AS k")
    if "nps" in kinds:
        aggs += ["SUM(promoter) AS promoters", "SUM(detractor) AS detractors"]
    if kinds & {"mean", "median"}:
        aggs += ["COUNT(x) AS nx", "AVG(x) AS mean_x", "STDDEV_SAMP(x) AS sd_x"]
    if "median" in kinds:
        aggs.append(_quartiles(dialect))
    return aggs


def _grouped_sql(
    backend: Any,
    specs: list[KPI],
    by: list[str],
    grain: str,
    lo: dt.datetime | None,
    hi: dt.datetime | None,
    cfg: MetricsConfig,
) -> str:
    """One GROUPING SETS query over the shared fact of `specs`: the whole desk and each dimension."""
    from insightdesk.metrics.tables import Tables

    dialect = dialect_of(backend)
    kinds = {s.kind for s in specs}
    key = ("alerts-series", tuple(s.name for s in specs), tuple(by), grain, lo, hi, repr(cfg))
    sql = cached(backend, "query", key)
    if sql is not None:
        return str(sql)
    tables = Tables(backend, cfg, cfg.snapshot_time(hi))
    fact = _fact(specs[0], tables, cfg)
    level = "ticket" if {"team_id", "status", "ticket_id"} <= set(fact.columns) else "other"
    fact = attach(fact, by, tables, cfg, level)
    fact = fact.filter(fact.ts.notnull())
    if lo is not None:
        fact = fact.filter(fact.ts >= lo)
    if hi is not None:
        fact = fact.filter(fact.ts < hi)
    fact = fact.mutate(period=fact.ts.truncate(GRAINS[grain]))
    measures = [c for c in ("hit", "promoter", "detractor", "x") if c in fact.columns]
    inner = compile_sql(backend, fact.select("period", "ts", *measures, *by))
    dim_case = " ".join(f"WHEN GROUPING({_q(d)}) = 0 THEN '{d}'" for d in by)
    value_case = " ".join(f"WHEN GROUPING({_q(d)}) = 0 THEN CAST({_q(d)} AS VARCHAR)" for d in by)
    select = [
        f"CASE {dim_case} END AS dim" if by else "CAST(NULL AS VARCHAR) AS dim",
        f"CASE {value_case} END AS dim_value" if by else "CAST(NULL AS VARCHAR) AS dim_value",
        "period",
        *_aggregates(kinds, dialect),
    ]
    sets = ", ".join(["(period)", *(f"({_q(d)}, period)" for d in by)])
    sql = f"SELECT {', '.join(select)} FROM ({inner}) AS f GROUP BY GROUPING SETS ({sets})"
    remember(backend, "query", key, sql)
    return sql


def _three(v: Any) -> list[float]:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return [np.nan] * 3
    return [np.nan if x is None else float(x) for x in v]


def _kpi_cells(spec: KPI, raw: pd.DataFrame) -> pd.DataFrame:
    """The cells of one KPI from its group's aggregate frame, in `detect`'s terms."""
    out = pd.DataFrame({"period": raw["period"], "segment": raw["segment"]})
    scale = spec.scale
    n_rows = raw["n_rows"].to_numpy(dtype=float)
    nan = np.full(len(raw), np.nan)
    if spec.kind == "count":
        out["kind"], out["value"], out["k"], out["n"], out["se"] = "count", n_rows, nan, n_rows, nan
    elif spec.kind == "proportion":
        k = raw["k"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["value"] = k / n_rows
        out["kind"], out["k"], out["n"], out["se"] = "proportion", k, n_rows, nan
    elif spec.kind == "nps":
        p = raw["promoters"].to_numpy(dtype=float) / n_rows
        d = raw["detractors"].to_numpy(dtype=float) / n_rows
        # Trinomial variance of promoters minus detractors (the metrics engine's NPS interval).
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(np.fmax(p + d - (p - d) ** 2, 0) / n_rows)
        out["kind"], out["value"], out["k"], out["n"], out["se"] = (
            "estimate",
            (p - d) * scale,
            nan,
            n_rows,
            se * scale,
        )
    else:
        nx = raw["nx"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            if spec.kind == "mean":
                value = raw["mean_x"].to_numpy(dtype=float)
                se = raw["sd_x"].to_numpy(dtype=float) / np.sqrt(nx)
            else:
                q = np.array([_three(v) for v in raw["quartiles"]], dtype=float).reshape(-1, 3)
                value = q[:, 1]
                # Asymptotic standard error of a median, 1.2533 sigma / sqrt(n), sigma from the IQR.
                se = 1.2533 * ((q[:, 2] - q[:, 0]) / 1.349) / np.sqrt(nx)
        out["kind"], out["value"], out["k"], out["n"], out["se"] = (
            "estimate",
            value * scale,
            nan,
            nx,
            se * scale,
        )
        out = out[nx > 0]
    out["series"] = f"kpi:{spec.name}"
    out["kpi"] = spec.name
    out["unit"] = spec.unit
    return out


def _zero_fill(cells: pd.DataFrame, last: pd.Timestamp, grain: str) -> pd.DataFrame:
    """Counts: explicit zeros from each series' first period to `last`, so a segment that went
    silent reads as a drop (the backend returns no row for an empty cell)."""
    if cells.empty:
        return cells
    periods = pd.date_range(cells["period"].min(), last, freq=FREQ[grain])
    wide = cells.pivot_table(index=["series", "segment"], columns="period", values="value", aggfunc="sum")
    wide = wide.reindex(columns=periods)
    started = wide.notna().cumsum(axis=1) > 0
    long = wide.fillna(0.0).where(started).stack().rename("value").reset_index()
    long.columns = ["series", "segment", "period", "value"]
    meta = cells.drop_duplicates("series").set_index("series")[["kpi", "unit"]]
    long = long.join(meta, on="series")
    long["kind"], long["n"], long["k"], long["se"] = "count", long["value"], np.nan, np.nan
    return long[CELL_COLUMNS]


def data_end(store: Store) -> dt.datetime | None:
    """End of the desk's data: the day after its latest ticket was created (None when empty).

    Periods after it are incomplete whatever a KPI's own dates say (a generated or extracted desk
    can hold resolutions and answers later than its last new ticket, thinning out)."""
    latest = store.scalar("SELECT MAX(created_at) FROM tickets")
    if latest is None:
        return None
    return pd.Timestamp(latest).normalize().to_pydatetime() + dt.timedelta(days=1)


def kpi_cells(
    store: Store | str | Any | None,
    kpis: Sequence[str] | None = None,
    *,
    by: Sequence[str] = DEFAULT_DIMENSIONS,
    grain: str = "week",
    since: Any = None,
    until: Any = None,
    window: int | None = None,
    config: MetricsConfig | None = None,
) -> pd.DataFrame:
    """Every KPI x segment x complete period, ready for `anomalies.detect` (CELL_COLUMNS).

    `since` bounds the periods to test; the data read starts `window` comparable periods earlier
    so their baseline is there. Segments are `all` (the whole desk) and `dimension=value`.
    """
    if grain not in GRAINS:
        raise MetricsError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
    by = list(dict.fromkeys(by))
    check_dimensions(by)
    cfg = config or MetricsConfig()
    specs = [get_kpi(k) for k in (kpis if kpis is not None else scannable_kpis())]
    for spec in specs:
        if spec.kind not in SCANNED_KINDS or spec.snapshot:
            raise MetricsError(
                f"{spec.name} ({spec.kind}{', snapshot' if spec.snapshot else ''}) cannot be scanned for "
                f"anomalies; scannable KPIs: {', '.join(scannable_kpis())}"
            )
    since_ts, until_ts = _timestamp(since, "since"), _timestamp(until, "until")
    lo = _history_start(since_ts, grain, window or DEFAULT_WINDOW[grain])
    groups: dict[Any, list[KPI]] = {}
    for spec in specs:
        groups.setdefault(spec.fact, []).append(spec)  # one query per fact, not per KPI
    frames = []
    with backend_for(store) as backend:
        for members in groups.values():
            raw = run_sql(backend, _grouped_sql(backend, members, by, grain, lo, until_ts, cfg))
            if raw.empty:
                continue
            raw["period"] = pd.to_datetime(raw["period"]).dt.tz_localize(None).astype("datetime64[ns]")
            whole = raw["dim"].isna()
            keep = complete_periods(
                raw["period"], grain, raw.loc[whole, "ts_min"].min(), raw.loc[whole, "ts_max"].max(), until_ts
            )
            raw = raw[keep].copy()
            raw["segment"] = np.where(
                raw["dim"].isna(),
                "all",
                raw["dim"].astype(str) + "=" + raw["dim_value"].fillna(MISSING).astype(str),
            )
            last = raw["period"].max()
            for spec in members:
                cells = _kpi_cells(spec, raw)
                frames.append(_zero_fill(cells, last, grain) if spec.kind == "count" else cells)
    if not frames:
        return pd.DataFrame(columns=CELL_COLUMNS)
    return pd.concat(frames, ignore_index=True)[CELL_COLUMNS]


def theme_cells(
    store: Store,
    *,
    grain: str = "week",
    since: Any = None,
    until: Any = None,
    window: int | None = None,
) -> pd.DataFrame:
    """Texts per theme and period (series `theme:<theme_id>`), from the stored text analyses.

    Dated by when the text was written (`text_analyses.occurred_at`); every entity counts (ticket
    descriptions, messages, survey comments). Empty when no text has been analysed.
    """
    if grain not in GRAINS:
        raise MetricsError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
    backend = store.ibis()
    if "text_analyses" not in backend.list_tables():
        return pd.DataFrame(columns=CELL_COLUMNS)
    since_ts, until_ts = _timestamp(since, "since"), _timestamp(until, "until")
    lo = _history_start(since_ts, grain, window or DEFAULT_WINDOW[grain])
    a = backend.table("text_analyses")
    a = a.filter(a.occurred_at.notnull())
    if lo is not None:
        a = a.filter(a.occurred_at >= lo)
    if until_ts is not None:
        a = a.filter(a.occurred_at < until_ts)
    extent = a.agg(ts_min=a.occurred_at.min(), ts_max=a.occurred_at.max()).execute()
    themed = a.filter(a.theme_id.notnull())
    counts = (
        themed.group_by(theme_id=themed.theme_id, period=themed.occurred_at.truncate(GRAINS[grain]))
        .agg(value=themed.count())
        .execute()
    )
    if counts.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    counts["period"] = pd.to_datetime(counts["period"]).dt.tz_localize(None).astype("datetime64[ns]")
    keep = complete_periods(
        counts["period"], grain, extent["ts_min"].iloc[0], extent["ts_max"].iloc[0], until_ts
    )
    counts = counts[keep]
    if counts.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    value = counts["value"].to_numpy(dtype=float)
    cells = pd.DataFrame(
        {
            "series": "theme:" + counts["theme_id"].astype(str),
            "segment": "all",
            "period": counts["period"].to_numpy(),
            "kind": "count",
            "value": value,
            "k": np.nan,
            "n": value,
            "se": np.nan,
            "kpi": None,
            "unit": "texts",
        }
    )
    return _zero_fill(cells[CELL_COLUMNS], counts["period"].max(), grain)


def theme_labels(store: Store) -> dict[str, str]:
    """theme_id -> label, for readable alerts; empty when there is no theme registry."""
    if "themes" not in store.ibis().list_tables():
        return {}
    df = store.query_df("SELECT theme_id, label FROM themes")
    return dict(zip(df["theme_id"].astype(str), df["label"].fillna("").astype(str), strict=True))
