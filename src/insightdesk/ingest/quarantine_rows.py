"""Turn every rejected record of a batch into a quarantine row: file, line, field, value, reason, raw.

Runs in the staging DuckDB; the result (stg_quarantine) is then appended to the store.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from insightdesk.ingest.readers import ROW, StagedFile
from insightdesk.ingest.validate import CompiledKind, lit, q

if TYPE_CHECKING:
    import duckdb


def _csv_lines(con: duckdb.DuckDBPyConnection, staged: StagedFile, rows_table: str) -> None:
    """Add column __line to `rows_table` (which has __row) for a CSV source."""
    newline_counts = (
        " + ".join(
            f"coalesce(length({q(c)}) - length(replace({q(c)}, chr(10), '')), 0)" for c in staged.columns
        )
        or "0"
    )
    rejected_lines = sorted(r.line for r in staged.parse_rejects)
    compressed = [line - i for i, line in enumerate(rejected_lines)]
    con.execute("CREATE OR REPLACE TEMP TABLE stg_rej_pos (c BIGINT)")
    if compressed:
        con.executemany("INSERT INTO stg_rej_pos VALUES (?)", [(c,) for c in compressed])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE stg_line_map AS
            WITH nl AS (SELECT {q(ROW)}, sum({newline_counts}) OVER (ORDER BY {q(ROW)}
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
                        FROM {q(staged.table)}),
                 base AS (SELECT {q(ROW)}, {staged.line_offset} + {q(ROW)} + coalesce(before, 0) AS b FROM nl
                          WHERE {q(ROW)} IN (SELECT __row FROM {rows_table}))
            SELECT {q(ROW)}, b + (SELECT count(*) FROM stg_rej_pos p WHERE p.c <= base.b) AS __line FROM base"""
    )
    con.execute(f"ALTER TABLE {rows_table} ADD COLUMN __line BIGINT")
    con.execute(
        f"UPDATE {rows_table} SET __line = m.__line FROM stg_line_map m WHERE m.{q(ROW)} = {rows_table}.__row"
    )
    con.execute("DROP TABLE stg_line_map; DROP TABLE stg_rej_pos")


def build_quarantine(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    compiled: CompiledKind,
    batch_id: str,
    kind: str,
    source_file: str,
    now: datetime,
    dup_sql: str,
    ref_rejects: list[tuple[str, str, str]],
) -> int:
    """Fill temp table stg_quarantine; returns the number of rejected source records."""
    errors_list = (
        "["
        + ", ".join(
            f"CASE WHEN coalesce({c.condition}, FALSE) THEN {{'field': {lit(c.field)}, "
            f"'value': CAST({c.value} AS VARCHAR), 'reason': CAST({c.reason_expr()} AS VARCHAR)}} END"
            for c in compiled.checks
        )
        + "]"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_rejected (__row BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR, "
        "errors VARCHAR)"
    )
    con.execute(
        f"""INSERT INTO stg_rejected
            SELECT __row, e[1].field, e[1].value, e[1].reason, CAST(to_json(e) AS VARCHAR) FROM (
              SELECT {q(ROW)} AS __row, list_filter({errors_list}, x -> x IS NOT NULL) AS e
              FROM (SELECT {compiled.raw_select} FROM {q(staged.table)}
                    WHERE {q(ROW)} IN (SELECT __row FROM stg_typed WHERE NOT __ok)))"""
    )
    if dup_sql:
        con.execute(
            f"""INSERT INTO stg_rejected SELECT __row, 'id', substr(id, strpos(id, ':') + 1),
                'duplicate id: the file has it ' || n || ' times; the last occurrence (record ' || kept ||
                ') was kept', NULL FROM ({dup_sql})"""
        )
    if ref_rejects:
        con.execute("CREATE OR REPLACE TEMP TABLE stg_ref_rej (id VARCHAR, field VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO stg_ref_rej VALUES (?, ?, ?)", ref_rejects)
        con.execute(
            """INSERT INTO stg_rejected SELECT t.__row, r.field, substr(r.value, strpos(r.value, ':') + 1),
               'references unknown ' || r.field || ' ' || substr(r.value, strpos(r.value, ':') + 1) ||
               ' (not in the store nor in this file); load it first, then `insightdesk quarantine retry`', NULL
               FROM stg_typed t JOIN (SELECT DISTINCT ON (id) * FROM stg_ref_rej) r ON r.id = t.id
               WHERE t.__ok AND t.__row NOT IN (SELECT __row FROM stg_rejected)"""
        )
        if _has(con, "stg_events"):
            con.execute("DELETE FROM stg_events WHERE ticket_id IN (SELECT id FROM stg_ref_rej)")
    n_rows = con.execute("SELECT count(*) FROM stg_rejected").fetchone()[0]
    if staged.fmt == "csv" and n_rows:
        _csv_lines(con, staged, "stg_rejected")
        line = "r.__line"
    else:
        line = "r.__row"
    raw_cols = ", ".join(q(c) for c in staged.columns) or "NULL AS empty"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE stg_quarantine AS
            SELECT {lit(batch_id)} || ':' || CAST({line} AS VARCHAR) AS quarantine_id, {lit(batch_id)} AS batch_id,
                   {lit(kind)} AS kind, {lit(source_file)} AS source_file, CAST({line} AS INTEGER) AS line,
                   substr(t.id, strpos(t.id, ':') + 1) AS record_key, r.field, r.value, r.reason,
                   coalesce(r.errors, CAST(to_json([{{'field': r.field, 'value': r.value, 'reason': r.reason}}])
                            AS VARCHAR)) AS errors,
                   CAST(to_json(raw) AS VARCHAR) AS raw, 'open' AS status,
                   TIMESTAMP '{now.isoformat(sep=" ")}' AS created_at
            FROM stg_rejected r JOIN (SELECT {q(ROW)}, struct_pack({raw_cols}) AS raw FROM {q(staged.table)}) s
              ON s.{q(ROW)} = r.__row LEFT JOIN stg_typed t ON t.__row = r.__row"""
    )
    for reject in staged.parse_rejects:
        con.execute(
            "INSERT INTO stg_quarantine VALUES (?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?, 'open', ?)",
            [
                f"{batch_id}:{reject.line}",
                batch_id,
                kind,
                source_file,
                reject.line,
                reject.column or "(line)",
                reject.reason,
                json.dumps([{"field": reject.column, "value": None, "reason": reject.reason}]),
                json.dumps({"__line": reject.raw_line}),
                now,
            ],
        )
    return con.execute("SELECT count(*) FROM stg_quarantine").fetchone()[0]


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [table]
        ).fetchone()[0]
    )
