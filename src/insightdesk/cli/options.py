"""Options shared by many commands, declared once."""

from __future__ import annotations

import typer

DB_OPTION = typer.Option(
    None,
    "--db",
    envvar="INSIGHTDESK_DB",
    help="Store: a DuckDB file path (default ./insightdesk.duckdb) or a postgresql:// URL.",
    show_default=False,
)
