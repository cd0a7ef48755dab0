"""The start-up warm-up: the default views computed once, so the first visitors do not wait."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from insightdesk.api.state import AppState
from insightdesk.api.views import insights
from insightdesk.api.views.access import with_metrics
from insightdesk.api.views.filters import FILTER_DIMENSIONS, Filters
from insightdesk.api.views.kpi_alerts import alerts
from insightdesk.api.views.kpis import comparison, series
from insightdesk.api.views.options import data_range, filter_options
from insightdesk.api.views.overview import TILE_KPIS, tiles
from insightdesk.api.views.themes import pain_points

log = logging.getLogger(__name__)


def warm(state: AppState, compile_templates: Callable[[], None]) -> None:
    """Everything a server does once at start, in the background; `state.warm_state` tells how far.

    `compile_templates` is the pages' template compiler (passed in: the views know no pages).
    """
    started = time.perf_counter()
    state.warm_state = "running"
    try:
        rollups = state.refresh_rollups()  # on a connection of its own, beside the warm-up
        compile_templates()
        warm_up(state)
        insights.warm_up(state)
        log.info("dashboard warmed up in %.1f s", time.perf_counter() - started)
        if rollups is not None:
            rollups.join()
        # Also roll-ups built elsewhere (`insightdesk metrics rollup build` on a large store).
        if _rollups_current(state):
            warm_up_rollups(state)
            log.info("roll-up queries ready %.1f s after start", time.perf_counter() - started)
        # The warm-up leaves hundreds of thousands of long-lived objects (compiled queries, cached
        # views). Frozen, they are no longer walked by every full garbage collection: such a pass
        # otherwise lands on a random request as a pause of a few hundred milliseconds.
        gc.collect()
        gc.freeze()
        state.warm_state = "done"
    except Exception:  # a warm-up failure only costs the first visitor time
        state.warm_state = "failed"
        log.warning("dashboard warm-up failed", exc_info=True)


def _rollups_current(state: AppState) -> bool:
    from insightdesk.metrics.rollup import rollups_current

    if not state.has_table("kpi_rollups"):
        return False
    with state.metrics_lock:  # reads through the metrics engine's one connection
        return rollups_current(state.store)


def warm_up(state: AppState) -> None:
    """The default views, computed once at start so the first visitor does not wait."""
    f = Filters()
    tiles(state, f)
    filter_options(state)
    series(state, "csat", f, grain="week")
    comparison(state, "csat", f, by=("channel",))
    alerts(state, f)
    pain_points(state, f)
    # One filtered overview per filter: compiles the queries every value of that filter reuses.
    options = filter_options(state)
    for name in FILTER_DIMENSIONS:
        values = options.get(name) or []
        if values:
            segment: dict[str, Any] = {name: values[0]}
            tiles(state, replace(f, **segment))
    # And per kind of date range (from, to, both): any dates reuse these queries.
    span = data_range(state)
    if span["first_ticket"] and span["last_ticket"]:
        first = dt.date.fromisoformat(span["first_ticket"][:10])
        last = dt.date.fromisoformat(span["last_ticket"][:10])
        middle = first + (last - first) / 2
        for since, until in ((middle, None), (None, middle), (first, last)):
            tiles(state, Filters(since=since, until=until))


def warm_up_rollups(state: AppState) -> None:
    """Compile the roll-up queries of the tiles once per kind of date range (none, from, to, both).

    Results are not kept (the cache already holds these views): only the compiled SQL, which any
    filter combination, KPI list and dates then reuse (metrics/rollup_read.py splices them in).
    """
    from insightdesk.metrics import compute_many, get_kpi

    span = data_range(state)
    requests: list[dict[str, Any]] = [{}]
    if span["first_ticket"] and span["last_ticket"]:
        first = dt.date.fromisoformat(span["first_ticket"][:10])
        requests += [{"since": first}, {"until": first}, {"since": first, "until": first}]
    trend = tuple(k for k in TILE_KPIS if not get_kpi(k).snapshot)
    for request in requests:
        for kpis, grain in ((TILE_KPIS, None), (trend, "week")):
            with_metrics(state, partial(compute_many, kpis, store=state.store, grain=grain, **request))
