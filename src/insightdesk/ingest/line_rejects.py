"""Lines DuckDB could not read (its rejects table), turned into one reason each.

Lines that are not valid UTF-8 are set aside with their bytes escaped, as long as they stay within
`undecodable_allowance`; past it the whole file is refused, naming the encoding it most likely is.
A last line that ends without a line break and cannot be parsed (a field count or quote that does
not fit) means the file was cut short: the whole file is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.ingest.source import (
    MAX_LINE_BYTES,
    RAW_CHARS,
    SourceFileError,
    SourceInfo,
    escaped,
    likely_encoding,
    read_lines_at,
    undecodable_allowance,
)
from insightdesk.ingest.staged import ParseReject

if TYPE_CHECKING:
    import duckdb

ENCODING = "INVALID ENCODING"
TOO_LONG = "LINE SIZE OVER MAXIMUM"


def read_rejects(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, source: SourceInfo, records: int, what: str
) -> list[ParseReject]:
    """The lines in DuckDB's rejects `table`, one ParseReject per line; refuses the file as the
    module docstring says. `records` is how many records the file has in all (read and rejected)."""
    rows = con.execute(
        f"""SELECT line, min(line_byte_position), list(DISTINCT CAST(error_type AS VARCHAR)),
                   list(error_message), any_value(column_name) FILTER (error_type = '{ENCODING}'),
                   any_value(csv_line)
            FROM "{table}" GROUP BY line ORDER BY line"""
    ).fetchall()
    bad = [r for r in rows if ENCODING in r[2]]
    raws = read_lines_at(source.path, source.gzip, [int(r[1]) for r in bad[:100]]) if bad else {}
    if bad and (len(bad) > undecodable_allowance(records) or len(bad) >= records):
        guess = likely_encoding([raws[int(r[1])][0] for r in bad[:20] if int(r[1]) in raws])
        raise SourceFileError(
            f"{path}: {len(bad):,} of {records:,} records are not valid UTF-8 (the first at line {bad[0][0]:,}): "
            f"the file is probably {guess}; pass --encoding {guess}"
        )
    rejects = []
    for line, offset, types, messages, column, csv_line in rows:
        if ENCODING in types:
            raw = escaped(raws[int(offset)][0]) if int(offset) in raws else (csv_line or "")[:RAW_CHARS]
            # In JSON Lines DuckDB's one column is ours, not a column of the file.
            column = column if what == "CSV" else None
            reason = (
                "the line is not valid UTF-8 (its bytes are kept escaped as \\xNN in raw); the rest of the "
                "file is, so only this line was set aside"
            )
        else:
            raw, column = (csv_line or "").lstrip("\r\n")[:RAW_CHARS], None
            reason = _reason(types, messages, what)
        rejects.append(ParseReject(line=int(line), column=column, reason=reason, raw_line=raw))
    if rows and not source.ends_with_newline and not {ENCODING, TOO_LONG} & set(rows[-1][2]):
        # The last line set aside runs into the end of the file without a line end: cut short.
        offset = int(rows[-1][1])
        if read_lines_at(source.path, source.gzip, [offset]).get(offset, (b"", False))[1]:
            raise cut_short(path, rejects[-1].line, rejects[-1].reason)
    return rejects


def cut_short(path: Path, line: int, reason: str) -> SourceFileError:
    return SourceFileError(
        f"{path}: line {line:,}, the last, stops without a line end and cannot be read ({reason}): the file "
        "looks truncated, copied or downloaded only in part; nothing was written"
    )


def _reason(types: list[str], messages: list[str], what: str) -> str:
    text = " ".join(messages)
    if TOO_LONG in types:
        size = re.search(r"Actual Size:\s*(\d+)", text)
        actual = f"{int(size.group(1)):,} bytes" if size else "too long"
        return f"the line is {actual}, over the {MAX_LINE_BYTES:,} bytes one record may have"
    if {"MISSING COLUMNS", "TOO MANY COLUMNS"} & set(types):
        # DuckDB reports a short line once per missing column; the line's own count is the extreme.
        found = [int(n) for n in re.findall(r"Found:\s*(\d+)", text)]
        expected = re.search(r"Expected Number of Columns:\s*(\d+)", text)
        many = "TOO MANY COLUMNS" in types
        n = (max if many else min)(found) if found else None
        label = "too many columns" if many else "missing columns"
        if n is not None and expected:
            return f"unparseable {what} line ({label}): it has {n} fields where the header has {expected.group(1)}"
        return f"unparseable {what} line ({label})"
    if "UNQUOTED VALUE" in types:
        return f"unparseable {what} line (unquoted value): a quote inside an unquoted field, or text after a closing quote"
    detail = text.split("\n")[0][:300]
    kinds = ", ".join(t.lower() for t in types)
    return f"unparseable {what} line ({kinds}): {detail}".strip()
