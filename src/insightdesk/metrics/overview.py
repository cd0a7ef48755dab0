"""Many KPIs at once: the overview table and the headline figures of a desk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from insightdesk.metrics.compute import backend_for, compute
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.registry import list_kpis

HEADLINE = (
    "csat",
    "nps",
    "ces_mean",
    "fcr",
    "frt_median",
    "ttr_median",
    "sla_resolution_attainment",
    "backlog",
)


def overview(
    store: Any = None,
    *,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    grain: str | None = None,
    since: Any = None,
    until: Any = None,
    min_n: int = 30,
    config: MetricsConfig | None = None,
) -> pd.DataFrame:
    """Every KPI (or those named) in one long frame with a `kpi` column; snapshot KPIs ignore the grain."""
    names = list(kpis) if kpis is not None else [k.name for k in list_kpis()]
    frames = []
    with backend_for(store) as backend:
        for name in names:
            from insightdesk.metrics.registry import get_kpi

            spec = get_kpi(name)
            frame = compute(
                spec,
                store=backend,
                by=by,
                grain=None if spec.snapshot else grain,
                since=since,
                until=until,
                min_n=min_n,
                config=config,
            )
            frame.insert(0, "kpi", name)
            frame.insert(1, "unit", spec.unit)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def headline(
    store: Any = None, *, since: Any = None, until: Any = None, config: MetricsConfig | None = None
) -> pd.DataFrame:
    """The headline KPIs of a desk over its whole history (or a window): one row each.

    Meant for summaries such as the ingest report and the quickstart.
    """
    out = overview(store, kpis=HEADLINE, since=since, until=until, min_n=30, config=config)
    return out.drop(columns=[c for c in ("category", "sd", "promoters", "detractors") if c in out.columns])
