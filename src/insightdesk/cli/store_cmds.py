"""`insightdesk db ...`: create, upgrade and inspect the store."""

from __future__ import annotations

import typer

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import show, table, user_errors
from insightdesk.store import open_store
from insightdesk.store.tables.canonical import ENTITY_TABLES

db_app = typer.Typer(help="Create, upgrade and inspect the store.", no_args_is_help=True)


@db_app.command("init")
def init(db: str = DB_OPTION) -> None:
    """Create the store (or upgrade it to the newest schema)."""
    from insightdesk.store.migrate import current_revision

    with user_errors(), open_store(db) as store:
        out.print(f"store ready at [bold]{store.display_target}[/] (schema {current_revision(store)})")


@db_app.command("status")
def status(db: str = DB_OPTION) -> None:
    """Row counts of every canonical table."""
    with user_errors(), open_store(db) as store:
        tab = table(f"store {store.display_target}", ("table", "rows"), right=("rows",))
        for name in (*ENTITY_TABLES, "ingest_batches", "quarantine"):
            tab.add_row(name, f"{store.count(name):,}")
    show(tab)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
