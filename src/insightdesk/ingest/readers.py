"""Read a source file into a DuckDB staging table of text columns, in bounded memory.

Every value stays text at this stage so that validation can report the value exactly as
the file had it. Lines that cannot be parsed at all (a wrong column count, broken JSON)
are kept with their line number and reason instead of stopping the whole file.
"""

from __future__ import annotations

import codecs
import gzip
import logging
import re
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
    """A source file as a relation of text columns plus __row, scanned once by validation.

    `relation` is SQL for a FROM clause. Raw values are re-read only for rejected records
    (`materialise_rows`), so a clean file is read exactly once.
    """

    path: Path
    fmt: str
    relation: str
    columns: list[str]
    rows: int = 0
    parse_rejects: list[ParseReject] = field(default_factory=list)
    line_offset: int = 1  # CSV: the header line
    reread: str = ""  # FROM clause that numbers records exactly as `relation` does, without side effects
    table: str = "stg_raw"  # where materialise_rows puts the raw records
    encoding: str = "utf-8"
    numbered: bool = True  # False: `relation` leaves __row NULL; number the scan's result in file order
    reader_nulls: bool = False  # the reader already turned the mapping's null tokens into NULL

    @property
    def received(self) -> int:
        return self.rows + len(self.parse_rejects)

    def materialise_rows(self, con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
        """Raw source records whose __row is in `rows_sql`, into temp table `self.table`."""
        con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{self.table}" AS SELECT * FROM {self.reread or self.relation} '
            f'WHERE "{ROW}" IN ({rows_sql})'
        )


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
    null_values: tuple[str, ...] = ("",),
) -> StagedFile:
    """Describe `path` as a relation of text columns plus __row on `con` (JSON Lines are parsed here)."""
    if not path.is_file():
        raise SourceFileError(f"{path}: no such file")
    fmt = detect_format(path, fmt)
    if fmt == "csv":
        return _stage_csv(con, path, table, delimiter, encoding, workdir, null_values)
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
    null_values: tuple[str, ...],
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
        "sample_size = 4096",  # enough to sniff the dialect; every value is read as text anyway
        # The mapping's null tokens, applied by the reader for free.
        "nullstr = [" + ", ".join(_sql_str(v) for v in dict.fromkeys(("", *null_values))) + "]",
    ]
    if delimiter:
        opts.append(f"delim = {_sql_str(delimiter)}")
    if source.suffix != ".gz" and _is_gzip(source):
        opts.append("compression = 'gzip'")
    import duckdb

    src = _sql_str(str(source))
    base = [o for o in opts if not o.startswith(("store_rejects", "rejects_"))]
    try:
        # Sniff as the scans will read: skipping unparseable lines, so a bad line cannot hide the header.
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_csv({src}, {', '.join([*base, 'ignore_errors = true'])})"
        ).fetchall()
    except duckdb.Error as exc:
        message = str(exc)
        if "unicode" in message.lower():
            found = re.search(r"Line: (\d+)", message)
            where = f"line {found.group(1)}: " if found else ""
            raise SourceFileError(
                f"{path}: {where}bytes that are not valid {NATIVE_ENCODINGS[enc]}; the file is in another "
                "encoding: pass it with --encoding (for example --encoding cp1252)"
            ) from exc
        raise SourceFileError(f"{path}: cannot be read as CSV: {_first_line(exc)}") from exc
    columns = [r[0] for r in described]
    con.execute(f'DROP TABLE IF EXISTS "{table}_rejects"; DROP TABLE IF EXISTS "{table}_scan"')
    # row_number() OVER () runs as a streaming window in scan order: the record number. Lines
    # that fail to parse go to the rejects table (first scan) or are skipped the same way (re-read).
    # No row_number() here: a window, even a streaming one, makes everything after it single-threaded.
    # The first scan is numbered afterwards from the insertion order of its result (numbered=False).
    relation = f'(SELECT *, CAST(NULL AS BIGINT) AS "{ROW}" FROM read_csv({src}, {", ".join(opts)}))'
    reread = f'(SELECT *, row_number() OVER () AS "{ROW}" FROM read_csv({src}, {", ".join([*base, "ignore_errors = true"])}))'
    return StagedFile(
        path,
        "csv",
        relation,
        columns,
        line_offset=1,
        reread=reread,
        table=table,
        encoding=NATIVE_ENCODINGS[enc],
        numbered=False,
        reader_nulls=True,
    )


def collect_csv_rejects(con: duckdb.DuckDBPyConnection, staged: StagedFile) -> None:
    """After the first scan: keep unparseable lines, and stop on bytes of the wrong encoding."""
    if staged.fmt != "csv":
        return
    table = staged.table
    rejects = con.execute(
        f"""SELECT line, any_value(column_name), string_agg(DISTINCT error_type, '; '),
                   string_agg(DISTINCT error_message, ' '), any_value(csv_line)
            FROM "{table}_rejects" GROUP BY line ORDER BY line"""
    ).fetchall()
    encoding_errors = [r for r in rejects if "INVALID ENCODING" in (r[2] or "")]
    if encoding_errors:
        first = encoding_errors[0]
        raise SourceFileError(
            f"{staged.path}: line {first[0]}: bytes that are not valid {staged.encoding} "
            f"({len(encoding_errors)} line(s) affected); the file is in another encoding: "
            "pass it with --encoding (for example --encoding cp1252)"
        )
    staged.parse_rejects = [
        ParseReject(line=int(r[0]), column=r[1], reason=_reject_reason(r[2], r[3]), raw_line=r[4] or "")
        for r in rejects
    ]


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
        f"""CREATE OR REPLACE TEMP TABLE "{table}_json" AS SELECT {select} line AS "{ROW}" FROM "{lines_table}"
            WHERE j IS NOT NULL AND json_valid(j) AND json_type(j::JSON) = 'OBJECT' ORDER BY line"""
    )
    con.execute(f'DROP TABLE "{lines_table}"')
    return StagedFile(path, "jsonl", f'"{table}_json"', keys, 0, parse_rejects, line_offset=0, table=table)


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
    relation = (
        f'(SELECT {casts}, file_row_number + 1 AS "{ROW}" FROM read_parquet({src}, file_row_number = true))'
    )
    return StagedFile(path, "parquet", relation, columns, 0, [], line_offset=0, table=table)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().split("\n")[0]
