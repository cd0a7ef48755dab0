"""Conditional updates that say how many rows they changed, on both engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def changed_rows(conn: sa.Connection, update: Any, key: sa.ColumnElement[Any]) -> int:
    """Rows an UPDATE changed, counted through RETURNING (DuckDB's driver reports no rowcount)."""
    return len(conn.execute(update.returning(key)).all())
