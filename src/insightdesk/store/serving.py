"""What a long-running server needs from the one open store: a pool for many threads, table checks
and change stamps.

DuckDB allows one process per file, so `insightdesk serve` opens the store once; its requests then
read side by side through `concurrent_engine`, and caches ask `table_stamps` whether data changed.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
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


def share_between_threads(store: Store) -> sa.Engine:
    """Give `store.engine` a connection per thread, for a server; returns that engine.

    A DuckDB store's own engine is one cursor for the whole process (enough for the CLI). In a
    server, features reached from many threads at once (the insight readers, the roll-up build, the
    data-change check) would share that cursor and meet each other's transactions ("cannot start a
    transaction within a transaction", results of one query read by another). PostgreSQL's engine is
    a pool already and stays as it is.
    """
    engine = concurrent_engine(store)
    if engine is not store.engine:
        store.engine.dispose()
        store.engine = engine
    return engine


@contextlib.contextmanager
def writer_store(store: Store) -> Iterator[Store]:
    """`store` for one write job (an upload's ingest) beside the server's readers.

    On DuckDB the job gets a cursor of its own (its own transaction on the one open database), so
    the KPI queries on the shared connection keep running while it writes, and a job that fails
    leaves that connection as it was. The copy is never closed (that would close the store); when the
    job changed data, `store.changed()` tells the store's caches. PostgreSQL: the store itself (a
    batch already writes on a pooled connection of its own).
    """
    if store.dialect != "duckdb":
        yield store
        return
    cursor = store.duckdb.cursor()
    job = copy.copy(store)
    job._duck, job._ibis = cursor, None  # same package: a Store on another cursor
    try:
        yield job
    finally:
        cursor.close()
        if job.generation != store.generation:
            store.changed()


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
