"""Options shared by many commands, declared once, and the parsing of their values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import typer

from insightdesk.cli.output import ExportFormat, Format, TableOrJson

DB_OPTION = typer.Option(
    None,
    "--db",
    # No envvar here: the store resolves $INSIGHTDESK_DB itself (insightdesk.config reads it once).
    help="Store: a DuckDB file path or a postgresql:// URL (default: $INSIGHTDESK_DB, else ./insightdesk.duckdb).",
    show_default=False,
)


def format_option(
    default: Format | TableOrJson | ExportFormat = Format.table, help: str = "Output format."
) -> Any:
    """`--format/-f`; the type of `default` decides the choices (see `insightdesk.cli.output`)."""
    return typer.Option(default, "--format", "-f", help=help)


def split_commas(values: Iterable[str]) -> list[str]:
    """A repeatable option that also takes comma-separated values: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def parse_assignments(values: Iterable[str], option: str, shape: str = "COLUMN=VALUE") -> dict[str, Any]:
    """Repeated `KEY=VALUE` options as a dict; a VALUE of `a,b` becomes the list ['a', 'b']."""
    pairs: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise typer.BadParameter(f"{option} {item!r}: expected {shape}")
        key, value = item.split("=", 1)
        parts = [p for p in value.split(",") if p]
        pairs[key.strip()] = parts if len(parts) > 1 else value
    return pairs


def parse_datetime(value: str | None, option: str | None = None) -> dt.datetime | None:
    """An ISO date or date-time option (None stays None); anything else is a usage error
    (naming `option` when given)."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date or time (YYYY-MM-DD[THH:MM])", param_hint=option
        ) from None
