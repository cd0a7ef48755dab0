"""How many rows a statement changed, on both engines (DuckDB's driver reports no rowcount)."""

from __future__ import annotations

import sqlalchemy as sa


def changed(conn: sa.Connection, statement: sa.Update | sa.Delete) -> int:
    """Run an UPDATE or DELETE and return the number of rows it changed (via RETURNING)."""
    return len(conn.execute(statement.returning(sa.literal_column("1"))).fetchall())
