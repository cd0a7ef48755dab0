"""Compiled KPI facts shared by every store of one process whose tables have the same columns.

Compiling a KPI's fact with Ibis costs 50-500 ms of CPU, and `plan.fact_view` keeps the result per
backend. A process that opens several stores (a notebook comparing two desks, a test run, the
alert scan of each new store) compiled the same facts again for each: the SQL depends only on the
engine, the KPI, the settings and the columns of the store's tables, never on their rows.
So compiled facts are also kept here, keyed by those, and a store whose tables differ in any
column (another migration, a hand-made DuckDB) compiles its own.

What a KPI's fact must honour for this (the per-backend cache already relies on it): its
expression is a function of the schema and the settings, not of the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from insightdesk.metrics.execute import CACHE_LOCK, SHARED_FACTS, dialect_of, run_sql

_FINGERPRINT = "_insightdesk_schema_fingerprint"
_MAX_ENTRIES = 512
# The columns of the store's own tables: the session's temporary tables (facts, the calendar)
# live in another catalog (DuckDB) or schema (PostgreSQL) and are left out.
_COLUMNS_WHERE = {
    "duckdb": "table_catalog = current_database() AND table_schema = current_schema()",
    "postgres": "table_schema = current_schema()",
}


@dataclass(frozen=True)
class CompiledFact:
    sql: str
    uses_calendar: bool
    """The SQL reads the business calendar's temporary table, which each backend registers itself."""
    as_of: dt.datetime | None
    """The snapshot time the SQL embeds, or None when it embeds none."""


def schema_fingerprint(backend: Any) -> str | None:
    """A digest of the columns of the backend's tables (read once per backend), or None where the
    engine cannot list them (Spark's views): its facts are then never shared."""
    kept = backend.__dict__.get(_FINGERPRINT)
    if kept is None:
        where = _COLUMNS_WHERE.get(dialect_of(backend))
        kept = ""
        if where is not None:
            columns = run_sql(
                backend,
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                f"WHERE {where} ORDER BY table_name, ordinal_position",
            )
            kept = hashlib.sha256(columns.to_csv(index=False).encode()).hexdigest()
        backend.__dict__[_FINGERPRINT] = kept
    return kept or None


def _key(backend: Any, spec: Any, cfg_repr: str) -> tuple[Any, ...] | None:
    fingerprint = schema_fingerprint(backend)
    if fingerprint is None:
        return None
    return (dialect_of(backend), fingerprint, spec, cfg_repr)


def shared_fact(backend: Any, spec: Any, cfg_repr: str, as_of: dt.datetime) -> CompiledFact | None:
    """The fact compiled for another store of the same schema, when it fits this snapshot time."""
    key = _key(backend, spec, cfg_repr)
    if key is None:
        return None
    with CACHE_LOCK:
        found = SHARED_FACTS.get(key)
        if found is not None:
            SHARED_FACTS.move_to_end(key)
    if found is None or (found.as_of is not None and found.as_of != as_of):
        return None
    return found


def share_fact(backend: Any, spec: Any, cfg_repr: str, compiled: CompiledFact) -> None:
    key = _key(backend, spec, cfg_repr)
    if key is None:
        return
    with CACHE_LOCK:
        SHARED_FACTS[key] = compiled
        while len(SHARED_FACTS) > _MAX_ENTRIES:
            SHARED_FACTS.popitem(last=False)
