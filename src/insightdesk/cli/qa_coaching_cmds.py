"""`insightdesk qa coaching ...`: coaching plans tied to tickets, sessions, and the follow-up measurement
of the metric each plan targets."""

from __future__ import annotations

from typing import Any

import typer

from insightdesk.cli.options import DB_OPTION, format_option, parse_datetime, split_commas
from insightdesk.cli.output import TableOrJson, fields_table, num, show, write_json
from insightdesk.cli.qa_cmds import REVIEWER, operator, user_error_types

coaching_app = typer.Typer(help="Coaching plans, sessions and follow-up.", no_args_is_help=True)


@coaching_app.command("create")
def coaching_create(
    agent_id: str = typer.Option(..., "--agent"),
    goal: str = typer.Option(..., "--goal"),
    metric: str = typer.Option("qa_score", "--metric", help="qa_score or criterion:<id>."),
    target: float = typer.Option(..., "--target", help="Value to reach, 0-100."),
    due: str = typer.Option(None, "--due", help="Follow-up date, YYYY-MM-DD."),
    evidence: list[str] = typer.Option([], "--ticket", help="Tickets the plan is tied to."),
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """A coaching plan with its baseline measured now."""
    from insightdesk.quality import create_plan
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        plan = create_plan(
            store,
            operator(reviewer),
            agent_id=agent_id,
            goal=goal,
            metric=metric,
            target=target,
            due_at=parse_datetime(due, "--due"),
            evidence=split_commas(evidence),
        )
    show(
        fields_table(
            "Coaching plan",
            [
                ("id", plan["plan_id"]),
                ("agent", agent_id),
                ("baseline", f"{num(plan['baseline'], '.1f')} (n={plan['baseline_n']})"),
                ("target", num(target, ".1f")),
            ],
        )
    )


@coaching_app.command("session")
def coaching_session(
    plan_id: str = typer.Argument(...),
    held: str = typer.Option(..., "--held", help="When, YYYY-MM-DD[THH:MM]."),
    notes: str = typer.Option("", "--notes"),
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """Record a coaching session under a plan."""
    from insightdesk.quality import add_session
    from insightdesk.store import open_store

    when = parse_datetime(held, "--held")
    if when is None:
        raise typer.BadParameter("--held is required", param_hint="--held")
    with user_error_types(), open_store(db) as store:
        row = add_session(store, operator(reviewer), plan_id, held_at=when, notes=notes)
    show(fields_table("Coaching session", [("id", row["session_id"]), ("plan", plan_id)]))


@coaching_app.command("show")
def coaching_show(
    plan_id: str = typer.Argument(...),
    fmt: TableOrJson = format_option(TableOrJson.table),
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """A plan's sessions and its follow-up: the metric before and after, the change with its interval."""
    from insightdesk.quality import read_progress
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        progress = read_progress(store, operator(reviewer), plan_id)
    _show_progress(progress, plan_id, fmt)


@coaching_app.command("status")
def coaching_status(
    plan_id: str = typer.Argument(...),
    status: str = typer.Option(..., "--set", help="open, achieved, not_achieved or cancelled."),
    note: str = typer.Option("", "--note", help="Why (kept in the status history)."),
    fmt: TableOrJson = format_option(TableOrJson.table),
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """Move a plan: achieved only once the follow-up mean reaches the target; a closed plan can be reopened."""
    from insightdesk.quality import set_status
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        progress = set_status(store, operator(reviewer), plan_id, status, note=note, ip="cli")
    _show_progress(progress, plan_id, fmt)


def _show_progress(progress: dict[str, Any], plan_id: str, fmt: TableOrJson) -> None:
    if fmt is TableOrJson.json:
        write_json(progress, default=str)
        return
    f = progress["follow_up"]
    rows = [
        ("goal", progress["plan"]["goal"]),
        ("metric", progress["plan"]["metric"]),
        ("status", progress["plan"]["status"]),
        ("sessions", str(len(progress["sessions"]))),
    ]
    rows += [
        (
            side,
            f"{num(f[side]['mean'], '.1f')} [{num(f[side]['low'], '.1f')}, {num(f[side]['high'], '.1f')}] n={f[side]['n']}",
        )
        for side in ("before", "after")
    ]
    rows += [
        (
            "change",
            f"{num(f['change'], '+.1f')} [{num(f['change_low'], '+.1f')}, {num(f['change_high'], '+.1f')}]",
        ),
        ("target met", "yes" if f["met"] else "no"),
    ]
    rows += [
        (
            f"{str(h['at'])[:16]}",
            f"{h.get('from')} -> {h.get('to')} by {h['by']} {h.get('note') or ''}".strip(),
        )
        for h in progress.get("status_history", [])
    ]
    show(fields_table(f"Coaching plan {plan_id}", rows))
