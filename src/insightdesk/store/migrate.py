"""Alembic, driven from code: the same revisions upgrade DuckDB and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

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


def head_revision() -> str:
    return str(ScriptDirectory.from_config(_config_for_scripts()).get_current_head())


def _config_for_scripts() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> str:
    if current_revision(store) == head_revision() and revision == "head":
        return head_revision()
    cfg = _config(store)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return str(current_revision(store))


def downgrade(store: Store, revision: str) -> str | None:
    cfg = _config(store)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    return current_revision(store)
