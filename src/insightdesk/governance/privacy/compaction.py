"""Make deleted rows unrecoverable from the database's own files.

A database keeps deleted rows in free blocks (DuckDB) or dead tuples (PostgreSQL) until they are
reused. DuckDB: the file is rewritten, table by table, into a fresh file (`COPY FROM DATABASE`)
that then replaces the old one atomically; the store must be closed (DuckDB lets one process open
a file). PostgreSQL: `VACUUM FULL` rewrites the tables; the WAL and backups are the operator's
(docs/privacy.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa


class CompactionError(RuntimeError):
    """The store could not be compacted; the old file is untouched."""


def compact_duckdb(path: Path) -> int:
    """Rewrite the closed DuckDB store at `path` without its free blocks; returns bytes saved."""
    import duckdb

    path = Path(path)
    fresh = path.with_name(path.name + ".compacting")
    fresh.unlink(missing_ok=True)
    before = path.stat().st_size
    try:
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH {_literal(path)} AS old_store (READ_ONLY)")
            con.execute(f"ATTACH {_literal(fresh)} AS new_store")
            con.execute("COPY FROM DATABASE old_store TO new_store")
            con.execute("DETACH new_store")
            con.execute("DETACH old_store")
        finally:
            con.close()
    except duckdb.Error as exc:
        fresh.unlink(missing_ok=True)
        raise CompactionError(f"could not rewrite {path}: {exc}") from None
    with fresh.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(fresh, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:  # the rename itself survives a crash only once the folder is synced
        os.fsync(folder)
    finally:
        os.close(folder)
    Path(str(path) + ".wal").unlink(missing_ok=True)
    return before - path.stat().st_size


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def vacuum_postgres(engine: sa.Engine, tables: list[str]) -> None:
    """`VACUUM FULL` the named tables (outside a transaction, as PostgreSQL requires)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(sa.text(f'VACUUM FULL "{table}"'))
