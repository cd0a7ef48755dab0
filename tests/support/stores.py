"""Stores loaded once per session and per engine, handed to tests as copies or shared read-only.

A loaded store is built once: a DuckDB file in a session folder, or a PostgreSQL database that then
serves as a template. A test that writes gets its own copy (a file copy, or `CREATE DATABASE ...
TEMPLATE`; both much faster than loading again); tests that only read share one open store.
Every database name carries the process id, so pytest-xdist workers never meet.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from insightdesk.store import Store, open_store

PG_ADMIN_URL = os.environ.get("INSIGHTDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

# Fills the store at a URL (a DuckDB path or a PostgreSQL URL); runs once per engine and session.
Loader = Callable[[str], None]


SMALL_DESK = "small_desk"


def load_small_desk(url: str) -> None:
    """The hand-built desk of `insightdesk.metrics.fixtures.small_desk` (every KPI worked out by hand)."""
    from insightdesk.metrics.fixtures import small_desk

    with open_store(url) as store:
        small_desk(store)


def pg_admin_engine() -> sa.Engine:
    url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def pg_db_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def pg_db_name(kind: str) -> str:
    """A database name no other test, worker or run uses."""
    return f"insightdesk_{kind}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def pg_create(name: str, template: str) -> str:
    # FILE_COPY copies the template's files; PostgreSQL 15's default (WAL_LOG) writes every page of
    # them to the WAL, which cost the server twice the CPU on these small databases (FILE_COPY is the
    # only strategy before 15, where the option does not exist).
    engine = pg_admin_engine()
    try:
        with engine.connect() as conn:
            strategy = " strategy file_copy" if (conn.dialect.server_version_info or ()) >= (15,) else ""
            conn.execute(sa.text(f'create database "{name}" template "{template}"{strategy}'))
    finally:
        engine.dispose()
    return pg_db_url(name)


def pg_drop(*names: str) -> None:
    engine = pg_admin_engine()
    try:
        with engine.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    finally:
        engine.dispose()


class LoadedStores:
    """Loaded stores of this session, by content name and engine (`duckdb` or `postgres`)."""

    def __init__(self, root: Path, pg_template: Callable[[], str]) -> None:
        self._root = root
        self._pg_template = pg_template  # the migrated empty database (a fixture, asked for lazily)
        self._pristine: dict[tuple[str, str], str] = {}
        self._shared: dict[tuple[str, str], tuple[str, Store]] = {}
        self._databases: list[str] = []

    def pristine(self, name: str, engine: str, load: Loader) -> str:
        """Where the loaded content lives; never opened after loading, only copied."""
        key = (name, engine)
        if key not in self._pristine:
            if engine == "duckdb":
                url = str(self._root / f"{name}.duckdb")
            else:
                database = pg_db_name(f"tmpl_{name}")
                url = pg_create(database, self._pg_template())
                self._databases.append(database)
            load(url)
            self._pristine[key] = url
        return self._pristine[key]

    def shared(self, name: str, engine: str, load: Loader) -> Store:
        """One open store per content and engine for the session: tests that only read share it."""
        key = (name, engine)
        if key not in self._shared:
            url = self._copy(name, engine, load, self._root / f"{name}-shared.duckdb")
            if engine != "duckdb":
                self._databases.append(url.rsplit("/", 1)[1])
            self._shared[key] = (url, open_store(url, migrate=False))
        return self._shared[key][1]

    def shared_url(self, name: str, engine: str, load: Loader) -> str:
        self.shared(name, engine, load)
        return self._shared[(name, engine)][0]

    @contextmanager
    def copy(self, name: str, engine: str, load: Loader, folder: Path) -> Iterator[str]:
        """A private copy for one test, removed after it."""
        url = self._copy(name, engine, load, folder / f"{name}.duckdb")
        try:
            yield url
        finally:
            if engine != "duckdb":
                pg_drop(url.rsplit("/", 1)[1])

    def _copy(self, name: str, engine: str, load: Loader, target: Path) -> str:
        source = self.pristine(name, engine, load)
        if engine == "duckdb":
            shutil.copyfile(source, target)
            return str(target)
        return pg_create(pg_db_name(name), source.rsplit("/", 1)[1])

    def close(self) -> None:
        for _, store in self._shared.values():
            store.close()
        self._shared.clear()
        if self._databases:
            pg_drop(*self._databases)
