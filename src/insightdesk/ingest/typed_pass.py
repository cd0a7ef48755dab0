"""The one full pass over a staged file: read, type, check and hash every record, numbered in file order.

A CSV is read with DuckDB's own reader, which has no record number. Numbering in the scan
(`row_number() OVER ()`) would make everything after it single-threaded, so the typed rows are
written to a table and numbered afterwards by insertion order (rowid). That holds only when every
operator of the query keeps its input's order: DuckDB keeps it through projections and filters
(`preserve_insertion_order`), not through a join, which it may also plan for an expression (an IN
list of five or more constants). Such a plan would number the records of a parallel scan (a CSV
over 32 MB on several threads) out of file order, and every rejected record would name the wrong
line. So the plan is checked first; a query that might reorder runs over a plain copy of the scan,
numbered before the typing.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from insightdesk.ingest.readers import ROW, StagedFile
from insightdesk.ingest.sql import q, scalar
from insightdesk.ingest.staging import ProgressFn, progress_poller
from insightdesk.ingest.validate import CompiledKind

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

# Physical operators that pass rows on in the order they got them (and the scans that start a plan).
ORDER_KEEPING = frozenset({"PROJECTION", "FILTER", "READ_CSV", "READ_CSV_AUTO", "TABLE_SCAN", "SEQ_SCAN"})


def keeps_scan_order(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    """Whether DuckDB's plan for `sql` has only operators that keep the order of the scan."""
    text = con.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchall()[0][1]
    pending = list(json.loads(text))
    while pending:
        node = pending.pop()
        if node["name"] not in ORDER_KEEPING:
            return False
        pending.extend(node.get("children", []))
    return True


def typed_query(compiled: CompiledKind, relation: str, hash_col: str) -> str:
    raw_cols = ", ".join(q(c) for c in compiled.raw_names)
    return (
        f"SELECT * EXCLUDE ({raw_cols}) FROM (SELECT *, {compiled.ok_sql()} AS __ok{hash_col} "
        f"FROM {compiled.typed_relation(relation)})"
    )


def type_and_check(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    compiled: CompiledKind,
    hash_col: str,
    progress: ProgressFn | None,
) -> None:
    """Leave the typed, checked and numbered records in `stg_typed` (a table or a view)."""
    typed = typed_query(compiled, staged.relation, hash_col)
    with progress_poller(con, "read + validate", 0.05, 0.7, progress):
        if staged.numbered:
            con.execute(f"CREATE OR REPLACE TEMP TABLE stg_typed AS {typed}")
            return
        if not keeps_scan_order(con, typed):
            log.debug("the typing query may reorder rows: numbering a plain copy of the scan first")
            con.execute(f"CREATE OR REPLACE TEMP TABLE stg_scan_copy AS SELECT * FROM {staged.relation}")
            first = _first_rowid(con, "stg_scan_copy")
            numbered = f"(SELECT * REPLACE (rowid - {first} + 1 AS {q(ROW)}) FROM stg_scan_copy)"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE stg_typed AS {typed_query(compiled, numbered, hash_col)}"
            )
            con.execute("DROP TABLE stg_scan_copy")
            return
        # With insertion order preserved, the rows of the result sit in file order: their rowids
        # are consecutive (offset inside a transaction), so rowid - min + 1 is the record number.
        con.execute(f"CREATE OR REPLACE TEMP TABLE stg_typed_scan AS {typed}")
        first = _first_rowid(con, "stg_typed_scan")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW stg_typed AS SELECT * EXCLUDE ({q(ROW)}), "
            f"rowid - {first} + 1 AS {q(ROW)} FROM stg_typed_scan"
        )


def _first_rowid(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The rowid of `table`'s first row: rowids are consecutive but offset inside a transaction."""
    return int(scalar(con, f"SELECT min(rowid) FROM {table}") or 0)
