"""`insightdesk db ...`: create, upgrade and inspect the store."""

from __future__ import annotations

import typer
from rich.table import Table

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.store import open_store
from insightdesk.store.tables.canonical import ENTITY_TABLES

db_app = typer.Typer(help="Create, upgrade and inspect the store.", no_args_is_help=True)


@db_app.command("init")
def init(db: str = DB_OPTION) -> None:
    """Create the store (or upgrade it to the newest schema)."""
    with open_store(db) as store:
        from insightdesk.store.migrate import current_revision

        out.print(f"store ready at [bold]{store.display_target}[/] (schema {current_revision(store)})")


@db_app.command("status")
def status(db: str = DB_OPTION) -> None:
    """Row counts of every canonical table."""
    with open_store(db) as store:
        table = Table(title=f"store {store.display_target}")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name in (*ENTITY_TABLES, "ingest_batches", "quarantine"):
            table.add_row(name, f"{store.count(name):,}")
        out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
