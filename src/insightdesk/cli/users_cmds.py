"""`insightdesk users ...`: accounts of the dashboard and API (the CLI acts with admin rights).

On a DuckDB store, run these while `insightdesk serve` is stopped (one process per file), or use
the dashboard's Users page / the /api/v1/users endpoints while it runs.
"""

from __future__ import annotations

import typer

from insightdesk.cli.admin import admin_store, cli_actor
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, cell, fail, show, table

users_app = typer.Typer(help="Accounts: add, list, scopes, disable, set-role, tokens.", no_args_is_help=True)


@users_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(..., "--role", help="admin, analyst, team_lead, agent or viewer."),
    team: list[str] = typer.Option([], "--team", help="Team id a team lead sees (repeat for several)."),
    agent: str | None = typer.Option(None, "--agent", help="Agent id an agent account is."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    generate: bool = typer.Option(
        False, "--generate-password", help="Make a random password and print it once."
    ),
    db: str = DB_OPTION,
) -> None:
    """Create an account (asks for the password unless --generate-password)."""
    from insightdesk.governance.passwords import generate_password
    from insightdesk.governance.users import create_user

    password = (
        generate_password(username=username)
        if generate
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    with admin_store(db) as store:
        create_user(
            store.engine,
            username,
            password,
            role,
            actor=cli_actor(),
            display_name=name,
            team_ids=team,
            agent_id=agent,
        )
    out.print(f"created [bold]{username.strip().lower()}[/] ({role})")
    if generate:
        out.print(f"password (shown once): [bold]{password}[/]")


@users_app.command("list")
def list_(db: str = DB_OPTION) -> None:
    """Every account with role, scope and status."""
    from insightdesk.governance.users import list_users

    with admin_store(db) as store:
        rows = list_users(store.engine)
    columns = ("username", "role", "teams", "agent", "active", "updated (UTC)")
    tab = table(f"{len(rows)} accounts", columns, title_justify="left")
    for r in rows:
        tab.add_row(
            r["username"],
            r["role"],
            r["team_ids"] or "",
            r["agent_id"] or "",
            "yes" if r["active"] else "no",
            str(r["updated_at"])[:19],
        )
    show(tab)


@users_app.command("scopes")
def scopes(db: str = DB_OPTION) -> None:
    """The team ids a team lead (--team) and the agent ids an agent account (--agent) can be given."""
    from insightdesk.governance.scopes import list_scopes

    with admin_store(db) as store:
        teams, agents = list_scopes(store.engine)
    team_tab = table(f"{len(teams)} teams (--team)", ("id", "name"), title_justify="left")
    for t in teams:
        team_tab.add_row(cell(t["id"]), cell(t["name"]))
    show(team_tab)
    agent_tab = table(f"{len(agents)} agents (--agent)", ("id", "name", "team"), title_justify="left")
    for a in agents:
        agent_tab.add_row(cell(a["id"]), cell(a["name"]), cell(a["team_id"]))
    show(agent_tab)


@users_app.command("disable")
def disable(username: str, db: str = DB_OPTION) -> None:
    """Disable an account: no login; its sessions and API tokens are revoked."""
    from insightdesk.governance.users import set_active

    with admin_store(db) as store:
        set_active(store.engine, username, False, actor=cli_actor())
    out.print(f"disabled {username}")


@users_app.command("enable")
def enable(username: str, db: str = DB_OPTION) -> None:
    """Re-enable a disabled account (tokens stay revoked)."""
    from insightdesk.governance.users import set_active

    with admin_store(db) as store:
        set_active(store.engine, username, True, actor=cli_actor())
    out.print(f"enabled {username}")


@users_app.command("set-role")
def set_role(
    username: str,
    role: str = typer.Argument(..., help="admin, analyst, team_lead, agent or viewer."),
    team: list[str] = typer.Option([], "--team", help="Team id a team lead sees (repeat for several)."),
    agent: str | None = typer.Option(None, "--agent", help="Agent id an agent account is."),
    db: str = DB_OPTION,
) -> None:
    """Change an account's role and scope (open sessions end)."""
    from insightdesk.governance.users import set_role as change

    with admin_store(db) as store:
        change(store.engine, username, role, actor=cli_actor(), team_ids=team, agent_id=agent)
    out.print(f"{username} is now {role}")


@users_app.command("set-password")
def set_password(username: str, db: str = DB_OPTION) -> None:
    """Set a new password (asks for it); sessions and tokens of the account are revoked."""
    from insightdesk.governance.users import set_password as change

    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with admin_store(db) as store:
        change(store.engine, username, password, actor=cli_actor())
    out.print(f"password of {username} changed")


@users_app.command("token")
def token(
    username: str,
    name: str | None = typer.Option(None, "--name", help="What the token is for."),
    days: int = typer.Option(30, "--days", help="Lifetime in days (1-365)."),
    db: str = DB_OPTION,
) -> None:
    """Create an API token acting as USERNAME; the secret is printed once."""
    from insightdesk.governance.tokens import create_token

    with admin_store(db) as store:
        row = create_token(store.engine, username, actor=cli_actor(), name=name, days=days)
    out.print(f"token {row['token_id']} for {row['username']}, expires {str(row['expires_at'])[:19]} UTC")
    out.print(f"secret (shown once): [bold]{row['token']}[/]")
    out.print("use it as: curl -H 'Authorization: Bearer <secret>' http://127.0.0.1:8000/api/v1/kpis")


@users_app.command("revoke-token")
def revoke_token(token_id: str, db: str = DB_OPTION) -> None:
    """Revoke an API token by its id (tok_...)."""
    from insightdesk.governance.tokens import revoke_token as revoke

    with admin_store(db) as store:
        done = revoke(store.engine, token_id, actor=cli_actor())
    if not done:
        fail(f"no live token {token_id}", ExitCode.FAILED)
    out.print(f"revoked {token_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
