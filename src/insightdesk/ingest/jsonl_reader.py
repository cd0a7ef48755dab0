"""JSON Lines into DuckDB: one text column per key, each line numbered as it is in the file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.ingest.csv_reader import resolve_encoding, sql_str
from insightdesk.ingest.line_rejects import cut_short, read_rejects
from insightdesk.ingest.source import MAX_LINE_BYTES, RAW_CHARS, SourceFileError, SourceInfo, transcode
from insightdesk.ingest.staged import ROW, ParseReject, StagedFile

if TYPE_CHECKING:
    import duckdb

NOT_JSON = "not a valid JSON object"


def stage_jsonl(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    info: SourceInfo,
    table: str,
    encoding: str | None,
    workdir: Path,
) -> StagedFile:
    enc = resolve_encoding(path, info, encoding)
    source = info
    if enc != "utf-8":  # DuckDB reads the lines as UTF-8; anything else is transcoded first
        source = transcode(path, info.gzip, enc, workdir)
    import duckdb

    lines, rejects = f"{table}_lines", f"{table}_line_rejects"
    con.execute(
        f'DROP TABLE IF EXISTS "{lines}"; DROP TABLE IF EXISTS "{rejects}"; DROP TABLE IF EXISTS "{rejects}_scan"'
    )
    compression = ", compression = 'gzip'" if source.gzip else ""
    try:
        # One VARCHAR column per physical line: the record separator (0x1E) never occurs
        # unescaped in valid JSON, so each line arrives whole. Lines DuckDB cannot take (bytes
        # that are not UTF-8, over-long lines) go to its rejects table; r counts the others.
        con.execute(
            f"""CREATE TEMP TABLE "{lines}" AS
                SELECT j, row_number() OVER () AS r FROM read_csv({sql_str(str(source.path))},
                    columns = {{'j': 'VARCHAR'}}, header = false, delim = '\x1e', quote = '',
                    escape = '', auto_detect = false, strict_mode = false, max_line_size = {MAX_LINE_BYTES},
                    store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan'{compression})"""
        )
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0][:300]
        raise SourceFileError(f"{path}: cannot be read as JSON Lines: {first}") from exc
    records = _scalar(con, f'SELECT count(*) FROM "{lines}" WHERE j IS NOT NULL') + _scalar(
        con, f'SELECT count(DISTINCT line) FROM "{rejects}"'
    )
    parse_rejects = read_rejects(con, rejects, path, source, records, "JSON Lines")
    # A line's number is r plus the rejected lines before it (their positions among the read ones).
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{lines}_skip" (c BIGINT)')
    skipped = sorted(p.line for p in parse_rejects)
    if skipped:
        con.executemany(f'INSERT INTO "{lines}_skip" VALUES (?)', [(n - i,) for i, n in enumerate(skipped)])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE "{lines}" AS SELECT j, r + (SELECT count(*) FROM "{lines}_skip" s
            WHERE s.c <= r) AS line FROM "{lines}" """
    )
    bad = con.execute(
        f"""SELECT line, j FROM "{lines}"
            WHERE j IS NOT NULL AND (NOT json_valid(j) OR json_type(j::JSON) <> 'OBJECT') ORDER BY line"""
    ).fetchall()
    last = _scalar(con, f'SELECT coalesce(max(line), 0) FROM "{lines}"')
    if bad and int(bad[-1][0]) == last and not source.ends_with_newline and last > max(skipped, default=0):
        raise cut_short(path, last, NOT_JSON)
    parse_rejects += [
        ParseReject(line=int(line), column=None, reason=NOT_JSON, raw_line=(text or "")[:RAW_CHARS])
        for line, text in bad
    ]
    parse_rejects.sort(key=lambda p: p.line)
    keys = [
        r[0]
        for r in con.execute(
            f"""SELECT k FROM (SELECT unnest(json_keys(j::JSON)) AS k, line FROM "{lines}"
                WHERE j IS NOT NULL AND json_valid(j) AND json_type(j::JSON) = 'OBJECT')
                GROUP BY k ORDER BY min(line)"""
        ).fetchall()
    ]
    projections = ", ".join(
        f"json_extract_string(j::JSON, {sql_str('$.' + _json_path_key(k))}) AS {quote_ident(k)}" for k in keys
    )
    select = f"{projections}, " if projections else ""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE "{table}_json" AS SELECT {select} line AS "{ROW}" FROM "{lines}"
            WHERE j IS NOT NULL AND json_valid(j) AND json_type(j::JSON) = 'OBJECT' ORDER BY line"""
    )
    con.execute(
        f'DROP TABLE "{lines}"; DROP TABLE "{lines}_skip"; DROP TABLE "{rejects}"; DROP TABLE "{rejects}_scan"'
    )
    return StagedFile(
        path, "jsonl", f'"{table}_json"', keys, 0, parse_rejects, line_offset=0, table=table, source=source
    )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _json_path_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
