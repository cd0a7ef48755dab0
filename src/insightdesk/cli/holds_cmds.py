"""`insightdesk rules holds list|approve|reject`: bulk-contact runs held for a second person's approval
(`actions.holds`, `actions.run_approval`). The person who put the rule version in force is refused.
Registered on the `rules` group by `rules_governance_cmds.register`."""

from __future__ import annotations

import typer

from insightdesk.cli.actions_common import ACTOR, actions_errors, actor_name
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import cell, show, table, user_errors

holds_app = typer.Typer(
    help="Bulk-contact runs held for a second person: list, approve (act now) or reject.",
    no_args_is_help=True,
)


def list_cmd(
    db: str = DB_OPTION,
    status: str = typer.Option("held", "--status", help="held, released, rejected or all."),
) -> None:
    """Held bulk runs (or decided ones), oldest first."""
    from insightdesk.actions import list_holds
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = list_holds(store, status=None if status == "all" else status)
    tab = table(f"Bulk runs ({len(rows)})",
                ("hold", "rule", "customers", "status", "held (UTC)", "activated by", "decided by", "reason"))  # fmt: skip
    for r in rows:
        tab.add_row(cell(r["hold_id"]), f"{cell(r['rule_id'])} v{r['version']}", f"{r['contacts']:,}", r["status"],
                    f"{r['created_at']:%Y-%m-%d %H:%M}", cell(r["activated_by"]) or "-",
                    cell(r["decided_by"]) or "-", cell(r["reason"]) or "-")  # fmt: skip
    show(tab)


def approve_cmd(
    hold: str = typer.Argument(..., help="Hold id."), db: str = DB_OPTION, actor: str = ACTOR
) -> None:
    """Release a held run: its events are evaluated and acted on now (a second person only)."""
    from insightdesk.actions import approve_run
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        run = approve_run(store, hold, actor_name(actor)).summary()
    actions = ", ".join(f"{k} {v}" for k, v in run["actions"].items()) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in run["skipped"].items()) or "none"
    out.print(f"{cell(hold)}: released; {run['evaluated']} events evaluated, {run['matched']} matched; "
              f"actions: {cell(actions)}; skipped: {cell(skipped)}")  # fmt: skip


def reject_cmd(
    hold: str = typer.Argument(..., help="Hold id."),
    reason: str = typer.Option(..., "--reason", help="Why the run is refused (recorded)."),
    db: str = DB_OPTION,
    actor: str = ACTOR,
) -> None:
    """Reject a held run: its events are recorded as evaluated and never acted on."""
    from insightdesk.actions import reject_run
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        row = reject_run(store, hold, actor_name(actor), reason=reason)
    out.print(f"{cell(hold)}: rejected; {row['events']} events recorded as not acted on")


def register(group: typer.Typer) -> None:
    holds_app.command("list")(list_cmd)
    holds_app.command("approve")(approve_cmd)
    holds_app.command("reject")(reject_cmd)
    group.add_typer(holds_app, name="holds")
