"""A source file once staged: a relation of text columns numbered in file order, plus the lines
that could not be parsed (each with its line, reason and raw text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.ingest.source import SourceInfo

if TYPE_CHECKING:
    import duckdb

ROW = "__row"  # 1-based record number in file order


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
    source: SourceInfo | None = None  # the bytes DuckDB reads (a transcoded copy, when there is one)

    @property
    def received(self) -> int:
        return self.rows + len(self.parse_rejects)

    def materialise_rows(self, con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
        """Raw source records whose __row is in `rows_sql`, into temp table `self.table`."""
        con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{self.table}" AS SELECT * FROM {self.reread or self.relation} '
            f'WHERE "{ROW}" IN ({rows_sql})'
        )
