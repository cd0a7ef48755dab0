"""NUL bytes (0x00) in source text: removed from every value, on both engines, with a warning.

PostgreSQL text cannot hold NUL (a batch with one used to abort at COPY with a traceback), and NUL
carries no meaning in helpdesk text, so the value is stored without it rather than the record
rejected; DuckDB does the same so that both engines hold the same data. The result warns, naming
the columns and how many records had one. The raw record in quarantine keeps it (JSON escapes it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insightdesk.ingest.sql import q, scalar

if TYPE_CHECKING:
    import duckdb


def clean_select(columns: list[str]) -> str:
    """SELECT list over a source: NUL removed from `columns`, and __nul, whether any had one.

    contains() is a byte scan, and replace() runs only where it finds one.
    """
    if not columns:
        return "*, FALSE AS __nul"
    cleaned = ", ".join(
        f"CASE WHEN contains({q(c)}, chr(0)) THEN replace({q(c)}, chr(0), '') ELSE {q(c)} END AS {q(c)}"
        for c in columns
    )
    found = " OR ".join(f"coalesce(contains({q(c)}, chr(0)), FALSE)" for c in columns)
    return f"* REPLACE ({cleaned}), ({found}) AS __nul"


def nul_warnings(
    con: duckdb.DuckDBPyConnection, typed: str, source: str, columns: tuple[str, ...]
) -> list[str]:
    """The warning for a batch whose typed rows (`typed`, with __nul) had NUL removed, naming the
    columns of `source` (re-read only when there was one)."""
    records = scalar(con, f"SELECT count(*) FROM {typed} WHERE __nul")
    if not records:
        return []
    counts = ", ".join(f"count(*) FILTER (WHERE contains({q(c)}, chr(0)))" for c in columns)
    row = con.execute(f"SELECT {counts} FROM {source}").fetchone() or ()
    where = ", ".join(f"{c!r} ({n:,})" for c, n in zip(columns, row, strict=True) if n)
    return [
        f"{records:,} record(s) had NUL bytes (0x00) removed from column(s) {where}: "
        "text cannot hold them in PostgreSQL, so both engines store the text without them"
    ]
