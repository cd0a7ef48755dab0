"""Query templates: filter values and dates compiled as placeholders, spliced in as SQL literals.

One compiled query then serves every value of the same filters and any date range: a dashboard
user who picks another channel or week pays for running the query, not for building and
compiling it again. The live engine (compute.py) and the roll-up reader (rollup_read.py) share it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.execute import cached, compile_sql, dialect_of, remember
from insightdesk.metrics.request import Where
from insightdesk.metrics.spec import KPI

# Engines whose string literals are standard SQL ('' escapes a quote), so a value can be spliced in.
TEMPLATE_DIALECTS = frozenset({"duckdb", "postgres"})
# Stand-ins for `since` and `until` while compiling; no real desk has tickets from these instants.
SINCE_PLACEHOLDER = dt.datetime(1901, 2, 3, 4, 5, 6, 7)
UNTIL_PLACEHOLDER = dt.datetime(1902, 3, 4, 5, 6, 7, 8)


def quoted(value: str) -> str:
    """`value` as a standard SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def timestamp_sql(backend: Any, value: dt.datetime) -> str:
    """How the backend's compiler writes a timestamp literal (compiled once per value and backend)."""
    import ibis

    key = ("timestamp_literal", value)
    found = cached(backend, "literal", key)
    if found is None:
        sql = compile_sql(backend, ibis.literal(value, "timestamp").name("v").as_table())
        start, end = sql.index("SELECT ") + len("SELECT "), sql.rindex(" AS ")
        found = sql[start:end].strip()
        remember(backend, "literal", key, found)
    return found


def template(
    backend: Any, where: Where, since: dt.datetime | None, until: dt.datetime | None
) -> tuple[Where, dt.datetime | None, dt.datetime | None, list[tuple[str, str]]]:
    """Filter values and dates replaced by placeholders, and the (placeholder SQL, value SQL) swaps.

    Engines outside TEMPLATE_DIALECTS get their arguments back unchanged and no swaps.
    """
    if dialect_of(backend) not in TEMPLATE_DIALECTS:
        return where, since, until, []
    swaps: list[tuple[str, str]] = []
    if (
        isinstance(where, Mapping)
        and where
        and all(isinstance(v, str) and "\x00" not in v for v in where.values())
    ):
        placeholders = {name: f"__insightdesk_filter_{i}__" for i, name in enumerate(sorted(where))}
        swaps += [(quoted(placeholders[name]), quoted(where[name])) for name in where]
        where = placeholders
    for value, placeholder in ((since, SINCE_PLACEHOLDER), (until, UNTIL_PLACEHOLDER)):
        if value is not None:
            swaps.append((timestamp_sql(backend, placeholder), timestamp_sql(backend, value)))
    since = SINCE_PLACEHOLDER if since is not None else None
    until = UNTIL_PLACEHOLDER if until is not None else None
    return where, since, until, swaps


def cache_key(
    spec: KPI,
    by: list[str],
    grain: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    where: Where,
    cfg: MetricsConfig,
) -> tuple[Any, ...] | None:
    """The compiled-SQL cache key of a live request; None when it cannot be keyed."""
    if where is not None and not isinstance(where, Mapping):
        return None  # an expression filter has no reliable identity to key on
    where_key = repr(sorted((k, repr(v)) for k, v in where.items())) if where else None
    return (spec, tuple(by), grain, since, until, where_key, repr(cfg))
