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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import attach
from insightdesk.metrics.execute import dialect_of, run_sql, run_sql_statement
from insightdesk.metrics.registry import get_kpi, list_kpis
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables
from insightdesk.store.tables.rollups import ROLLUP_DIMS

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)

ROLLUP_TABLE = "kpi_rollups"
BUILDS_TABLE = "kpi_rollup_builds"
STAGING_TABLE = "kpi_rollups_next"
ROLLUP_ENGINES = frozenset({"duckdb", "postgres"})
ROLLABLE_KINDS = frozenset({"proportion", "nps", "mean", "median", "count", "share"})
SOURCE_TABLES = ("tickets", "ticket_events", "feedback", "interactions", "customers", "teams")

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
MAX_ROWS_PER_FACT = 0.5
"""A dimension set is kept for a KPI only if its roll-up has at most this many rows per fact."""
MIN_ROWS_CHECKED = 200_000
"""Below this many rows a roll-up is kept whatever its ratio (small stores: every cut together)."""
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


def dimset_key(dims: Iterable[str]) -> str:
    """Dimensions in the fixed order of ROLLUP_DIMS, comma-separated: the `dimset` column value."""
    chosen = set(dims)
    return ",".join(d for d in ROLLUP_DIMS if d in chosen)


def default_dimsets(tickets: int) -> list[tuple[str, ...]]:
    if tickets <= SMALL_STORE_TICKETS:
        return [tuple(ROLLUP_DIMS)]
    return [tuple(d) for d in LARGE_STORE_DIMSETS]


_FINGERPRINTS: dict[tuple[KPI, str], str] = {}


def definition_fingerprint(spec: KPI, config: MetricsConfig) -> str:
    """Changes when the KPI's definition, the package version or the metrics settings change.

    Kept per process: reading the definition's source costs milliseconds, and a dashboard asks
    for it on every request a roll-up might answer.
    """
    key = (spec, repr(config))
    found = _FINGERPRINTS.get(key)
    if found is None:
        found = _FINGERPRINTS[key] = _definition_fingerprint(spec, config)
    return found


def _definition_fingerprint(spec: KPI, config: MetricsConfig) -> str:
    from insightdesk import __version__

    try:
        source = inspect.getsource(spec.fact)
    except (OSError, TypeError):
        source = f"{getattr(spec.fact, '__module__', '')}.{getattr(spec.fact, '__qualname__', '')}"
    parts = (__version__, spec.name, spec.kind, repr(spec.scale), spec.formula, source, repr(config))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def source_fingerprint(backend: Any) -> str:
    """Row counts of the tables KPIs read plus the ingest batches: changes with every load.

    One query; DuckDB answers counts from its metadata. A change that bypasses ingestion and keeps
    every count (a hand-written UPDATE) is not seen: rebuild the roll-up after one.
    """
    parts = [f"(SELECT count(*) FROM {name}) AS {name}" for name in SOURCE_TABLES]
    parts += [
        "(SELECT count(*) FROM ingest_batches) AS batches",
        "(SELECT max(batch_id) FROM ingest_batches) AS last_batch",
    ]
    row = run_sql(backend, "SELECT " + ", ".join(parts)).iloc[0]
    return json.dumps({k: None if v is None else str(v) for k, v in row.items()}, sort_keys=True)


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
    _drop_staging(backend)
    backend.create_table(STAGING_TABLE, schema=_staging_schema())
    built: list[tuple[RollupResult, KPI, list[tuple[str, ...]]]] = []
    results: list[RollupResult] = []
    try:
        for spec in specs:
            started = time.perf_counter()
            reason = _why_live(spec)
            kept: list[tuple[str, ...]] = []
            rows = 0
            if reason is None:
                reason, kept, rows = _build_one(backend, spec, cfg, sets, median_resolution)
            result = RollupResult(spec.name, rows, time.perf_counter() - started, reason)
            built.append((result, spec, kept))
            results.append(result)
            if on_kpi:
                on_kpi(result)
        if source_fingerprint(backend) != before:
            raise RollupError("the store changed while the roll-ups were built; run the build again")
        _swap_in(store, built, cfg, before, median_resolution)
    finally:
        _drop_staging(backend)
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


STATE_KEY = "_insightdesk_rollups"
"""Where this process keeps what it read of the builds, on the Ibis backend (rollup_read.py)."""


def forget_builds(backend: Any) -> None:
    """Drop what this process remembers of the roll-up builds: the next request reads them again."""
    backend.__dict__.pop(STATE_KEY, None)


def rollups_current(store: Store, config: MetricsConfig | None = None) -> bool:
    """True when every KPI that can be rolled up has a current roll-up."""
    states = rollup_status(store, config)
    return all(s["state"] == "current" or s["state"].startswith("live:") for s in states)


def rollup_status(store: Store, config: MetricsConfig | None = None) -> list[dict[str, Any]]:
    """Per KPI: whether a roll-up exists, is current, and why a KPI is computed live."""
    cfg = config or MetricsConfig()
    backend = store.ibis()
    current = source_fingerprint(backend)
    builds = {r["kpi"]: r for r in store.query_df(f"SELECT * FROM {BUILDS_TABLE}").to_dict("records")}
    out = []
    for spec in list_kpis():
        row = builds.get(spec.name)
        live = _why_live(spec)
        if row is None:
            state = "live: " + live if live else "not built"
        elif row["definition"] != definition_fingerprint(spec, cfg):
            state = "stale: the definition or settings changed"
        elif row["source_version"] != current:
            state = "stale: the data changed"
        elif row["live_reason"]:
            state = "live: " + row["live_reason"]
        else:
            state = "current"
        out.append(
            {
                "kpi": spec.name,
                "state": state,
                "rows": None if row is None else int(row["rows"]),
                "dimsets": None if row is None else json.loads(row["dimsets"]),
                "built_at": None if row is None else row["built_at"],
            }
        )
    return out


def _close(backend: Any) -> None:
    disconnect = getattr(backend, "disconnect", None)
    if callable(disconnect):
        try:
            disconnect()
        except Exception:  # closing a spare connection must not hide the build's own outcome
            log.debug("closing the roll-up connection failed", exc_info=True)


def _why_live(spec: KPI) -> str | None:
    if spec.snapshot or spec.kind not in ROLLABLE_KINDS:
        return "a snapshot at one instant"
    return None


def _staging_schema() -> Any:
    import ibis

    columns: dict[str, str] = {"kpi": "string", "dimset": "string", "day": "timestamp"}
    columns.update({d: "string" for d in ROLLUP_DIMS})
    columns.update(share_category="string", x="float64", n="int64", s1="float64", s2="float64")
    return ibis.schema(columns)


def _drop_staging(backend: Any) -> None:
    if STAGING_TABLE in backend.list_tables():
        backend.drop_table(STAGING_TABLE)


def _build_one(
    backend: Any,
    spec: KPI,
    cfg: MetricsConfig,
    sets: list[tuple[str, ...]],
    resolution: float,
) -> tuple[str | None, list[tuple[str, ...]], int]:
    """Aggregate one KPI's facts into the staging table; returns (why live, dimsets kept, rows)."""
    from insightdesk.metrics.compute import _fact

    tables = Tables(backend, cfg, cfg.snapshot_time(None))
    fact = _fact(spec, tables, cfg)
    if tables.used_as_of:
        return "its facts depend on the snapshot time (open tickets)", [], 0
    level = "ticket" if {"team_id", "status", "ticket_id"} <= set(fact.columns) else "other"
    # A share KPI's rows are its own `category`: the category dimension cannot cut it.
    kept = list(dict.fromkeys(tuple(d for d in s if spec.kind != "share" or d != "category") for s in sets))
    dims = [d for d in ROLLUP_DIMS if any(d in s for s in kept)]
    facts = attach(fact, dims, tables, cfg, level)
    if spec.kind == "share":
        facts = facts.rename(share_category="category")
    facts = facts.mutate(day=facts.ts.truncate("D"))
    if spec.kind in ("mean", "median"):
        facts = facts.filter(facts.x.notnull())
    if spec.kind == "median" and resolution > 0:
        facts = facts.mutate(x=_binned(facts.x, resolution))
    # Materialised once per KPI so each dimension set scans a plain table, not the fact's joins.
    work = f"insightdesk_rollup_src_{spec.name}"
    backend.create_table(work, facts, temp=True, overwrite=True)
    try:
        source = backend.table(work)
        parts = [_aggregate_set(source, spec, s) for s in kept]
        union = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], distinct=False)
        backend.insert(STAGING_TABLE, union)
        kept, rows = _drop_uncompressed(backend, spec.name, work, kept)
    finally:
        backend.drop_table(work, force=True)
    if not kept:
        return "no dimension set compresses its facts (medians of rare values)", [], 0
    return None, kept, rows


def _drop_uncompressed(
    backend: Any, kpi: str, work: str, kept: list[tuple[str, ...]]
) -> tuple[list[tuple[str, ...]], int]:
    """Dimension sets whose roll-up rows are not far fewer than the facts are not kept.

    A median by agent and day has about one value per row: reading it costs what the facts cost,
    and it would outgrow them. Such a cut is computed live instead. Small stores keep everything
    (the roll-up is then small whatever its ratio).
    """
    facts = int(run_sql(backend, f"SELECT count(*) AS n FROM {work}").iloc[0]["n"])
    counts = run_sql(
        backend, f"SELECT dimset, count(*) AS n FROM {STAGING_TABLE} WHERE kpi = '{kpi}' GROUP BY dimset"
    )
    sizes = {str(r["dimset"]): int(r["n"]) for r in counts.to_dict("records")}
    limit = max(MIN_ROWS_CHECKED, MAX_ROWS_PER_FACT * facts)
    too_big = [key for key, n in sizes.items() if n > limit]
    if too_big:
        listed = ", ".join(f"'{key}'" for key in too_big)
        run_sql_statement(
            backend, f"DELETE FROM {STAGING_TABLE} WHERE kpi = '{kpi}' AND dimset IN ({listed})"
        )
        log.info("%s: not rolled up by %s (rows would not be far fewer than facts)", kpi, too_big)
    kept = [s for s in kept if dimset_key(s) not in too_big]
    return kept, sum(n for key, n in sizes.items() if key not in too_big)


def _binned(x: Any, resolution: float) -> Any:
    """x rounded to the geometric centre of its bin, bins `resolution` wide relative to the value."""
    import ibis

    step = math.log1p(resolution)
    magnitude = ((ibis.greatest(x.abs(), 1e-300).ln() / step).round() * step).exp()
    return ibis.cases((x == 0, 0.0), (x < 0, -magnitude), else_=magnitude)


def _aggregate_set(source: Any, spec: KPI, dims: tuple[str, ...]) -> Any:
    import ibis

    group = ["day", *[d for d in ROLLUP_DIMS if d in dims]]
    if spec.kind == "share":
        group.append("share_category")
    if spec.kind == "median":
        group.append("x")
    kind = spec.kind
    null = ibis.null("float64")
    if kind == "proportion":
        sums = {"s1": source.hit.sum().cast("float64"), "s2": null}
    elif kind == "nps":
        sums = {"s1": source.promoter.sum().cast("float64"), "s2": source.detractor.sum().cast("float64")}
    elif kind == "mean":
        x = source.x.cast("float64")
        sums = {"s1": x.sum(), "s2": (x * x).sum()}
    else:  # count, share, median: counts alone
        sums = {"s1": null, "s2": null}
    agg = source.group_by(group).agg(n=source.count(), **sums)
    columns: dict[str, Any] = {
        "kpi": ibis.literal(spec.name, "string"),
        "dimset": ibis.literal(dimset_key(dims), "string"),
        "day": agg.day.cast("timestamp"),
    }
    for d in ROLLUP_DIMS:
        columns[d] = agg[d].cast("string") if d in dims else ibis.null("string")
    columns["share_category"] = agg.share_category.cast("string") if kind == "share" else ibis.null("string")
    columns["x"] = agg.x.cast("float64") if kind == "median" else ibis.null("float64")
    columns["n"] = agg.n.cast("int64")
    columns["s1"] = agg.s1.cast("float64")
    columns["s2"] = agg.s2.cast("float64")
    return agg.select(**columns)


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
