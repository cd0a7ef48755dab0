"""`insightdesk settings ...`: run-time settings (the CLI acts with admin rights; changes are audited)."""

from __future__ import annotations

import json

import typer

from insightdesk.cli.admin import admin_store, cli_actor
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import show, table

settings_app = typer.Typer(
    help="Run-time settings: list, set, reset (every change audited).", no_args_is_help=True
)


@settings_app.command("list")
def list_settings(db: str = DB_OPTION) -> None:
    """Every setting with its value, default and last change."""
    from insightdesk.governance.settings import all_settings

    with admin_store(db) as store:
        rows = all_settings(store.engine)
    tab = table(None, ("setting", "value", "default", "changed by", "at", "meaning"))
    for r in rows:
        tab.add_row(
            r["name"],
            json.dumps(r["value"]),
            json.dumps(r["default"]),
            r["updated_by"] or "",
            str(r["updated_at"] or ""),
            r["doc"],
        )
    show(tab)


@settings_app.command("set")
def set_(
    name: str = typer.Argument(..., help="Setting name (see `insightdesk settings list`)."),
    value: str = typer.Argument(..., help='Value as JSON (30, {"csat": 0.8}) or plain text (a URL).'),
    db: str = DB_OPTION,
) -> None:
    """Change a setting (checked, then audited with the old and new value)."""
    from insightdesk.governance.settings import parse_value, set_setting

    with admin_store(db) as store:
        stored = set_setting(store.engine, name, parse_value(value), actor=cli_actor())
    out.print(f"{name} = {json.dumps(stored)}")


@settings_app.command("reset")
def reset(name: str = typer.Argument(..., help="Setting name."), db: str = DB_OPTION) -> None:
    """Put a setting back to its default (audited)."""
    from insightdesk.governance.settings import reset_setting

    with admin_store(db) as store:
        stored = reset_setting(store.engine, name, actor=cli_actor())
    out.print(f"{name} = {json.dumps(stored)} (default)")


def register(app: typer.Typer) -> None:
    app.add_typer(settings_app, name="settings")
