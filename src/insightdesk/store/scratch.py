"""Scratch DuckDB: a private in-memory database for work beside the store, never the store itself.

Ingesting into PostgreSQL stages and validates the file in one (the checks are DuckDB SQL);
anything else that needs DuckDB's engine over files without a store opens one here, so this
package stays the only code that connects to a database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def scratch_duckdb(temp_directory: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection (the caller closes it); spills go to `temp_directory`."""
    import duckdb

    from insightdesk.store.duckdb_files import duckdb_config

    con = duckdb.connect(config=duckdb_config())
    if temp_directory is not None:
        con.execute(f"SET temp_directory = '{temp_directory}'")
    return con
