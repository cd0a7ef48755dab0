"""Read a source file into a DuckDB staging table of text columns, in bounded memory.

Every value stays text at this stage so that validation can report the value exactly as
the file had it. Lines that cannot be parsed at all (a wrong column count, broken JSON)
are kept with their line number and reason instead of stopping the whole file.
"""

from __future__ import annotations

import codecs
import gzip
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

FORMATS = ("csv", "jsonl", "parquet")
ROW = "__row"  # 1-based record number in file order
# DuckDB decodes these itself; any other encoding is transcoded to UTF-8 first.
NATIVE_ENCODINGS = {"utf-8": "utf-8", "utf-16": "utf-16", "iso8859-1": "latin-1", "latin-1": "latin-1"}


class SourceFileError(ValueError):
    """The file cannot be read as a whole (missing, wrong encoding, not the stated format)."""


@dataclass
class ParseReject:
    line: int
    column: str | None
    reason: str
    raw_line: str


@dataclass
class StagedFile:
    path: Path
    fmt: str
    table: str
    columns: list[str]
    rows: int
    parse_rejects: list[ParseReject] = field(default_factory=list)
    # CSV: line numbers are physical lines, derived from record order (see line_numbers()).
    line_offset: int = 1

    @property
    def received(self) -> int:
        return self.rows + len(self.parse_rejects)


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


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    fmt: str | None = None,
    table: str = "stg_raw",
    delimiter: str | None = None,
    encoding: str | None = None,
    workdir: Path | None = None,
) -> StagedFile:
    """Load `path` into temp table `table` (all VARCHAR plus __row) on `con`."""
    if not path.is_file():
        raise SourceFileError(f"{path}: no such file")
    fmt = detect_format(path, fmt)
    con.execute(f'DROP TABLE IF EXISTS "{table}"')
    if fmt == "csv":
        return _stage_csv(con, path, table, delimiter, encoding, workdir)
    if fmt == "jsonl":
        return _stage_jsonl(con, path, table, encoding, workdir)
    return _stage_parquet(con, path, table)


def _transcode(path: Path, encoding: str, workdir: Path | None) -> Path:
    """Re-encode to UTF-8 in a temp file, streaming, naming the first undecodable byte."""
    out = Path(tempfile.mkstemp(suffix=".csv", dir=workdir)[1])
    opener = gzip.open if _is_gzip(path) else open
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    with opener(path, "rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        offset = 0
        while chunk := src.read(1 << 20):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_line = line + chunk[: exc.start].count(b"\n")
                bad = chunk[exc.start : exc.start + 1].hex()
                raise SourceFileError(
                    f"{path}: line {bad_line}: byte 0x{bad} at offset {offset + exc.start} "
                    f"cannot be decoded as {encoding}; pass the file's real encoding with --encoding"
                ) from exc
            line += chunk.count(b"\n")
            offset += len(chunk)
            dst.write(text)
        dst.write(decoder.decode(b"", final=True))
    return out


def _normalise_encoding(encoding: str | None) -> str:
    name = codecs.lookup(encoding or "utf-8").name
    return name


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    delimiter: str | None,
    encoding: str | None,
    workdir: Path | None,
) -> StagedFile:
    enc = _normalise_encoding(encoding)
    source = path
    if enc not in NATIVE_ENCODINGS:
        source = _transcode(path, enc, workdir)
        enc = "utf-8"
    opts = [
        "all_varchar = true",
        "header = true",
        "store_rejects = true",
        f"rejects_table = '{table}_rejects'",
        f"rejects_scan = '{table}_scan'",
        f"encoding = '{NATIVE_ENCODINGS[enc]}'",
        "sample_size = 20480",
    ]
    if delimiter:
        opts.append(f"delim = {_sql_str(delimiter)}")
    if source.suffix != ".gz" and _is_gzip(source):
        opts.append("compression = 'gzip'")
    con.execute(f'DROP TABLE IF EXISTS "{table}_rejects"; DROP TABLE IF EXISTS "{table}_scan"')
    import duckdb

    try:
        con.execute(
            # row_number() OVER () runs as a streaming window in scan order: the record number.
            f'CREATE TEMP TABLE "{table}" AS SELECT *, row_number() OVER () AS "{ROW}" '
            f"FROM read_csv({_sql_str(str(source))}, {', '.join(opts)})"
        )
    except duckdb.Error as exc:
        raise SourceFileError(f"{path}: cannot be read as CSV: {_first_line(exc)}") from exc
    rejects = con.execute(
        f"""SELECT line, any_value(column_name), string_agg(DISTINCT error_type, '; '),
                   string_agg(DISTINCT error_message, ' '), any_value(csv_line)
            FROM "{table}_rejects" GROUP BY line ORDER BY line"""
    ).fetchall()
    encoding_errors = [r for r in rejects if "INVALID ENCODING" in (r[2] or "")]
    if encoding_errors:
        first = encoding_errors[0]
        raise SourceFileError(
            f"{path}: line {first[0]}: bytes that are not valid {NATIVE_ENCODINGS[enc]} "
            f"({len(encoding_errors)} line(s) affected); the file is in another encoding: "
            "pass it with --encoding (for example --encoding cp1252)"
        )
    parse_rejects = [
        ParseReject(line=int(r[0]), column=r[1], reason=_reject_reason(r[2], r[3]), raw_line=r[4] or "")
        for r in rejects
    ]
    columns = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall() if r[0] != ROW]
    rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return StagedFile(path, "csv", table, columns, rows, parse_rejects, line_offset=1)


def _reject_reason(error_type: str | None, message: str | None) -> str:
    kind = (error_type or "").lower().replace("_", " ")
    detail = (message or "").split("\n")[0]
    return f"unparseable CSV line ({kind}): {detail}".strip()


def _stage_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, encoding: str | None, workdir: Path | None
) -> StagedFile:
    enc = _normalise_encoding(encoding)
    source = path if enc == "utf-8" else _transcode(path, enc, workdir)
    import duckdb

    lines_table = f"{table}_lines"
    con.execute(f'DROP TABLE IF EXISTS "{lines_table}"')
    try:
        # One VARCHAR column per physical line: the record separator (0x1E) never occurs
        # unescaped in valid JSON, so each line arrives whole and numbered.
        con.execute(
            f"""CREATE TEMP TABLE "{lines_table}" AS
                SELECT j, row_number() OVER () AS line FROM read_csv({_sql_str(str(source))},
                    columns = {{'j': 'VARCHAR'}}, header = false, delim = '\x1e', quote = '',
                    escape = '', auto_detect = false, strict_mode = false)"""
        )
    except duckdb.Error as exc:
        raise SourceFileError(f"{path}: cannot be read as JSON Lines: {_first_line(exc)}") from exc
    bad = con.execute(
        f"""SELECT line, j FROM "{lines_table}"
            WHERE j IS NOT NULL AND (NOT json_valid(j) OR json_type(j::JSON) <> 'OBJECT') ORDER BY line"""
    ).fetchall()
    parse_rejects = [
        ParseReject(line=int(line), column=None, reason="not a valid JSON object", raw_line=text or "")
        for line, text in bad
    ]
    keys = [
        r[0]
        for r in con.execute(
            f"""SELECT k FROM (SELECT unnest(json_keys(j::JSON)) AS k, line FROM "{lines_table}"
                WHERE j IS NOT NULL AND json_valid(j) AND json_type(j::JSON) = 'OBJECT')
                GROUP BY k ORDER BY min(line)"""
        ).fetchall()
    ]
    projections = ", ".join(
        f"json_extract_string(j::JSON, {_sql_str('$.' + _json_path_key(k))}) AS {_quote_ident(k)}"
        for k in keys
    )
    select = f"{projections}, " if projections else ""
    con.execute(
        f"""CREATE TEMP TABLE "{table}" AS SELECT {select} line AS "{ROW}" FROM "{lines_table}"
            WHERE j IS NOT NULL AND json_valid(j) AND json_type(j::JSON) = 'OBJECT' ORDER BY line"""
    )
    con.execute(f'DROP TABLE "{lines_table}"')
    rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return StagedFile(path, "jsonl", table, keys, rows, parse_rejects, line_offset=0)


def _json_path_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> StagedFile:
    import duckdb

    src = _sql_str(str(path))
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({src})").fetchall()
    except duckdb.Error as exc:
        raise SourceFileError(f"{path}: cannot be read as Parquet: {_first_line(exc)}") from exc
    columns = [r[0] for r in described]
    casts = ", ".join(f"CAST({_quote_ident(c)} AS VARCHAR) AS {_quote_ident(c)}" for c in columns)
    con.execute(
        f"""CREATE TEMP TABLE "{table}" AS SELECT {casts}, file_row_number + 1 AS "{ROW}"
            FROM read_parquet({src}, file_row_number = true)"""
    )
    rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return StagedFile(path, "parquet", table, columns, rows, [], line_offset=0)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().split("\n")[0]
