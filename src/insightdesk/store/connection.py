"""One store interface over two engines.

DuckDB: a single file, opened once per process; SQLAlchemy, Ibis and the raw driver share
that one connection (DuckDB refuses a second writer on the same file).
PostgreSQL: chosen by a `postgresql://` URL; psycopg 3 under SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from insightdesk.config import get_settings
from insightdesk.store.duckdb_files import check_duckdb_path, duckdb_config
from insightdesk.store.errors import (
    StoreError,
    duckdb_open_error,
    hide_password,
    one_line,
    postgres_open_error,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

log = logging.getLogger(__name__)

Dialect = Literal["duckdb", "postgresql"]
# Seconds to wait for a PostgreSQL server: an unroutable host fails in this time, not the OS's minutes.
PG_CONNECT_TIMEOUT = 10


def resolve_target(target: str | os.PathLike[str] | None = None) -> str:
    """Where the store lives: the argument, else $INSIGHTDESK_DB, else ./insightdesk.duckdb."""
    if target is None or str(target) == "":
        target = get_settings().db
    return str(target)


def _is_postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def _sqlalchemy_pg_url(target: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if target.startswith(prefix):
            return "postgresql+psycopg://" + target[len(prefix) :]
    raise StoreError(f"not a PostgreSQL URL: {target!r}")


class Store:
    """An open store. Use `open_store()`; close it (or use it as a context manager) when done."""

    def __init__(self, target: str, *, read_only: bool = False) -> None:
        self.target = target
        self.dialect: Dialect = "postgresql" if _is_postgres(target) else "duckdb"
        self.read_only = read_only
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._ibis: Any = None
        self.generation = 0
        """Bumped by `changed()`: caches over this store's data compare it to know they are current."""
        if self.dialect == "duckdb":
            self.engine = self._open_duckdb(Path(target), read_only)
        else:
            self.engine = self._open_postgres(target)

    def _open_postgres(self, target: str) -> sa.Engine:
        try:
            url = sa.engine.make_url(_sqlalchemy_pg_url(target))
            timeout = {} if "connect_timeout" in url.query else {"connect_timeout": PG_CONNECT_TIMEOUT}
            engine = sa.create_engine(url, pool_pre_ping=True, connect_args=timeout)
        except (ValueError, sa.exc.ArgumentError) as exc:
            raise StoreError(
                f"{hide_password(target)} is not a valid PostgreSQL URL ({one_line(exc)}); "
                "write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
            ) from None
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
        except sa.exc.DBAPIError as exc:
            engine.dispose()
            raise postgres_open_error(self.display_target, exc.orig) from None
        return engine

    def _open_duckdb(self, path: Path, read_only: bool) -> sa.Engine:
        import duckdb
        from duckdb_engine import ConnectionWrapper

        # Refused here, not left to DuckDB: it would create missing folders and open a CSV file as
        # an in-memory database whose writes vanish.
        check_duckdb_path(path, read_only=read_only)
        try:
            self._duck = duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
        except duckdb.Error as exc:
            # `from None`: the driver's text is in the message; its chain would only add a traceback.
            raise duckdb_open_error(str(path), str(exc), read_only=read_only) from None
        duck = self._duck
        # StaticPool: every SQLAlchemy connection is a cursor on the one DuckDB connection.
        return sa.create_engine(
            "duckdb:///:memory:",
            creator=lambda: ConnectionWrapper(duck.cursor()),
            poolclass=sa.pool.StaticPool,
        )

    @property
    def display_target(self) -> str:
        """The target without a password, fit for logs and messages."""
        if self.dialect == "postgresql":
            return sa.engine.make_url(_sqlalchemy_pg_url(self.target)).render_as_string(hide_password=True)
        return self.target

    @property
    def duckdb(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            raise StoreError("this store is PostgreSQL; there is no DuckDB connection")
        return self._duck

    def ibis(self) -> Any:
        """An Ibis backend over this store (shared connection for DuckDB)."""
        if self._ibis is None:
            self._ibis = self.new_ibis(shared=True)
            self._ibis.__dict__["_insightdesk_generation"] = self.generation
        return self._ibis

    def new_ibis(self, *, shared: bool = False) -> Any:
        """A fresh Ibis backend on a connection of its own, for work beside the shared one.

        On DuckDB it is a second connection to the same open database (a cursor), so a long job
        such as a roll-up build runs without holding the shared connection.
        """
        import ibis

        if self.dialect == "duckdb":
            return ibis.duckdb.from_connection(self.duckdb if shared else self.duckdb.cursor())
        url = sa.engine.make_url(_sqlalchemy_pg_url(self.target))
        return ibis.postgres.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )

    def changed(self) -> None:
        """Say that this store's data changed (ingestion calls it after each commit).

        Caches kept on the Ibis backend (the metrics roll-up check) read the generation from it.
        """
        self.generation += 1
        if self._ibis is not None:
            self._ibis.__dict__["_insightdesk_generation"] = self.generation

    def migrate(self) -> str:
        """Bring the schema to the newest revision; returns that revision."""
        from insightdesk.store.migrate import upgrade

        return upgrade(self)

    @contextlib.contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A transaction: everything inside commits together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    def query_df(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a pandas frame."""
        import pandas as pd

        with self.engine.connect() as conn:
            result = conn.execute(sa.text(sql), params or {})
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params or {}).scalar()

    def count(self, table: str) -> int:
        return int(self.scalar(f'select count(*) from "{table}"'))

    def close(self) -> None:
        self.engine.dispose()
        if self._duck is not None:
            self._duck.close()
            self._duck = None
        self._ibis = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(
    target: str | os.PathLike[str] | None = None, *, migrate: bool = True, read_only: bool = False
) -> Store:
    """Open (and by default create or upgrade) the store at `target`."""
    store = Store(resolve_target(target), read_only=read_only)
    if migrate and not read_only:
        try:
            store.migrate()
        except BaseException:
            store.close()  # a failed upgrade must not keep the file locked for the rest of the process
            raise
    log.debug("opened %s store at %s", store.dialect, store.display_target)
    return store
