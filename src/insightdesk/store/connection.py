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

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

log = logging.getLogger(__name__)

Dialect = Literal["duckdb", "postgresql"]


class StoreError(RuntimeError):
    """A store could not be opened or a statement failed; the message says which and why."""


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
            self.engine = sa.create_engine(_sqlalchemy_pg_url(target), pool_pre_ping=True)
            try:
                with self.engine.connect() as conn:
                    conn.execute(sa.text("select 1"))
            except sa.exc.OperationalError as exc:
                raise StoreError(
                    f"cannot reach PostgreSQL at {self.display_target}: {exc.orig}. "
                    "Check the URL, that the server runs, and that the database exists."
                ) from exc

    def _open_duckdb(self, path: Path, read_only: bool) -> sa.Engine:
        import duckdb
        from duckdb_engine import ConnectionWrapper

        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._duck = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open DuckDB store {path}: {exc}. Another process (a running `insightdesk serve`?) "
                "may hold it for writing."
            ) from exc
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
        store.migrate()
    log.debug("opened %s store at %s", store.dialect, store.display_target)
    return store
