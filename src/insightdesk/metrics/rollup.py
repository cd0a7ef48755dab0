"""Daily roll-ups: each KPI's sufficient statistics per day and dimension set, kept in the store.

A report over a year of a five-million-ticket desk re-runs every KPI's joins over millions of
facts; no engine does 32 of those in seconds on two cores. Every value and interval the engine
reports needs only a few sums per cell (n and hits for a proportion, promoters and detractors for
NPS, n, sum and sum of squares for a mean, counts per value for a median), and sums add up across
days and dimension values. So the roll-up keeps those sums per KPI, per UTC day and per
combination of dimension values, and a request whose cut, filters and dates it covers is answered
from it (metrics/rollup_read.py) with the same formulas and intervals.

What stays live, by design:
- snapshot KPIs (backlog) and KPIs whose facts depend on the snapshot time (SLA checks of open
  tickets): their rows change as the clock moves;
- cohort dimensions, expression filters and date bounds that are not whole days.

A roll-up is used only while the source tables are as they were when it was built (row counts and
ingest batches, see `source_fingerprint`) and the KPI's definition and settings are unchanged;
otherwise the engine computes live, so a stale roll-up costs speed, never correctness.

This module runs a build; rollup_sums.py computes one KPI's rows, rollup_state.py keeps what
each build was made from, and rollup_read.py answers requests from them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.execute import dialect_of, run_sql
from insightdesk.metrics.registry import get_kpi, list_kpis
from insightdesk.metrics.rollup_state import (
    BUILDS_TABLE,
    ROLLABLE_KINDS,
    ROLLUP_ENGINES,
    ROLLUP_TABLE,
    SOURCE_TABLES,
    STATE_KEY,
    definition_fingerprint,
    dimset_key,
    forget_builds,
    rollup_status,
    rollups_current,
    source_fingerprint,
    why_live,
)
from insightdesk.metrics.rollup_sums import (
    MAX_ROWS_PER_FACT,
    MIN_ROWS_CHECKED,
    STAGING_TABLE,
    build_one,
    drop_staging,
    staging_schema,
)
from insightdesk.metrics.spec import KPI
from insightdesk.store.tables.rollups import ROLLUP_DIMS

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)

SMALL_STORE_TICKETS = 500_000
"""Up to this many tickets one roll-up keeps every dimension together, with exact medians: any
combination of cut and filters is answered, and the roll-up is no larger than the facts."""
LARGE_STORE_DIMSETS: tuple[tuple[str, ...], ...] = (
    (),
    ("channel",),
    ("team",),
    ("agent",),
    ("product",),
    ("category",),
    ("priority",),
    ("region",),
    ("language",),
    ("customer_tier",),
    ("customer_segment",),
)
"""Above it, one roll-up per common single cut (and the whole desk): combinations run live."""
LARGE_STORE_MEDIAN_RESOLUTION = 0.01
"""Relative width of median value bins above the small-store limit: medians and their interval
bounds are then within 0.5% of the exact values (the bin's geometric centre stands for it)."""


class RollupError(RuntimeError):
    """A roll-up that cannot be built as asked; the message says why."""


@dataclass(frozen=True)
class RollupResult:
    kpi: str
    rows: int
    seconds: float
    skipped: str | None = None


def default_dimsets(tickets: int) -> list[tuple[str, ...]]:
    if tickets <= SMALL_STORE_TICKETS:
        return [tuple(ROLLUP_DIMS)]
    return [tuple(d) for d in LARGE_STORE_DIMSETS]


def _tickets(backend: Any) -> int:
    return int(run_sql(backend, "SELECT count(*) AS n FROM tickets").iloc[0]["n"])


def build_rollups(
    store: Store,
    *,
    kpis: Sequence[str] | None = None,
    dimsets: Sequence[Sequence[str]] | None = None,
    median_resolution: float | None = None,
    config: MetricsConfig | None = None,
    on_kpi: Callable[[RollupResult], None] | None = None,
    own_connection: bool = False,
) -> list[RollupResult]:
    """(Re)build the roll-ups of `kpis` (default: every KPI that can be rolled up).

    Built into a staging table, then swapped in with one transaction: a failure midway leaves the
    previous roll-ups as they were. Roll-ups of KPIs not named are kept. With `own_connection`
    the work runs on a connection of its own (a server builds while it answers requests).
    """
    backend = store.new_ibis() if own_connection else store.ibis()
    if dialect_of(backend) not in ROLLUP_ENGINES:
        raise RollupError(f"roll-ups are kept in DuckDB or PostgreSQL stores, not {dialect_of(backend)}")
    cfg = config or MetricsConfig()
    specs = [get_kpi(k) for k in kpis] if kpis is not None else list(list_kpis())
    tickets = _tickets(backend)
    sets = [tuple(s) for s in dimsets] if dimsets is not None else default_dimsets(tickets)
    unknown = sorted({d for s in sets for d in s} - set(ROLLUP_DIMS))
    if unknown:
        raise RollupError(
            f"dimension(s) {', '.join(unknown)} cannot be rolled up; choose from {', '.join(ROLLUP_DIMS)}"
        )
    if median_resolution is None:
        median_resolution = 0.0 if tickets <= SMALL_STORE_TICKETS else LARGE_STORE_MEDIAN_RESOLUTION
    if not 0 <= median_resolution < 1:
        raise RollupError(f"median_resolution must be in [0, 1), not {median_resolution}")
    before = source_fingerprint(backend)
    drop_staging(backend)
    backend.create_table(STAGING_TABLE, schema=staging_schema())
    built: list[tuple[RollupResult, KPI, list[tuple[str, ...]]]] = []
    results: list[RollupResult] = []
    try:
        for spec in specs:
            started = time.perf_counter()
            reason = why_live(spec)
            kept: list[tuple[str, ...]] = []
            rows = 0
            if reason is None:
                reason, kept, rows = build_one(backend, spec, cfg, sets, median_resolution)
            result = RollupResult(spec.name, rows, time.perf_counter() - started, reason)
            built.append((result, spec, kept))
            results.append(result)
            if on_kpi:
                on_kpi(result)
        if source_fingerprint(backend) != before:
            raise RollupError("the store changed while the roll-ups were built; run the build again")
        _swap_in(store, built, cfg, before, median_resolution)
    finally:
        drop_staging(backend)
        forget_builds(store.ibis())  # this process reads the new builds at once
        if own_connection:
            _close(backend)
    return results


def drop_rollups(store: Store) -> int:
    """Remove every roll-up (the engine then computes live); returns the KPIs that had one."""
    with store.begin() as conn:
        import sqlalchemy as sa

        n = conn.execute(sa.text(f"SELECT count(*) FROM {BUILDS_TABLE}")).scalar() or 0
        conn.execute(sa.text(f"DELETE FROM {ROLLUP_TABLE}"))
        conn.execute(sa.text(f"DELETE FROM {BUILDS_TABLE}"))
    forget_builds(store.ibis())
    return int(n)


def _close(backend: Any) -> None:
    disconnect = getattr(backend, "disconnect", None)
    if callable(disconnect):
        try:
            disconnect()
        except Exception:  # closing a spare connection must not hide the build's own outcome
            log.debug("closing the roll-up connection failed", exc_info=True)


def _swap_in(
    store: Store,
    built: list[tuple[RollupResult, KPI, list[tuple[str, ...]]]],
    cfg: MetricsConfig,
    version: str,
    resolution: float,
) -> None:
    import sqlalchemy as sa

    if not built:
        return
    names = [spec.name for _, spec, _ in built]
    columns = ", ".join(["kpi", "dimset", "day", *ROLLUP_DIMS, "share_category", "x", "n", "s1", "s2"])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    params = {f"k{i}": name for i, name in enumerate(names)}
    in_list = ", ".join(f":k{i}" for i in range(len(names)))
    with store.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {ROLLUP_TABLE} WHERE kpi IN ({in_list})"), params)
        conn.execute(sa.text(f"DELETE FROM {BUILDS_TABLE} WHERE kpi IN ({in_list})"), params)
        # Ordered so each KPI's rows sit together: DuckDB's zone maps then skip the other KPIs.
        conn.execute(
            sa.text(
                f"INSERT INTO {ROLLUP_TABLE} ({columns}) SELECT {columns} FROM {STAGING_TABLE} "
                "ORDER BY kpi, dimset, day"
            )
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {BUILDS_TABLE} (kpi, definition, dimsets, median_resolution, "
                "source_version, rows, live_reason, seconds, built_at) VALUES (:kpi, :definition, "
                ":dimsets, :resolution, :version, :rows, :reason, :seconds, :built_at)"
            ),
            [
                {
                    "kpi": spec.name,
                    "definition": definition_fingerprint(spec, cfg),
                    "dimsets": json.dumps([list(s) for s in kept]),
                    "resolution": resolution if spec.kind == "median" else None,
                    "version": version,
                    "rows": result.rows,
                    "reason": result.skipped,
                    "seconds": round(result.seconds, 3),
                    "built_at": now,
                }
                for result, spec, kept in built
            ],
        )
    log.info("roll-ups built for %d KPIs", len(built))


__all__ = [
    "BUILDS_TABLE",
    "LARGE_STORE_DIMSETS",
    "MAX_ROWS_PER_FACT",
    "MIN_ROWS_CHECKED",
    "ROLLABLE_KINDS",
    "ROLLUP_DIMS",
    "ROLLUP_ENGINES",
    "ROLLUP_TABLE",
    "SOURCE_TABLES",
    "STAGING_TABLE",
    "STATE_KEY",
    "RollupError",
    "RollupResult",
    "build_rollups",
    "default_dimsets",
    "definition_fingerprint",
    "dimset_key",
    "drop_rollups",
    "forget_builds",
    "rollup_status",
    "rollups_current",
    "source_fingerprint",
]
