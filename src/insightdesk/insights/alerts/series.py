"""KPI and theme series for the anomaly scan, read from the store (every segment of a KPI in one query).

KPIs come from the GROUPING SETS query of `kpi_sql`; themes are weekly (or daily...) counts of
analysed texts per theme. The result is the long `cells` frame `anomalies.detect` takes, limited to
complete periods: a partial first or last period would read as a drop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insightdesk.insights.alerts.config import DEFAULT_DIMENSIONS, SCANNED_KINDS
from insightdesk.insights.alerts.kpi_sql import grouped_sql, kpi_cells_of
from insightdesk.insights.alerts.periods import DEFAULT_WINDOW, FREQ, complete_periods, history_start
from insightdesk.insights.common.features import MISSING
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import check_dimensions
from insightdesk.metrics.execute import run_sql
from insightdesk.metrics.grains import GRAINS
from insightdesk.metrics.registry import get_kpi, list_kpis
from insightdesk.metrics.request import MetricsError, backend_for, to_timestamp
from insightdesk.metrics.spec import KPI

if TYPE_CHECKING:
    from insightdesk.store import Store

CELL_COLUMNS = ["series", "segment", "period", "kind", "value", "k", "n", "se", "kpi", "unit"]


def scannable_kpis() -> list[str]:
    """Registered KPIs the anomaly scan can test (time-dated; proportion, NPS, mean, median or count)."""
    return [k.name for k in list_kpis() if k.kind in SCANNED_KINDS and not k.snapshot]


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
    since_ts, until_ts = to_timestamp(since, "since"), to_timestamp(until, "until")
    lo = history_start(since_ts, grain, window or DEFAULT_WINDOW[grain])
    groups: dict[Any, list[KPI]] = {}
    for spec in specs:
        groups.setdefault(spec.fact, []).append(spec)  # one query per fact, not per KPI
    frames = []
    with backend_for(store) as backend:
        for members in groups.values():
            raw = run_sql(backend, grouped_sql(backend, members, by, grain, lo, until_ts, cfg))
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
                cells = kpi_cells_of(spec, raw)
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
    since_ts, until_ts = to_timestamp(since, "since"), to_timestamp(until, "until")
    lo = history_start(since_ts, grain, window or DEFAULT_WINDOW[grain])
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
