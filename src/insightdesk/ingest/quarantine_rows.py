"""Turn every rejected record of a batch into a quarantine row: file, line, field, value, reason, raw.

Runs in the staging DuckDB after the merge; raw values are re-read for the rejected records only.
The result (temp table stg_quarantine) is then appended to the store.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from insightdesk.ingest.erased_subjects import ERASED_REASON
from insightdesk.ingest.readers import ROW, StagedFile
from insightdesk.ingest.sql import lit, q, scalar
from insightdesk.ingest.validate import CompiledKind

if TYPE_CHECKING:
    import duckdb


def _csv_lines(con: duckdb.DuckDBPyConnection, staged: StagedFile) -> None:
    """Add column __line to stg_rejected: the physical line where each CSV record starts.

    line = header + record number + line breaks inside earlier quoted values + lines before it
    that failed to parse (DuckDB reports those with their exact line).
    """
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
            WITH nl AS (SELECT {q(ROW)} AS r, sum({newline_counts}) OVER (ORDER BY {q(ROW)}
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
                        FROM {staged.reread}),
                 base AS (SELECT r, {staged.line_offset} + r + coalesce(before, 0) AS b FROM nl
                          WHERE r IN (SELECT __row FROM stg_rejected))
            SELECT r, b + (SELECT count(*) FROM stg_rej_pos p WHERE p.c <= base.b) AS line FROM base"""
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_rejected AS SELECT j.*, m.line AS __line FROM stg_rejected j "
        "LEFT JOIN stg_line_map m ON m.r = j.__row"
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
    raw_items: list[str] | None = None,
) -> int:
    """Fill temp table stg_quarantine; returns the number of rejected source records.

    `raw_items` (struct_pack items over the source) is what a minimised source keeps of a rejected
    record (minimise.py); None keeps every column as read. A minimised source keeps no unparsed line.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_rejected (__row BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR, "
        "errors VARCHAR)"
    )
    # Which records failed: checks, duplicates, references. Their raw text is re-read once.
    bad_rows = "SELECT __row FROM stg_typed WHERE NOT __ok"
    if dup_sql:
        bad_rows += " UNION ALL SELECT __row FROM stg_dups"
    bad_rows += " UNION ALL SELECT t.__row FROM stg_typed t JOIN stg_ref_rej r ON r.id = t.id"
    bad_rows += " UNION ALL SELECT t.__row FROM stg_typed t JOIN stg_erased e ON e.id = t.id"
    if scalar(con, f"SELECT count(*) FROM ({bad_rows})"):
        staged.materialise_rows(con, bad_rows)
        con.execute(
            f"""INSERT INTO stg_rejected
                SELECT __row, e[1].field, e[1].value, e[1].reason, CAST(to_json(e) AS VARCHAR) FROM (
                  SELECT {q(ROW)} AS __row, {compiled.errors_sql()} AS e
                  FROM {compiled.typed_relation(q(staged.table))}
                  WHERE {q(ROW)} IN (SELECT __row FROM stg_typed WHERE NOT __ok))"""
        )
        if dup_sql:
            con.execute(
                f"""INSERT INTO stg_rejected SELECT __row, 'id', substr(id, strpos(id, ':') + 1),
                    'duplicate id: the file has it ' || n || ' times; the last occurrence (record ' || kept ||
                    ' of the file) was kept', NULL FROM ({dup_sql})"""
            )
        con.execute(
            """INSERT INTO stg_rejected SELECT t.__row, r.field, substr(r.value, strpos(r.value, ':') + 1),
               'references unknown ' || r.field || ' ' || substr(r.value, strpos(r.value, ':') + 1) ||
               ' (not in the store nor in this file); load it first, then `insightdesk quarantine retry`', NULL
               FROM stg_typed t JOIN (SELECT DISTINCT ON (id) * FROM stg_ref_rej) r ON r.id = t.id
               WHERE t.__ok AND t.__row NOT IN (SELECT __row FROM stg_rejected)"""
        )
        # An erased person's rows: counted and refused, their values never kept (erased_subjects.py).
        con.execute(
            f"""INSERT INTO stg_rejected SELECT DISTINCT t.__row, NULL, NULL, {lit(ERASED_REASON)}, NULL
               FROM stg_typed t JOIN stg_erased e ON e.id = t.id
               WHERE t.__row NOT IN (SELECT __row FROM stg_rejected)"""
        )
    n_rows = scalar(con, "SELECT count(*) FROM stg_rejected")
    if not n_rows and not staged.parse_rejects:
        return 0  # a clean file: nothing to re-read
    if staged.fmt == "csv" and n_rows:
        _csv_lines(con, staged)
        line = "r.__line"
    else:
        line = "r.__row"
    raw_cols = ", ".join(raw_items or [q(c) for c in staged.columns]) or "NULL AS empty"
    raw_source = q(staged.table) if n_rows else f"(SELECT * FROM {staged.reread or staged.relation} LIMIT 0)"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE stg_quarantine AS
            SELECT {lit(batch_id)} || ':' || CAST({line} AS VARCHAR) AS quarantine_id, {lit(batch_id)} AS batch_id,
                   {lit(kind)} AS kind, {lit(source_file)} AS source_file, CAST({line} AS INTEGER) AS line,
                   substr(t.id, strpos(t.id, ':') + 1) AS record_key, r.field, r.value, r.reason,
                   coalesce(r.errors, CAST(to_json([{{'field': r.field, 'value': r.value, 'reason': r.reason}}])
                            AS VARCHAR)) AS errors,
                   CAST(to_json(raw) AS VARCHAR) AS raw, 'open' AS status,
                   TIMESTAMP '{now.isoformat(sep=" ")}' AS created_at
            FROM stg_rejected r JOIN (SELECT {q(ROW)}, struct_pack({raw_cols}) AS raw FROM {raw_source}) s
              ON s.{q(ROW)} = r.__row LEFT JOIN stg_typed t ON t.__row = r.__row"""
    )
    con.execute(
        f"UPDATE stg_quarantine SET record_key = NULL, field = NULL, value = NULL, raw = NULL, errors = NULL, "
        f"reason = {lit(ERASED_REASON)} WHERE line IN (SELECT {line.replace('r.', 'x.')} FROM stg_rejected x "
        "JOIN stg_typed t ON t.__row = x.__row JOIN stg_erased e ON e.id = t.id)"
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
                json.dumps({"__line": None if raw_items is not None else reject.raw_line}),
                now,
            ],
        )
    # PostgreSQL text cannot hold NUL: a reader's reason or key quoting one shows it escaped.
    # (Typed values arrive without NUL, raw records as JSON, which escapes it.)
    texts = ("record_key", "field", "value", "reason")
    con.execute(
        "UPDATE stg_quarantine SET "
        + ", ".join(f"{c} = replace({c}, chr(0), '\\x00')" for c in texts)
        + " WHERE "
        + " OR ".join(f"contains({c}, chr(0))" for c in texts)
    )
    return scalar(con, "SELECT count(*) FROM stg_quarantine")
