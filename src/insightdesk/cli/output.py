"""Everything the CLI prints goes through here: tables, JSON and CSV, numbers, errors, exit codes.

Command modules parse options, call a service and hand the result to these functions, so a
number, a missing value or an error looks the same in every command.

Exit codes (`ExitCode`):

    0  OK          the command did what was asked
    1  FAILED      a check failed (`audit verify` found tampering, `risk drift --strict` found a
                   major shift), a roll-up build failed, or there was nothing to act on
                   (`users revoke-token` of a token that is not live)
    2  BAD_INPUT   the input was refused: a usage error (Typer's own code, e.g. an unknown option)
                   or a value the command cannot use (unknown KPI, no such theme, bad date, a store
                   that cannot be opened, a file `ingest` cannot read); the message says which
                   and what to do
    3  REJECTED    `ingest` and `quarantine retry` committed their batch but rows were rejected:
                   no row of a non-empty file was accepted, or (with `--strict`) any row was

A user's mistake never prints a traceback: the services raise their own errors, `user_errors`
turns them into one `error: ...` line on stderr and the exit code.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from insightdesk.cli.console import err, out, printable
from insightdesk.model import display
from insightdesk.model.csv_cells import csv_text

if TYPE_CHECKING:
    from rich.console import RenderableType

# -- exit codes and errors -------------------------------------------------------------------


class ExitCode(IntEnum):
    """The CLI's exit codes (the module docstring says when each is used)."""

    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    REJECTED = 3


def fail(error: BaseException | str, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
    """Print `error: <message>` on stderr and exit with `code` (no traceback)."""
    # Escaped: a message quoting user input such as "[x]" must print as given, not as Rich markup.
    # soft_wrap: one line however long (a message names a path), so `grep error:` finds all of it.
    err.print(f"[red]error:[/] {escape(str(error))}", soft_wrap=True)
    raise typer.Exit(int(code))


class _UserErrors:
    """The context manager of `user_errors`; its `__exit__` never swallows an error (it fails or
    lets it pass), which also tells mypy that code after the `with` block is reached normally."""

    def __init__(self, errors: tuple[type[BaseException], ...], code: ExitCode) -> None:
        self.errors, self.code = errors, code

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        from insightdesk.store import StoreError

        if exc is not None and isinstance(exc, (StoreError, *self.errors)):
            fail(exc, self.code)


def user_errors(*errors: type[BaseException], code: ExitCode = ExitCode.BAD_INPUT) -> _UserErrors:
    """Turn the listed errors, and a store that cannot be opened or used, into `fail(...)`:

    with user_errors(ThemeError), open_store(db) as store:
        ...
    """
    return _UserErrors(errors, code)


def warn(message: str, indent: str = "") -> None:
    """A caveat of a result, on stderr so that JSON and CSV on stdout stay clean."""
    err.print(f"{indent}[yellow]warning:[/] {message}")


# -- numbers ---------------------------------------------------------------------------------
# The shapes of numbers are `insightdesk.model.display`'s, shared with the API and the pages; these
# wrappers only keep the CLI's plain '-' for a missing value.


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: shown as '-' (or blank) rather than as 'nan'."""
    return display.is_missing(value)


def num(
    value: object,
    spec: str = ".3f",
    *,
    scale: float = 1.0,
    missing: str = "-",
    finite: bool = False,
) -> str:
    """`value` (times `scale`) in the format `spec`, e.g. num(0.1234, ".1%") -> '12.3%'.

    Missing values give `missing`; with `finite=True` so do infinities (a ratio over nothing).
    """
    if is_missing(value):
        return missing
    number: Any = value if scale == 1.0 else float(value) * scale  # type: ignore[arg-type]
    if finite and not math.isfinite(number):
        return missing
    return format(number, spec)


def compact(value: object) -> str:
    """Three significant digits below 1,000, whole numbers with separators above (KPI values)."""
    if is_missing(value):
        return "-"
    number = float(value)  # type: ignore[arg-type]
    return f"{number:.3g}" if abs(number) < 1000 else f"{number:,.0f}"


def count(value: object) -> str:
    """A count with thousands separators: 12,345."""
    return display.count(value, missing="-")


def pvalue(value: object) -> str:
    """A p-value to three decimals, '<0.001' below that."""
    return display.pvalue(value, missing="-")


def kpi_value(value: object, unit: str) -> str:
    """A KPI value in its unit: shares as percentages, counts whole, durations in hours and minutes."""
    return display.kpi_value(value, unit, missing="-")


def kpi_difference(value: object, unit: str) -> str:
    """A difference of a KPI's values: percentage points for shares, else signed in the KPI's unit."""
    return display.kpi_difference(value, unit, missing="-")


def duration(seconds: float, digits: int = 1, unit: str = " s") -> str:
    """Elapsed seconds: duration(12.34) -> '12.3 s', duration(125) -> '2 min 5 s'."""
    return display.elapsed(seconds, digits, unit=unit, missing="-")


# -- tables ----------------------------------------------------------------------------------


def table(
    title: str | None,
    columns: Iterable[str],
    *,
    right: Collection[str] | bool = (),
    overflow: str | None = None,
    **options: Any,
) -> Table:
    """A Rich table with these column headers; `right` names the right-aligned (number) columns,
    or `True` for all. `options` go to `rich.table.Table` (caption, title_justify, show_header...).
    """
    tab = Table(title=title, **options)
    column_options: dict[str, Any] = {} if overflow is None else {"overflow": overflow}
    for name in columns:
        aligned = right if isinstance(right, bool) else name in right
        tab.add_column(name, justify="right" if aligned else "left", **column_options)
    return tab


def fields_table(title: str, rows: Iterable[tuple[str, str]], **options: Any) -> Table:
    """A two-column 'field: value' table without a header (one record, e.g. a KPI's definition)."""
    tab = Table(title=title, show_header=False, **options)
    tab.add_column("field", style="bold")
    tab.add_column("value")
    for name, value in rows:
        tab.add_row(name, value)
    return tab


def frame_table(frame: pd.DataFrame, title: str, formats: Mapping[str, str], **options: Any) -> Table:
    """A data frame as a table: columns in `formats` are numbers in that format spec (right-aligned),
    the others text."""
    tab = table(title, frame.columns, right=formats.keys(), **options)
    for row in frame.itertuples(index=False):
        tab.add_row(
            *[num(v, formats[c]) if c in formats else str(v) for c, v in zip(frame.columns, row, strict=True)]
        )
    return tab


def cell(value: object) -> str:
    """Stored data (a user name, a label, a quote) for a table cell or a line: printed as given, never
    read as Rich markup, so `[link=...]` in the data cannot become a link. (The consoles escape
    control characters in everything they print.)"""
    return "" if value is None else escape(str(value))


def show(renderable: RenderableType) -> None:
    """Print a table (or any Rich renderable) on stdout."""
    out.print(renderable)


# -- machine-readable output -----------------------------------------------------------------


class Format(StrEnum):
    """--format of commands that print a table, JSON or CSV."""

    table = "table"
    json = "json"
    csv = "csv"


class TableOrJson(StrEnum):
    """--format of commands whose result is one nested record (no CSV)."""

    table = "table"
    json = "json"


class ExportFormat(StrEnum):
    """--format of commands whose result can also go to a file (--output), Parquet included."""

    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def write(text: str) -> None:
    """Text on stdout (no Rich wrapping or markup), ending in a newline; on a terminal its control
    characters are shown escaped, in a pipe or a file it is byte for byte the data."""
    if sys.stdout.isatty():
        text = printable(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def write_json(payload: object, *, default: Any = None, sort_keys: bool = False) -> None:
    """One JSON document on stdout, indented by 2."""
    write(json.dumps(payload, indent=2, default=default, sort_keys=sort_keys))


def jsonable(value: object) -> Any:
    """JSON-ready, recursively, as the store's JSON columns hold it: numpy scalars as numbers,
    NaN and NaT as null, timestamps as ISO strings."""
    from insightdesk.insights.common import plain

    return plain(value)


def write_rows(
    frame: pd.DataFrame, fmt: Format, columns: Sequence[str], nested: Collection[str] = ()
) -> None:
    """`columns` of each row as JSON (nested values kept, keys sorted) or CSV (less the `nested`)."""
    if fmt is Format.json:
        rows = [{c: r.get(c) for c in columns} for r in frame.to_dict("records")]
        write_json(jsonable(rows), sort_keys=True)
    else:
        write(csv_frame(frame[[c for c in columns if c not in nested]]))


def csv_frame(frame: pd.DataFrame) -> str:
    """A frame as CSV through the package's one CSV writer (cells neutralised against formula
    injection, every cell quoted), missing values as empty cells, dates as pandas writes them."""
    cells = frame.astype(object).where(frame.notna(), None)
    for i, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_datetime64_any_dtype(dtype):  # '2026-02-01' for whole days, as to_csv did
            column = frame.iloc[:, i]
            cells.isetitem(i, column.astype(str).where(column.notna(), None))
    return csv_text(
        [str(c) for c in frame.columns], cells.itertuples(index=False, name=None), lineterminator="\n"
    )


def write_frame(frame: pd.DataFrame, fmt: str, output: Path | None = None) -> None:
    """A data frame as CSV, JSON records (ISO dates) or Parquet, on stdout or into `output`."""
    if fmt == "parquet":
        if output is None:
            sys.stdout.buffer.write(frame.to_parquet(index=False))
            return
        frame.to_parquet(output, index=False)
    else:
        text = (
            csv_frame(frame) if fmt == "csv" else frame.to_json(orient="records", date_format="iso", indent=2)
        )
        if output is None:
            write(text)
            return
        output.write_text(text, encoding="utf-8")
    err.print(f"wrote {len(frame)} rows to {output}")


def json_records(rows: Iterable[Mapping[str, Any]]) -> None:
    """Each row as its own (pretty, highlighted) JSON document, e.g. `--json` of a list."""
    for row in rows:
        out.print_json(json.dumps(row, default=str))


def json_lines(rows: Iterable[Mapping[str, Any]]) -> None:
    """Each row as one line of JSON with sorted keys (the store's JSON encoding)."""
    from insightdesk.insights.common import to_json

    for row in rows:
        out.print(to_json(row), highlight=False, soft_wrap=True)
