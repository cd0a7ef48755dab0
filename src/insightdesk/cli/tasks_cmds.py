"""`insightdesk tasks ...`: the follow-up inbox of a person or team, moving tasks, capturing outcomes, KPIs."""

from __future__ import annotations

import typer

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import cell, show, table, user_errors, write_json

tasks_app = typer.Typer(
    help="Follow-up tasks: inboxes, states, outcomes and close-the-loop KPIs.", no_args_is_help=True
)


def inbox_cmd(
    db: str = DB_OPTION,
    owner: str = typer.Option(None, "--owner", help="One person's inbox (an account name)."),
    team: str = typer.Option(None, "--team", help="One team's inbox (teams.id)."),
    unowned: bool = typer.Option(False, "--unowned", help="Only tasks nobody owns yet."),
    closed: bool = typer.Option(False, "--closed", help="Include done and could-not-reach tasks."),
) -> None:
    """Open tasks, soonest due first."""
    from insightdesk.actions import ActionsError, inbox
    from insightdesk.store import open_store

    with user_errors(ActionsError), open_store(db) as store:
        rows = inbox(store, owner=owner, team_id=team, unowned=unowned, include_closed=closed)
    tab = table(f"Tasks ({len(rows)})", ("task", "kind", "title", "owner", "team", "status", "due (UTC)"))
    for r in rows:
        tab.add_row(r["task_id"], r["kind"], cell(r["title"]), cell(r["owner"]) or "-", cell(r["team_id"]) or "-",
                    r["status"], f"{r['due_at']:%Y-%m-%d %H:%M}")  # fmt: skip
    show(tab)


def update_cmd(
    task: str = typer.Argument(..., help="Task id."),
    db: str = DB_OPTION,
    status: str = typer.Option(None, "--status", help="open, in_progress, done or could_not_reach."),
    owner: str = typer.Option(None, "--owner", help="New owner (an account; '' makes it unowned)."),
    outcome: str = typer.Option(None, "--outcome", help="What happened (needed to close)."),
    recovered: bool = typer.Option(None, "--recovered/--not-recovered", help="Was the customer won back?"),
    root_cause: str = typer.Option(None, "--root-cause", help="Root cause (needed to close a complaint)."),
    actor: str = typer.Option(None, "--actor", help="Who acts (default cli:<OS user>)."),
) -> None:
    """Move a task and capture its outcome."""
    from insightdesk.actions import ActionsError, update_task
    from insightdesk.cli.admin import cli_actor
    from insightdesk.store import open_store

    with user_errors(ActionsError), open_store(db) as store:
        row = update_task(store, task, actor=actor or cli_actor().name, status=status, owner=owner,
                          outcome=outcome, recovered=recovered, root_cause=root_cause)  # fmt: skip
    out.print(f"{row['task_id']}: {row['status']}, owner {cell(row['owner']) or '-'}")


def history_cmd(task: str = typer.Argument(...), db: str = DB_OPTION) -> None:
    """Every change of a task: field, from, to, who and when."""
    from insightdesk.actions import ActionsError, task_history
    from insightdesk.store import open_store

    with user_errors(ActionsError), open_store(db) as store:
        rows = task_history(store, task)
    tab = table(f"History of {task}", ("when (UTC)", "field", "from", "to", "by"))
    for r in rows:
        tab.add_row(f"{r['occurred_at']:%Y-%m-%d %H:%M}", r["field"], cell(r["old_value"]) or "-",
                    cell(r["new_value"]) or "-", cell(r["actor"]))  # fmt: skip
    show(tab)


def kpis_cmd(
    db: str = DB_OPTION,
    days: int = typer.Option(30, "--days", min=1, max=366, help="Period, ending now."),
) -> None:
    """Close-the-loop KPIs with their formulas, sample sizes and intervals (JSON)."""
    from insightdesk.actions import ActionsError, loop_kpis
    from insightdesk.store import open_store

    with user_errors(ActionsError), open_store(db) as store:
        write_json(loop_kpis(store, days=days))


def ack_cmd(
    notification: str = typer.Argument(..., help="Notification id (its escalation stops)."),
    db: str = DB_OPTION,
    actor: str = typer.Option(None, "--actor", help="Who acknowledges (default cli:<OS user>)."),
) -> None:
    """Acknowledge a notification: it escalates no further."""
    from insightdesk.actions import ActionsError, acknowledge
    from insightdesk.cli.admin import cli_actor
    from insightdesk.store import open_store

    with user_errors(ActionsError), open_store(db) as store:
        acknowledge(store, notification, actor or cli_actor().name)
    out.print(f"{cell(notification)}: acknowledged")


def register(app: typer.Typer) -> None:
    for name, command in (
        ("inbox", inbox_cmd),
        ("update", update_cmd),
        ("history", history_cmd),
        ("kpis", kpis_cmd),
        ("ack", ack_cmd),
    ):
        tasks_app.command(name)(command)
    app.add_typer(tasks_app, name="tasks")
