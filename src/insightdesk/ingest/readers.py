"""Read a source file into a DuckDB staging table of text columns, in bounded memory.

Every value stays text at this stage so that validation can report the value exactly as
the file had it. Lines that cannot be parsed at all (a wrong column count, broken JSON, bytes
that are not UTF-8) are kept with their line number and reason instead of stopping the whole
file; a file that cannot be a batch as a whole (missing, empty, cut short, corrupt, in another
encoding) raises SourceFileError naming the file and where. The formats live in `csv_reader`
and `jsonl_reader`, the checks on the bytes in `source`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.ingest.csv_reader import collect_csv_rejects, sql_str, stage_csv
from insightdesk.ingest.jsonl_reader import quote_ident, stage_jsonl
from insightdesk.ingest.source import SourceFileError, inspect_source
from insightdesk.ingest.staged import ROW, ParseReject, StagedFile

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

FORMATS = ("csv", "jsonl", "parquet")


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise SourceFileError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in (".csv", ".tsv", ".txt"):
        return "csv"
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if last in (".parquet", ".pq"):
        return "parquet"
    raise SourceFileError(f"{path}: cannot tell the format from the name; pass --format csv|jsonl|parquet")


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    workdir: Path,
    fmt: str | None = None,
    table: str = "stg_raw",
    delimiter: str | None = None,
    encoding: str | None = None,
    null_values: tuple[str, ...] = ("",),
) -> StagedFile:
    """Describe `path` as a relation of text columns plus __row on `con` (JSON Lines are parsed here).

    `workdir` is the batch's private staging folder: a transcoded copy of the file goes there.
    """
    fmt = detect_format(path, fmt)
    info = inspect_source(path, fmt)
    if fmt == "csv":
        return stage_csv(con, path, info, table, delimiter, encoding, workdir, null_values)
    if fmt == "jsonl":
        return stage_jsonl(con, path, info, table, encoding, workdir)
    return _stage_parquet(con, path, table)


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> StagedFile:
    import duckdb

    src = sql_str(str(path))
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({src})").fetchall()
    except duckdb.Error as exc:
        raise SourceFileError(f"{path}: cannot be read as Parquet: {_first_line(exc)}") from exc
    columns = [r[0] for r in described]
    casts = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in columns)
    relation = (
        f'(SELECT {casts}, file_row_number + 1 AS "{ROW}" FROM read_parquet({src}, file_row_number = true))'
    )
    return StagedFile(path, "parquet", relation, columns, 0, [], line_offset=0, table=table)


def read_error(path: Path, fmt: str | None, exc: BaseException) -> SourceFileError:
    """A DuckDB error met while scanning the file after staging (a corrupt Parquet page, a CSV the
    rejects table could not take) as one sentence naming the file and, for Parquet, where."""
    detail = re.sub(r'^.*?Error: (Failed to read file "[^"]*": )?', "", _first_line(exc))
    if detect_format(path, fmt) == "parquet":
        return SourceFileError(
            f"{path}: cannot be read{_parquet_damage(path)}: {detail}; the file is damaged, nothing was written"
        )
    return SourceFileError(f"{path}: cannot be read: {detail}; nothing was written")


def _parquet_damage(path: Path) -> str:
    """Which row group fails to decode, with its rows and bytes (each group read on its own)."""
    from insightdesk.store import scratch_duckdb

    con = scratch_duckdb()
    src = sql_str(str(path))
    try:
        groups = con.execute(
            f"""SELECT row_group_id, any_value(row_group_num_rows),
                       min(coalesce(dictionary_page_offset, data_page_offset)), sum(total_compressed_size)
                FROM parquet_metadata({src}) GROUP BY row_group_id ORDER BY row_group_id"""
        ).fetchall()
        first = 0
        for group, rows, offset, size in groups:
            try:
                con.execute(
                    f"SELECT max(length(CAST(COLUMNS(*) AS VARCHAR))) FROM read_parquet({src}, file_row_number = true) "
                    f"WHERE file_row_number BETWEEN {first} AND {first + rows - 1}"
                ).fetchall()
            except Exception:  # the damaged group: any error of DuckDB's says so
                return f" (row group {group}: records {first + 1:,} to {first + rows:,}, bytes {offset:,} to {offset + size:,})"
            first += rows
    except Exception:  # metadata unreadable too: the sentence goes without a place
        return ""
    finally:
        con.close()
    return ""


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().split("\n")[0][:300]


__all__ = [
    "FORMATS",
    "ROW",
    "ParseReject",
    "SourceFileError",
    "StagedFile",
    "collect_csv_rejects",
    "detect_format",
    "stage_file",
]
