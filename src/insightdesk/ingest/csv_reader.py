"""CSV into DuckDB as text columns: the dialect sniffed once, lines that fail to parse kept aside.

DuckDB reads UTF-8 and latin-1 itself; any other encoding (named by --encoding, or by a UTF-16 or
UTF-32 byte-order mark) is transcoded to UTF-8 in the private staging folder first.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.ingest.line_rejects import read_rejects
from insightdesk.ingest.source import (
    MAX_LINE_BYTES,
    SourceFileError,
    SourceInfo,
    likely_encoding,
    open_content,
    transcode,
)
from insightdesk.ingest.staged import ROW, StagedFile

if TYPE_CHECKING:
    import duckdb

# DuckDB decodes these itself; any other encoding is transcoded to UTF-8 first.
NATIVE_ENCODINGS = {"utf-8": "utf-8", "iso8859-1": "latin-1", "latin-1": "latin-1"}


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def resolve_encoding(path: Path, info: SourceInfo, encoding: str | None) -> str:
    """The codec to read with: a byte-order mark decides, else --encoding, else UTF-8."""
    if info.bom_encoding in ("utf-16", "utf-32"):
        return info.bom_encoding
    if info.bom_encoding == "utf-8-sig":
        return "utf-8"  # DuckDB skips a UTF-8 byte-order mark itself
    try:
        return codecs.lookup(encoding or "utf-8").name
    except LookupError as exc:
        raise SourceFileError(
            f"{path}: unknown encoding {encoding!r} (try utf-8, cp1252, latin-1 or utf-16)"
        ) from exc


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    info: SourceInfo,
    table: str,
    delimiter: str | None,
    encoding: str | None,
    workdir: Path,
    null_values: tuple[str, ...],
) -> StagedFile:
    enc = resolve_encoding(path, info, encoding)
    source = info
    if enc not in NATIVE_ENCODINGS:
        source = transcode(path, info.gzip, enc, workdir)
        enc = "utf-8"
    elif enc == "utf-8" and info.first_line is not None:
        _check_header(path, info.first_line)
    opts = [
        "all_varchar = true",
        "header = true",
        "store_rejects = true",
        f"rejects_table = '{table}_rejects'",
        f"rejects_scan = '{table}_scan'",
        f"encoding = '{NATIVE_ENCODINGS[enc]}'",
        "sample_size = 4096",  # enough to sniff the dialect; every value is read as text anyway
        f"max_line_size = {MAX_LINE_BYTES}",
        # The mapping's null tokens, applied by the reader for free.
        "nullstr = [" + ", ".join(sql_str(v) for v in dict.fromkeys(("", *null_values))) + "]",
    ]
    if delimiter:
        opts.append(f"delim = {sql_str(delimiter)}")
    if source.gzip:
        opts.append("compression = 'gzip'")
    import duckdb

    src = sql_str(str(source.path))
    base = [o for o in opts if not o.startswith(("store_rejects", "rejects_"))]
    try:
        # Sniff as the scans will read: skipping unparseable lines, so a bad line cannot hide the header.
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_csv({src}, {', '.join([*base, 'ignore_errors = true'])})"
        ).fetchall()
    except duckdb.Error as exc:
        raise csv_error(path, source, exc) from exc
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
        source=source,
    )


def _check_header(path: Path, header: bytes) -> None:
    try:
        header.decode("utf-8")
    except UnicodeDecodeError as exc:
        guess = likely_encoding([header])
        raise SourceFileError(
            f"{path}: the header line is not valid UTF-8 (byte 0x{header[exc.start : exc.start + 1].hex()}): "
            f"the file is probably {guess}; pass --encoding {guess}"
        ) from exc


def collect_csv_rejects(con: duckdb.DuckDBPyConnection, staged: StagedFile) -> None:
    """After the first scan (`staged.rows` counted): keep the lines that failed to parse, one reason
    each; refuse the file when it is not UTF-8 as a whole or was cut short."""
    if staged.fmt != "csv" or staged.source is None:
        return
    table = f"{staged.table}_rejects"
    lines = con.execute(f'SELECT count(DISTINCT line) FROM "{table}"').fetchone()
    records = staged.rows + (int(lines[0]) if lines else 0)
    staged.parse_rejects = read_rejects(con, table, staged.path, staged.source, records, "CSV")


def csv_error(path: Path, source: SourceInfo, exc: BaseException) -> SourceFileError:
    """One sentence for a CSV DuckDB cannot read at all (the raw message can hold a 50 MB line)."""
    message = str(exc)
    if re.search(r"Maximum line size of \d+ bytes exceeded", message):
        line = _first_long_line(source)
        where = f"line {line:,}" if line else "a line"
        return SourceFileError(
            f"{path}: {where} is longer than the {MAX_LINE_BYTES:,} bytes one record may have (a field that "
            "large is not ticket text); trim that field and ingest the file again"
        )
    if "unicode" in message.lower():
        found = re.search(r"Line: (\d+)", message)
        where = f"line {found.group(1)}: " if found else ""
        return SourceFileError(
            f"{path}: {where}bytes that are not valid UTF-8; the file is in another encoding: pass it with "
            "--encoding (for example --encoding cp1252)"
        )
    if "sniffing file" in message or "dialect" in message:
        return SourceFileError(
            f"{path}: cannot tell how the CSV is delimited and quoted; pass --delimiter (for example ';')"
        )
    return SourceFileError(f"{path}: cannot be read as CSV: {message.strip().splitlines()[0][:300]}")


def _first_long_line(source: SourceInfo) -> int | None:
    with open_content(source.path, source.gzip) as fh:
        number = 0
        while line := fh.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_LINE_BYTES:
                return number
    return None
