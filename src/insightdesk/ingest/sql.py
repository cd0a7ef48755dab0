"""SQL shared by the ingest stages: quoting, literals, the record hash, a field check, one value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def one_of(expr: str, values: list[str] | tuple[str, ...]) -> str:
    """`expr IN (values)` as a function call: NULL for NULL, like IN.

    DuckDB rewrites an IN list of five or more constants into a join against the list, and a join
    does not keep the rows in scan order: in a parallel scan (a CSV over 32 MB, several threads)
    the records were then numbered out of file order (typed_pass.py numbers them by insertion order).
    """
    return f"list_contains([{', '.join(lit(v) for v in values)}], {expr})"


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The first value of the one row an aggregate query returns (count, min...)."""
    row = con.execute(sql).fetchone()
    if row is None:  # an aggregate always has a row; anything else is a bug in the caller's SQL
        raise RuntimeError(f"expected one row from: {sql}")
    return row[0]


def hash_sql(columns: list[str]) -> str:
    """Content hash of a record: equal hash, unchanged record.

    DuckDB's own hash() over the typed values: an order of magnitude cheaper than md5 of their text.
    It is stable within a DuckDB version; after an upgrade that changed it, a re-run would count
    identical records as updated once (their history would show no difference), never lose one.
    The columns go in by name, sorted: hash(a, b) differs from hash(b, a), and callers build their
    lists from sets and mappings whose order may change from one process to the next.
    """
    return f"CAST(hash({', '.join(q(c) for c in sorted(columns))}) AS VARCHAR)"


@dataclass(frozen=True)
class Check:
    """A failed-when condition on one field, with the reason shown to the user."""

    field: str
    condition: str
    value: str
    reason: str
    reason_sql: str | None = None  # when the reason needs values from the row

    def reason_expr(self) -> str:
        return self.reason_sql or lit(self.reason)
