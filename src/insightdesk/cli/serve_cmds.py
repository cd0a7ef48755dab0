"""`insightdesk serve`: the dashboard and REST API on http://HOST:PORT (OpenAPI at /docs)."""

from __future__ import annotations

import typer

from insightdesk.cli.console import err
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import user_errors, warn


def serve(
    db: str = DB_OPTION,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (127.0.0.1: this machine only)."
    ),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies", help="Mark cookies Secure (serving over HTTPS, e.g. behind a TLS proxy)."
    ),
    session_hours: float = typer.Option(12.0, "--session-hours", help="Lifetime of a login session."),
    warm_up: bool = typer.Option(
        True, "--warm-up/--no-warm-up", help="Precompute the default views at start."
    ),
    rollups: bool = typer.Option(
        True,
        "--rollups/--no-rollups",
        help="Build the KPI roll-ups at start and after data changes (stores up to 500,000 tickets).",
    ),
) -> None:
    """Serve the dashboard and REST API. Stop with Ctrl+C."""
    from insightdesk.api.server import LOOPBACK
    from insightdesk.api.server import serve as run
    from insightdesk.api.state import ServerSettings
    from insightdesk.governance.users import count_users
    from insightdesk.store import open_store, resolve_target

    target = resolve_target(db)
    with user_errors(), open_store(target) as store:
        accounts = count_users(store.engine)
    if accounts == 0:
        err.print(
            "[yellow]no accounts yet:[/] create one with "
            "`insightdesk users add NAME --role admin` (there is no default password)."
        )
    if host not in LOOPBACK and not secure_cookies:
        warn(
            "listening beyond this machine over plain HTTP; put a TLS proxy in front and pass --secure-cookies."
        )
    err.print(
        f"InsightDesk on [bold]http://{host}:{port}[/] (API docs at /docs); store {target}. Ctrl+C stops."
    )
    run(
        target,
        host=host,
        port=port,
        settings=ServerSettings(
            secure_cookies=secure_cookies,
            session_hours=session_hours,
            warm_up=warm_up,
            rollups_max_tickets=ServerSettings.rollups_max_tickets if rollups else 0,
        ),
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
