"""Options shared by many commands, declared once."""

from __future__ import annotations

from typing import Any

import typer

from insightdesk.cli.output import ExportFormat, Format, TableOrJson

DB_OPTION = typer.Option(
    None,
    "--db",
    envvar="INSIGHTDESK_DB",
    help="Store: a DuckDB file path (default ./insightdesk.duckdb) or a postgresql:// URL.",
    show_default=False,
)


def format_option(
    default: Format | TableOrJson | ExportFormat = Format.table, help: str = "Output format."
) -> Any:
    """`--format/-f`; the type of `default` decides the choices (see `insightdesk.cli.output`)."""
    return typer.Option(default, "--format", "-f", help=help)
