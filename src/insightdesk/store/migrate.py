"""Alembic, driven from code: the same revisions upgrade DuckDB and PostgreSQL."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from insightdesk.store.errors import StoreError, one_line

if TYPE_CHECKING:
    from insightdesk.store.connection import Store

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DuckDBImpl(DefaultImpl):
    """Alembic has no DuckDB dialect of its own; DuckDB's DDL is close enough to the default."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def _config(store: Store) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@functools.cache
def head_revision() -> str:
    # Cached: reading the scripts executes every revision file (about 4 ms), every store open asks,
    # and the scripts cannot change under a running process.
    return str(ScriptDirectory.from_config(_config_for_scripts()).get_current_head())


def _config_for_scripts() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def current_revision(store: Store) -> str | None:
    # The version table read directly first: Alembic's own way inspects the catalog before reading
    # it (six times the cost), which every store open paid. Without the table (a new store, another
    # application's database) Alembic's answer stands.
    try:
        with store.engine.connect() as conn:
            versions = conn.execute(sa.text("select version_num from alembic_version")).scalars().all()
    except sa.exc.DBAPIError:
        versions = []
    if len(versions) == 1:
        return str(versions[0])
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> str:
    """Bring the schema to `revision`, all in one transaction; a database that cannot be brought
    there (another application's, or one of a newer InsightDesk) raises `StoreError`, unchanged."""
    if current_revision(store) == head_revision() and revision == "head":
        return head_revision()
    cfg = _config(store)
    try:
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except CommandError as exc:  # a revision this version does not know: a newer InsightDesk made it
        raise StoreError(
            f"store {store.display_target} has a schema this InsightDesk does not know ({one_line(exc)}); "
            "use the InsightDesk version that made it, or a newer one"
        ) from exc
    except sa.exc.DBAPIError as exc:
        raise StoreError(
            f"store {store.display_target} could not be given InsightDesk's tables ({one_line(exc.orig)}); "
            "is it another application's database? Pass a new file or an empty database"
        ) from exc
    return str(current_revision(store))


def downgrade(store: Store, revision: str) -> str | None:
    cfg = _config(store)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    return current_revision(store)
