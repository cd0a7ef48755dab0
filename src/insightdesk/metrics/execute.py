"""Running compiled KPI queries: a per-process SQL cache and raw execution per engine.

Building and compiling an Ibis expression costs 50-500 ms, often more than the query itself
on a desk-sized table. A dashboard asks the same questions again and again, so the compiled SQL
is kept (keyed by KPI, cut, filters and settings) and re-run as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections import OrderedDict
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

_CACHE_SIZE = 512
_LOCK = threading.Lock()


def dialect_of(backend: Any) -> str:
    return str(getattr(backend, "name", type(backend).__module__))


def _cache(backend: Any, kind: str) -> OrderedDict[tuple[Any, ...], Any]:
    # Kept on the backend object: compiled SQL may name its temporary tables, which live as long as it.
    return backend.__dict__.setdefault(f"_insightdesk_{kind}_cache", OrderedDict())


def cached(backend: Any, kind: str, key: tuple[Any, ...] | None) -> Any:
    if key is None:
        return None
    with _LOCK:
        cache = _cache(backend, kind)
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
        return value


def remember(backend: Any, kind: str, key: tuple[Any, ...] | None, value: Any) -> None:
    if key is None:
        return
    with _LOCK:
        cache = _cache(backend, kind)
        cache[key] = value
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)


def clear_cache(backend: Any) -> None:
    """Forget compiled SQL for this backend (after changing a registered KPI in place, say)."""
    with _LOCK:
        for kind in ("fact", "query"):
            _cache(backend, kind).clear()


def compile_sql(backend: Any, expr: Any) -> str:
    return str(backend.compile(expr))


def run_sql(backend: Any, sql: str) -> pd.DataFrame:
    """Execute SQL on the backend's own connection and return a pandas frame."""
    name = dialect_of(backend)
    if name == "duckdb":
        return backend.con.execute(sql).df()
    if name == "pyspark":
        return backend._session.sql(sql).toPandas()
    cursor = backend.raw_sql(sql)
    try:
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)
    finally:
        cursor.close()


def run_sql_statement(backend: Any, sql: str) -> None:
    """Execute a statement that returns no rows (DDL, DELETE) on the backend's own connection."""
    name = dialect_of(backend)
    if name == "duckdb":
        backend.con.execute(sql)
    elif name == "pyspark":
        backend._session.sql(sql)
    else:
        cursor = backend.raw_sql(sql)
        cursor.close()
        with contextlib.suppress(Exception):
            backend.con.commit()


def register_frame(backend: Any, prefix: str, frame: pd.DataFrame) -> str:
    """A temporary table holding `frame` on the backend's session, created once per content."""
    import pyarrow as pa

    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes()).hexdigest()[:12]
    name = f"{prefix}_{digest}"
    done: set[str] = backend.__dict__.setdefault("_insightdesk_temp_frames", set())
    if name in done:
        return name
    data = pa.Table.from_pandas(frame, preserve_index=False)
    if dialect_of(backend) == "pyspark":
        backend._session.createDataFrame(frame).createOrReplaceTempView(name)
    else:
        backend.create_table(name, data, temp=True, overwrite=True)
    done.add(name)
    log.debug("registered %s (%d rows) on %s", name, len(frame), dialect_of(backend))
    return name


def materialise_facts(backend: Any, enabled: bool = True) -> None:
    """Keep KPI facts of this DuckDB backend as temporary tables instead of views.

    For a long-lived process over a desk-sized store (the dashboard): every cut then scans one
    small table instead of re-running the fact's joins. The owner must call `refresh_facts`
    when the data changes.
    """
    backend.__dict__["_insightdesk_materialise"] = bool(enabled) and dialect_of(backend) == "duckdb"


def refresh_facts(backend: Any) -> None:
    """The data changed: materialised facts are rebuilt from their SQL when next used."""
    with _LOCK:
        facts: dict[str, str] = backend.__dict__.setdefault("_insightdesk_temp_tables", {})
        stale: set[str] = backend.__dict__.setdefault("_insightdesk_stale_facts", set())
        if backend.__dict__.get("_insightdesk_materialise"):
            stale.update(facts)


def ensure_current(backend: Any, name: str) -> None:
    """Rebuild a materialised fact that `refresh_facts` marked stale."""
    stale: set[str] = backend.__dict__.get("_insightdesk_stale_facts", set())
    if name in stale:
        register_view(backend, backend.__dict__["_insightdesk_temp_tables"][name])


def register_view(backend: Any, sql: str) -> str:
    """A temporary view (or, when materialising, table) over `sql` on the backend's session.

    Named by content and created once. Queries then build on a plain table leaf: Ibis would
    otherwise re-parse the whole fact SQL for every cut.
    """
    name = "insightdesk_fact_" + hashlib.sha256(sql.encode()).hexdigest()[:16]
    done: dict[str, str] = backend.__dict__.setdefault("_insightdesk_temp_tables", {})
    stale: set[str] = backend.__dict__.setdefault("_insightdesk_stale_facts", set())
    if name in done and name not in stale:
        return name
    dialect = dialect_of(backend)
    if dialect == "pyspark":
        run_sql_statement(backend, f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS {sql}")
    else:
        materialise = dialect == "duckdb" and backend.__dict__.get("_insightdesk_materialise")
        kind = "TABLE" if materialise else "VIEW"
        run_sql_statement(backend, f'CREATE OR REPLACE TEMPORARY {kind} "{name}" AS {sql}')
    done[name] = sql
    stale.discard(name)
    return name
