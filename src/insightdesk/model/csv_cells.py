"""Every CSV the package writes, with its cells neutralised against spreadsheet formula injection.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by spreadsheets as a
formula (`=HYPERLINK(...)`, `@SUM(...)`, DDE payloads). Following OWASP's CSV injection guidance,
such a text cell is prefixed with a single quote (shown as text, never evaluated) and every cell is
quoted, so a quote or a separator inside a value cannot open a new cell. Only text is touched: a
number stays a number (-3 is not a formula), and `csv` doubles embedded quotes.

It lives in `model`, the foundation layer that imports nothing of the package, because the writers
sit in different layers (governance's ticket and audit exports, the CLI's `--format csv`) and every
one of them may import from here; one function means no writer can forget a rule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# OWASP's list: the characters a spreadsheet may start a formula with.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value: Any) -> Any:
    """`value` as a CSV cell that no spreadsheet evaluates: text starting a formula gets a `'` prefix."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    lineterminator: str = "\r\n",
) -> str:
    """A header of `columns` and one line per row (a mapping by column name, or values in order),
    every cell quoted and neutralised; None is an empty cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator=lineterminator)
    writer.writerow([neutral_cell(c) for c in columns])
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else row
        writer.writerow([neutral_cell(v) for v in values])
    return buf.getvalue()
