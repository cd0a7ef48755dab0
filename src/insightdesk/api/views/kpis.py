"""KPI views: the catalogue, one KPI's cells and series, and comparisons with their significance.

Values, intervals and tests come from the metrics engine; this module picks the views, serialises
its frames and keeps them until the data changes.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from insightdesk.api.state import AppState
from insightdesk.api.views.access import cached, rows, with_metrics
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.options import data_window

COMPARE_DIMENSIONS = (
    "channel",
    "team",
    "product",
    "category",
    "priority",
    "region",
    "language",
    "customer_tier",
    "customer_segment",
    "type",
)
# KPI families whose drill-down lists survey answers rather than tickets.
FEEDBACK_FAMILIES = ("feedback",)


def catalog() -> list[dict[str, Any]]:
    """Every KPI with its formula, unit, method and direction."""
    from insightdesk.metrics import list_kpis

    return [
        {
            "name": k.name,
            "title": k.title,
            "unit": k.unit,
            "family": k.family,
            "kind": k.kind,
            "formula": k.formula,
            "higher_is_better": k.higher_is_better,
            "snapshot": k.snapshot,
            "method": k.method,
        }
        for k in list_kpis()
    ]


def kpi_info(name: str) -> dict[str, Any]:
    """What a page or an answer says about one KPI next to its numbers."""
    from insightdesk.metrics import get_kpi

    k = get_kpi(name)
    return {
        "name": k.name,
        "title": k.title,
        "unit": k.unit,
        "family": k.family,
        "kind": k.kind,
        "higher_is_better": k.higher_is_better,
        "snapshot": k.snapshot,
        "formula": k.formula,
    }


def cells(
    state: AppState,
    kpi: str,
    f: Filters,
    *,
    by: tuple[str, ...] = (),
    grain: str | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """compute(kpi, by, grain, since, until, where) as the engine's frame, cached per data version.

    `min_n` defaults to the `dashboard.min_n` setting.
    """
    from insightdesk.metrics import compute, get_kpi

    grain = None if get_kpi(kpi).snapshot else grain
    wanted_n: int = state.setting("dashboard.min_n", region=f.region) if min_n is None else min_n

    def run() -> pd.DataFrame:
        return with_metrics(
            state,
            lambda: compute(
                kpi,
                store=state.store,
                by=list(by),
                grain=grain,
                since=f.since,
                until=f.until,
                where=f.where(),
                min_n=wanted_n,
            ),
        )

    return cached(state, cells_key(kpi, by, grain, f, wanted_n), run)


def cells_key(kpi: str, by: tuple[str, ...], grain: str | None, f: Filters, min_n: int) -> tuple[Any, ...]:
    """The cache key of one KPI's cells (`cached` appends the data version)."""
    return ("cells", kpi, by, grain, f.key(), min_n)


def series(
    state: AppState,
    kpi: str,
    f: Filters,
    *,
    by: tuple[str, ...] = (),
    grain: str | None = None,
    min_n: int | None = None,
) -> list[dict[str, Any]]:
    """The cells as JSON rows (value, ci_low, ci_high, n, low_n...); with a grain each row also says
    whether its period is `partial` (the data's window does not cover all of it)."""
    wanted_n: int = state.setting("dashboard.min_n", region=f.region) if min_n is None else min_n

    def run() -> list[dict[str, Any]]:
        out = rows(cells(state, kpi, f, by=by, grain=grain, min_n=wanted_n))
        if grain and out and "period" in out[0]:
            flag_partial(state, out, grain, f)
        return out

    return cached(state, ("series", kpi, by, grain, f.key(), wanted_n), run)


def flag_partial(state: AppState, found: list[dict[str, Any]], grain: str, f: Filters) -> None:
    """Set `partial` on each row with a period: true where the data's window leaves part of it out."""
    from insightdesk.metrics.grains import partial_periods

    first, last = data_window(state, f)
    flags = partial_periods([r.get("period") for r in found], grain, first, last)
    for r, flag in zip(found, flags, strict=True):
        r["partial"] = flag


def comparison(
    state: AppState,
    kpi: str,
    f: Filters,
    *,
    by: tuple[str, ...],
    against: str = "rest",
    grain: str | None = None,
) -> list[dict[str, Any]]:
    """compare(...) rows with each cell's own interval joined on (significance flags per cell)."""
    from insightdesk.metrics import compare

    def run() -> list[dict[str, Any]]:
        computed = cells(state, kpi, f, by=by, grain=grain)
        frame = compare(kpi, against=against, by=list(by), grain=grain, cells=computed)
        out = rows(frame)
        keys = [*by, *(["period"] if grain else [])]
        ci = {
            tuple(c.get(k) for k in keys): c
            for c in series(state, kpi, f, by=by, grain=grain)
            if "category" not in c or c.get("category") is None
        }
        for r in out:
            c = ci.get(tuple(r.get(k) for k in keys))
            if c:
                r.update(ci_low=c.get("ci_low"), ci_high=c.get("ci_high"), low_n=c.get("low_n"))
        if grain and out and "period" in out[0]:
            flag_partial(state, out, grain, f)
        return out

    return cached(state, ("compare", kpi, by, against, grain, f.key()), run)


def prefetch_cells(state: AppState, kpis: tuple[str, ...], f: Filters, grain: str | None = None) -> None:
    """Fill the cells cache of several KPIs at once: the roll-ups answer them in one query."""
    from insightdesk.metrics import compute_many, get_kpi

    min_n = state.setting("dashboard.min_n", region=f.region)
    version = state.data_version()

    def key(kpi: str) -> tuple[Any, ...]:
        return (*cells_key(kpi, (), None if get_kpi(kpi).snapshot else grain, f, min_n), version)

    missing = tuple(k for k in kpis if state.cache.peek(key(k)) is None)
    if not missing:
        return
    found = with_metrics(
        state,
        lambda: compute_many(
            missing,
            store=state.store,
            grain=grain,
            since=f.since,
            until=f.until,
            where=f.where(),
            min_n=min_n,
        ),
    )
    for kpi, frame in found.items():
        state.cache.get_or_compute(key(kpi), partial(_same, frame))


def _same(frame: pd.DataFrame) -> pd.DataFrame:
    return frame
