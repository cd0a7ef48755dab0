"""`insightdesk changes ...`: change control of run-time configuration: propose a value (a draft, with
its diff against what is in force), stage it (a second person), withdraw it, apply what is due; and
`insightdesk notifications ...`: notifications waiting for someone, and acknowledging one so that its
escalation stops."""

from __future__ import annotations

import json
from typing import Any

import typer

from insightdesk.cli.actions_common import ACTOR, actions_errors, actor_name
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION, parse_datetime
from insightdesk.cli.output import cell, fail, show, table, user_errors

changes_app = typer.Typer(
    help="Change control of configuration: draft, staged by a second person, in force on its date.",
    no_args_is_help=True,
)
notifications_app = typer.Typer(
    help="Notifications sent by rules: those waiting, and acknowledging one (its escalation stops).",
    no_args_is_help=True,
)


def _value(value: Any) -> str:
    return "-" if value is None else cell(json.dumps(value, default=str))


def show_diff(diff: dict[str, Any]) -> None:
    where = f"region {diff['region']}" if diff["region"] else "global"
    tab = table(
        f"{cell(diff['change_id'])}: {cell(diff['setting'])} ({where})", ("key", "in force", "proposed")
    )
    for row in diff["changes"]:
        tab.add_row(
            cell(row["key"]) if row["key"] is not None else "(value)", _value(row["from"]), _value(row["to"])
        )
    if not diff["changes"]:
        tab.add_row("(none)", "the proposal equals the value in force", "")
    show(tab)


def list_cmd(
    db: str = DB_OPTION,
    status: str = typer.Option(None, "--status", help="draft, staging, active, superseded or withdrawn."),
) -> None:
    """Configuration changes, newest first."""
    from insightdesk.actions import list_changes
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = list_changes(store, status=status)
    tab = table(f"Configuration changes ({len(rows)})",
                ("change", "setting", "region", "value", "status", "effective (UTC)", "proposed by", "staged by"))  # fmt: skip
    for r in rows:
        tab.add_row(cell(r["change_id"]), cell(r["setting"]), cell(r["region"]) or "global", _value(r["value"]),
                    r["status"], f"{r['effective_at']:%Y-%m-%d %H:%M}", cell(r["created_by"]),
                    cell(r["approved_by"]) or "-")  # fmt: skip
    show(tab)


def propose_cmd(
    setting: str = typer.Argument(..., help="Run-time setting (see `insightdesk settings list`)."),
    value: str = typer.Argument(..., help="New value, JSON (e.g. '{\"csat\": 0.85}' or 50)."),
    db: str = DB_OPTION,
    region: str = typer.Option(
        None, "--region", help="A regional override (kpi.targets, dashboard.min_n only)."
    ),
    effective: str = typer.Option(
        None, "--effective", help="When it takes effect (UTC; default when applied)."
    ),
    actor: str = ACTOR,
) -> None:
    """Propose a change (a draft: nothing is in force yet) and show its diff, key by key."""
    from insightdesk.actions import diff_change, propose_change
    from insightdesk.store import open_store

    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        fail(f"value {value!r} is not JSON; quote text as '\"text\"'")
    when = parse_datetime(effective, "--effective")
    with user_errors(*actions_errors()), open_store(db) as store:
        change = propose_change(store, setting, parsed, actor_name(actor), region=region, effective_at=when)
        out.print(f"proposed {cell(change['change_id'])}: a draft; a second person stages it")
        show_diff(diff_change(store, change["change_id"]))


def diff_cmd(change: str = typer.Argument(..., help="Change id."), db: str = DB_OPTION) -> None:
    """The value in force and the proposal, key by key."""
    from insightdesk.actions import diff_change
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        show_diff(diff_change(store, change))


def _step(name: str, doc: str) -> Any:
    def command(
        change: str = typer.Argument(..., help="Change id."), db: str = DB_OPTION, actor: str = ACTOR
    ) -> None:
        import insightdesk.actions as actions
        from insightdesk.store import open_store

        function = actions.stage_change if name == "stage" else actions.withdraw_change
        with user_errors(*actions_errors()), open_store(db) as store:
            row = function(store, change, actor_name(actor))
        out.print(f"{cell(row['change_id'])}: {row['status']}")

    command.__doc__ = doc
    return command


def apply_cmd(db: str = DB_OPTION) -> None:
    """Put in force every staged change whose effective date has come."""
    from insightdesk.actions import apply_due
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        applied = apply_due(store)
    out.print(f"applied {len(applied)} change(s)" + (": " + ", ".join(applied) if applied else ""))


def notifications_cmd(
    db: str = DB_OPTION,
    every: bool = typer.Option(False, "--all", help="Acknowledged and escalated ones too."),
) -> None:
    """Notifications, newest first: by default those still waiting for someone."""
    from insightdesk.actions import list_notifications
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = list_notifications(store, waiting_only=not every)
    tab = table(
        f"Notifications ({len(rows)})", ("notification", "rule", "level", "to", "sent (UTC)", "state")
    )
    for r in rows:
        state = r["state"] + (f" by {r['acknowledged_by']}" if r["acknowledged_by"] else "")
        tab.add_row(cell(r["notification_id"]), cell(r["rule_id"]) or "-", str(r["level"]), cell(r["recipient"]),
                    f"{r['sent_at']:%Y-%m-%d %H:%M}", cell(state))  # fmt: skip
    show(tab)


def ack_cmd(
    notification: str = typer.Argument(..., help="Notification id (its escalation stops)."),
    db: str = DB_OPTION,
    actor: str = ACTOR,
) -> None:
    """Acknowledge a notification: it escalates no further."""
    from insightdesk.actions import acknowledge
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        acknowledge(store, notification, actor_name(actor))
    out.print(f"{cell(notification)}: acknowledged")


def register(app: typer.Typer) -> None:
    for name, command in (("list", list_cmd), ("propose", propose_cmd), ("diff", diff_cmd),
                          ("stage", _step("stage", "Stage a draft (a second person, never its proposer).")),
                          ("withdraw", _step("withdraw", "Withdraw a draft or staged change.")),
                          ("apply", apply_cmd)):  # fmt: skip
        changes_app.command(name)(command)
    notifications_app.command("list")(notifications_cmd)
    notifications_app.command("ack")(ack_cmd)
    app.add_typer(changes_app, name="changes")
    app.add_typer(notifications_app, name="notifications")
