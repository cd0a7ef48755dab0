"""What a long-running server needs from the one open store: a pool for many threads, table checks
and change stamps.

DuckDB allows one process per file, so `insightdesk serve` opens the store once; its requests then
read side by side through `concurrent_engine`, and caches ask `table_stamps` whether data changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from insightdesk.store.connection import Store


def concurrent_engine(store: Store) -> sa.Engine:
    """An engine whose connections may be used from several threads at once.

    PostgreSQL: the store's own pooled engine. DuckDB: each pooled connection is its own cursor
    on the store's one connection (a connection to the same database), so reads run in parallel.
    """
    if store.dialect != "duckdb":
        return store.engine
    from duckdb_engine import ConnectionWrapper

    duck = store.duckdb
    return sa.create_engine(
        "duckdb:///:memory:",
        creator=lambda: ConnectionWrapper(duck.cursor()),
        poolclass=sa.pool.QueuePool,
        pool_size=8,
        max_overflow=24,
    )


def has_table(engine: sa.Engine, name: str) -> bool:
    """Whether the store holds table `name` (a feature's tables exist once its migration ran)."""
    return bool(sa.inspect(engine).has_table(name))


def has_rows(engine: sa.Engine, name: str) -> bool:
    """Whether table `name` exists and holds at least one row (a step that fills it has run)."""
    if not has_table(engine, name):
        return False
    with engine.connect() as conn:
        return conn.execute(sa.text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None


def table_stamps(engine: sa.Engine, stamps: Sequence[tuple[str, str]]) -> tuple[tuple[Any, ...], ...]:
    """(row count, largest `column`) of each (table, column): a stamp that moves when rows arrive or change.

    Names come from the caller's code, never from a request; every table must exist (check with
    `has_table` first). One connection answers them all.
    """
    out = []
    with engine.connect() as conn:
        for table, column in stamps:
            row = conn.execute(sa.text(f'SELECT count(*), max("{column}") FROM "{table}"')).first()
            out.append(tuple(row or ()))
    return tuple(out)
