"""The only code that opens a database: DuckDB (embedded default) or PostgreSQL (by URL)."""

from insightdesk.store.connection import Store, open_store, resolve_target
from insightdesk.store.errors import StoreError, StoreLocked
from insightdesk.store.scratch import scratch_duckdb

__all__ = ["Store", "StoreError", "StoreLocked", "open_store", "resolve_target", "scratch_duckdb"]
