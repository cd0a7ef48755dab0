"""The KPI query of the anomaly scan: every segment of a group of KPIs in one GROUPING SETS pass.

Each KPI is measured on the metrics engine's own fact view (so the scan measures exactly what
`insightdesk.metrics.compute` does), with every scan dimension attached once, and aggregated
with GROUPING SETS: one pass over the fact returns the desk-wide series and the series of every
segment of every dimension. KPIs sharing a fact (the mean and median of one duration) share the
query. `kpi_cells_of` turns one KPI's aggregates into cells in `anomalies.detect`'s terms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import attach
from insightdesk.metrics.execute import cached, compile_sql, dialect_of, remember
from insightdesk.metrics.grains import GRAINS
from insightdesk.metrics.plan import fact_view
from insightdesk.metrics.request import MetricsError
from insightdesk.metrics.spec import KPI


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


def grouped_sql(
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
    kinds: set[str] = {s.kind for s in specs}
    key = ("alerts-series", tuple(s.name for s in specs), tuple(by), grain, lo, hi, repr(cfg))
    sql = cached(backend, "query", key)
    if sql is not None:
        return str(sql)
    tables = Tables(backend, cfg, cfg.snapshot_time(hi))
    fact = fact_view(specs[0], tables, cfg)
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


def kpi_cells_of(spec: KPI, raw: pd.DataFrame) -> pd.DataFrame:
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
