"""Many KPIs at once: the overview table and the headline figures of a desk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from insightdesk.metrics.compute import compute
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.estimates import finish_rollup
from insightdesk.metrics.persons import person_attrs
from insightdesk.metrics.registry import get_kpi, list_kpis
from insightdesk.metrics.request import Where, backend_for, check_request, to_timestamp
from insightdesk.metrics.spec import KPI

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


def compute_many(
    kpis: Sequence[str | KPI],
    *,
    store: Any = None,
    by: Sequence[str] = (),
    grain: str | None = None,
    since: Any = None,
    until: Any = None,
    where: Where = None,
    min_n: int = 30,
    config: MetricsConfig | None = None,
    rollups: bool = True,
) -> dict[str, pd.DataFrame]:
    """`compute()` of several KPIs over the same cut, keyed by KPI name; snapshot KPIs ignore the grain.

    KPIs the store's roll-ups cover are read together (one query per dimension set); the others
    are computed live one by one. Each frame is what `compute()` would return for it.
    """
    cfg = config or MetricsConfig()
    specs = [k if isinstance(k, KPI) else get_kpi(k) for k in kpis]
    cut = list(dict.fromkeys(by))
    for spec in specs:
        check_request(spec, cut, None if spec.snapshot else grain)
    since_ts, until_ts = to_timestamp(since, "since"), to_timestamp(until, "until")
    out: dict[str, pd.DataFrame] = {}
    with backend_for(store) as backend:
        covered: dict[str, tuple[pd.DataFrame, float]] = {}
        if rollups:
            from insightdesk.metrics.rollup_read import covered_many

            covered = covered_many(specs, backend, cut, grain, since_ts, until_ts, where, cfg)
        for spec in specs:
            if spec.name in covered:
                out[spec.name] = finish_rollup(spec, *covered[spec.name], cut, grain, min_n, cfg)
                out[spec.name].attrs.update(person_attrs(spec, backend))
                continue
            out[spec.name] = compute(
                spec,
                store=backend,
                by=cut,
                grain=None if spec.snapshot else grain,
                since=since,
                until=until,
                where=where,
                min_n=min_n,
                config=cfg,
                rollups=False,
            )
    return out


def overview(
    store: Any = None,
    *,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    grain: str | None = None,
    since: Any = None,
    until: Any = None,
    where: Where = None,
    min_n: int = 30,
    config: MetricsConfig | None = None,
    rollups: bool = True,
) -> pd.DataFrame:
    """Every KPI (or those named) in one long frame with a `kpi` column; snapshot KPIs ignore the grain."""
    names = list(kpis) if kpis is not None else [k.name for k in list_kpis()]
    found = compute_many(
        names,
        store=store,
        by=by,
        grain=grain,
        since=since,
        until=until,
        where=where,
        min_n=min_n,
        config=config,
        rollups=rollups,
    )
    frames = []
    for name, frame in found.items():
        frame.insert(0, "kpi", name)
        frame.insert(1, "unit", get_kpi(name).unit)
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
