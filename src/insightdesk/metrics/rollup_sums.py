"""One KPI's roll-up rows: its facts summed per UTC day and dimension set into the staging table.

Every value and interval the engine reports needs only a few sums per cell (n and hits for a
proportion, promoters and detractors for NPS, n, sum and sum of squares for a mean, counts per
value for a median); these are the sums, one row per KPI, day, dimension set and values.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import attach
from insightdesk.metrics.execute import run_sql, run_sql_statement
from insightdesk.metrics.plan import fact_level, fact_view
from insightdesk.metrics.rollup_state import dimset_key
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables
from insightdesk.store.tables.rollups import ROLLUP_DIMS

log = logging.getLogger(__name__)

STAGING_TABLE = "kpi_rollups_next"
MAX_ROWS_PER_FACT = 0.5
"""A dimension set is kept for a KPI only if its roll-up has at most this many rows per fact."""
MIN_ROWS_CHECKED = 200_000
"""Below this many rows a roll-up is kept whatever its ratio (small stores: every cut together)."""


def staging_schema() -> Any:
    """Columns of the staging table, the same as the roll-up table's."""
    import ibis

    columns: dict[str, str] = {"kpi": "string", "dimset": "string", "day": "timestamp"}
    columns.update({d: "string" for d in ROLLUP_DIMS})
    columns.update(share_category="string", x="float64", n="int64", s1="float64", s2="float64")
    return ibis.schema(columns)


def drop_staging(backend: Any) -> None:
    """Remove the staging table if a build left one."""
    if STAGING_TABLE in backend.list_tables():
        backend.drop_table(STAGING_TABLE)


def build_one(
    backend: Any,
    spec: KPI,
    cfg: MetricsConfig,
    sets: list[tuple[str, ...]],
    resolution: float,
) -> tuple[str | None, list[tuple[str, ...]], int]:
    """Aggregate one KPI's facts into the staging table; returns (why live, dimsets kept, rows)."""
    tables = Tables(backend, cfg, cfg.snapshot_time(None))
    fact = fact_view(spec, tables, cfg)
    if tables.used_as_of:
        return "its facts depend on the snapshot time (open tickets)", [], 0
    level = fact_level(fact)
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
        facts = facts.mutate(x=binned(facts.x, resolution))
    # Materialised once per KPI so each dimension set scans a plain table, not the fact's joins.
    work = f"insightdesk_rollup_src_{spec.name}"
    backend.create_table(work, facts, temp=True, overwrite=True)
    try:
        source = backend.table(work)
        parts = [aggregate_set(source, spec, s) for s in kept]
        union = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], distinct=False)
        backend.insert(STAGING_TABLE, union)
        kept, rows = drop_uncompressed(backend, spec.name, work, kept)
    finally:
        backend.drop_table(work, force=True)
    if not kept:
        return "no dimension set compresses its facts (medians of rare values)", [], 0
    return None, kept, rows


def drop_uncompressed(
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


def binned(x: Any, resolution: float) -> Any:
    """x rounded to the geometric centre of its bin, bins `resolution` wide relative to the value."""
    import ibis

    step = math.log1p(resolution)
    magnitude = ((ibis.greatest(x.abs(), 1e-300).ln() / step).round() * step).exp()
    return ibis.cases((x == 0, 0.0), (x < 0, -magnitude), else_=magnitude)


def aggregate_set(source: Any, spec: KPI, dims: tuple[str, ...]) -> Any:
    """The roll-up rows of one dimension set: sums per day and dimension values."""
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
