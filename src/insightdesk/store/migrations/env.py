"""Alembic environment: the caller hands over an open connection (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

import insightdesk.store.migrate  # noqa: F401  (registers the DuckDB impl)

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
