"""Where validated rows land: the store's own engine, inside one transaction per batch.

Staging and validation always run in DuckDB. For a DuckDB store that is the store's own
connection (temp tables, no copy); for PostgreSQL the staged rows are streamed over with
COPY. Every statement after that is plain SQL that both engines accept.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insightdesk.store import scratch_duckdb

if TYPE_CHECKING:
    import duckdb

    from insightdesk.store import Store


class Target:
    """A transaction on the store, plus the staging DuckDB connection that feeds it."""

    dialect: str

    def __init__(self, staging: duckdb.DuckDBPyConnection) -> None:
        self.staging = staging

    def execute(self, sql: str) -> None:
        raise NotImplementedError

    def fetchall(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def ship(self, staging_table: str, target_table: str, columns: list[str], like: str | None) -> None:
        """Make `staging_table` (a staging temp table) available in the target as `target_table`."""
        raise NotImplementedError

    def append(self, staging_table: str, target_table: str, columns: list[str]) -> None:
        """Insert all rows of a staging temp table into a store table."""
        raise NotImplementedError

    def row_json(self, alias: str) -> str:
        """SQL giving a row of `alias` as JSON text."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release resources; never commits."""


def _cols(columns: list[str]) -> str:
    return ", ".join('"' + c + '"' for c in columns)


class DuckDBTarget(Target):
    dialect = "duckdb"

    def __init__(self, store: Store) -> None:
        con = store.duckdb
        super().__init__(con)
        con.execute("BEGIN TRANSACTION")

    def execute(self, sql: str) -> None:
        self.staging.execute(sql)

    def fetchall(self, sql: str) -> list[tuple[Any, ...]]:
        return self.staging.execute(sql).fetchall()

    def ship(self, staging_table: str, target_table: str, columns: list[str], like: str | None) -> None:
        if staging_table != target_table:
            self.staging.execute(
                f'CREATE OR REPLACE TEMP TABLE "{target_table}" AS SELECT {_cols(columns)} '
                f'FROM "{staging_table}"'
            )

    def append(self, staging_table: str, target_table: str, columns: list[str]) -> None:
        self.staging.execute(
            f'INSERT INTO "{target_table}" ({_cols(columns)}) SELECT {_cols(columns)} FROM "{staging_table}"'
        )

    def row_json(self, alias: str) -> str:
        return f"CAST(to_json({alias}) AS VARCHAR)"

    def commit(self) -> None:
        self.staging.execute("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(Exception):
            self.staging.execute("ROLLBACK")


class PostgresTarget(Target):
    dialect = "postgresql"

    def __init__(self, store: Store, staging: duckdb.DuckDBPyConnection, workdir: Path) -> None:
        super().__init__(staging)
        self.workdir = workdir
        self.conn = store.engine.connect()
        self.tx = self.conn.begin()

    def execute(self, sql: str) -> None:
        self.conn.exec_driver_sql(sql.replace("%", "%%"))

    def fetchall(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.exec_driver_sql(sql.replace("%", "%%")).fetchall()]

    def _copy(self, staging_table: str, target_table: str, columns: list[str]) -> None:
        # DuckDB writes CSV, PostgreSQL reads it with COPY: the fast path both ends know.
        fd, name = tempfile.mkstemp(suffix=".csv", dir=self.workdir)
        os.close(fd)
        try:
            self.staging.execute(
                f"COPY (SELECT {_cols(columns)} FROM \"{staging_table}\") TO '{name}' (HEADER false)"
            )
            raw = self.conn.connection.driver_connection
            if raw is None:  # a type guard: the pool hands out open connections
                raise RuntimeError("the PostgreSQL connection of this batch is closed")
            with (
                raw.cursor() as cur,
                open(name, "rb") as fh,
                cur.copy(f'COPY "{target_table}" ({_cols(columns)}) FROM STDIN WITH (FORMAT csv)') as copy,
            ):
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        finally:
            Path(name).unlink(missing_ok=True)

    def ship(self, staging_table: str, target_table: str, columns: list[str], like: str | None) -> None:
        if like is None:
            raise ValueError("PostgreSQL staging tables need a template table")
        self.execute(f'DROP TABLE IF EXISTS "{target_table}"')
        self.execute(
            f'CREATE TEMP TABLE "{target_table}" ON COMMIT DROP AS SELECT {_cols(columns)} FROM "{like}" WITH NO DATA'
        )
        self._copy(staging_table, target_table, columns)
        self.execute(f'ANALYZE "{target_table}"')

    def append(self, staging_table: str, target_table: str, columns: list[str]) -> None:
        self._copy(staging_table, target_table, columns)

    def row_json(self, alias: str) -> str:
        return f"CAST(row_to_json({alias}) AS TEXT)"

    def commit(self) -> None:
        self.tx.commit()

    def rollback(self) -> None:
        if self.tx.is_active:
            self.tx.rollback()

    def close(self) -> None:
        self.conn.close()
        self.staging.close()


def open_target(store: Store, workdir: Path) -> Target:
    if store.dialect == "duckdb":
        return DuckDBTarget(store)
    return PostgresTarget(store, scratch_duckdb(temp_directory=workdir), workdir)
