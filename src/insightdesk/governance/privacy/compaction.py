"""Make deleted rows unrecoverable from the database's own files.

A database keeps deleted rows in free blocks (DuckDB) or dead tuples (PostgreSQL) until they are
reused. DuckDB: the file is rewritten, table by table, into a fresh file (`COPY FROM DATABASE`)
that then replaces the old one atomically; the store must be closed (DuckDB lets one process open
a file). PostgreSQL: `VACUUM FULL` rewrites the tables; the WAL and backups are the operator's
(docs/privacy.md).

A server cannot rewrite the file it serves: its readers hold cursors on the one open database
without a lock (only writers queue), KPI facts live as temporary tables on that connection, and the
roll-up build runs on a connection of its own, so closing the database mid-request would fail those
requests. An erasure made while serving therefore leaves a marker beside the file
(`<store>.compact-pending`, no personal data); the server rewrites the file as it stops, once its
connections are closed, or as it starts when it was killed before (`finish_pending_compaction`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import sqlalchemy as sa

from insightdesk.store import scratch_duckdb

log = logging.getLogger(__name__)
PENDING_SUFFIX = ".compact-pending"


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
        con = scratch_duckdb()  # in memory, with the store's DuckDB settings; both files are attached
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
    pending_marker(path).unlink(missing_ok=True)
    return before - path.stat().st_size


def pending_marker(path: Path | str) -> Path:
    """The file that says `path` holds erased rows in free blocks until it is rewritten."""
    return Path(str(path) + PENDING_SUFFIX)


def mark_compaction_pending(engine: sa.Engine) -> Path | None:
    """Leave the marker beside a DuckDB store's file (returns it; None for other stores)."""
    if engine.dialect.name != "duckdb":
        return None
    with engine.connect() as conn:
        path = conn.execute(
            sa.text("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
        ).scalar()
    if not path:
        return None  # an in-memory store has no file to leave traces in
    marker = pending_marker(path)
    marker.write_text("an erasure or purge left deleted rows in free blocks; rewrite the file\n")
    return marker


def finish_pending_compaction(target: Path | str | None) -> bool:
    """Rewrite the closed DuckDB store at `target` if a marker says so; True when it did.

    A failure is logged and the marker kept (the next stop or start tries again): a server must
    still stop and start when, say, the disk is too full for the copy.
    """
    if target is None or "://" in str(target) or not pending_marker(target).exists():
        return False
    path = Path(target)
    if not path.exists():
        pending_marker(path).unlink(missing_ok=True)
        return False
    try:
        saved = compact_duckdb(path)
    except (CompactionError, OSError) as exc:
        log.warning("the pending rewrite of %s failed (%s); run `insightdesk privacy compact`", path, exc)
        return False
    log.info("rewrote %s after erasures made while serving (%d bytes freed)", path, saved)
    return True


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def vacuum_postgres(engine: sa.Engine, tables: list[str]) -> None:
    """`VACUUM FULL` the named tables (outside a transaction, as PostgreSQL requires)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(sa.text(f'VACUUM FULL "{table}"'))
