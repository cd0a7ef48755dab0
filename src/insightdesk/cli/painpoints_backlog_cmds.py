"""`insightdesk painpoints update|history|backlog`: work the pain-point backlog.

Registered on the `painpoints` group by `painpoints_cmds.register`.
"""

from __future__ import annotations

import json

import typer

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION, format_option, parse_datetime
from insightdesk.cli.output import Format, fail, show, table, user_errors, write_rows

HISTORY_COLUMNS = ["occurred_at", "field", "old_value", "new_value", "actor"]
BACKLOG_COLUMNS = [
    "painpoint_key",
    "status",
    "rationale",
    "owner",
    "problem_id",
    "shipped_at",
    "note",
    "updated_at",
]


def update_cmd(
    key: str = typer.Argument(..., help="Pain-point key (see `insightdesk painpoints list`)."),
    db: str = DB_OPTION,
    status: str = typer.Option(
        None,
        "--status",
        help="new, under_review, linked_to_problem, fix_shipped, verified, wont_fix or deprioritised.",
    ),
    rationale: str = typer.Option(
        None, "--rationale", help="Why: required with wont_fix and deprioritised (kept in the history)."
    ),
    owner: str = typer.Option(None, "--owner", help="Account responsible (an existing username; '' clears)."),
    problem: str = typer.Option(None, "--problem", help="Problem record id (problems.id) to link."),
    note: str = typer.Option(None, "--note", help="A note (kept as the latest note, and in the history)."),
    shipped_at: str = typer.Option(
        None, "--shipped-at", help="With fix_shipped: when it shipped (default now, UTC)."
    ),
    actor: str = typer.Option("cli", "--actor", help="Who makes the change (a username; default `cli`)."),
    verify_days: int = typer.Option(
        30, "--verify-days", help="With verified: days measured before and after the fix."
    ),
    force: bool = typer.Option(
        False, "--force", help="With verified: verify even without a measured improvement."
    ),
) -> None:
    """Change a backlog entry: status (moves are validated), owner, linked problem, note."""
    from insightdesk.insights.painpoints import BacklogError, PainpointDataError, update_painpoint
    from insightdesk.store import open_store

    with user_errors(BacklogError, PainpointDataError), open_store(db) as store:
        result = update_painpoint(
            store,
            key,
            status=status,
            owner=owner,
            problem_id=problem,
            note=note,
            shipped_at=parse_datetime(shipped_at),
            rationale=rationale,
            actor=actor,
            force=force,
            verify_days=verify_days,
        )
    e = result.entry
    out.print(
        f"{key}: {e['status']}, owner {e['owner'] or '-'}, problem {e['problem_id'] or '-'} "
        f"({len(result.events)} change(s) recorded by {result.events[0]['actor']})"
    )
    if result.verification is not None:
        forced = " [yellow](forced)[/]" if result.verification.get("forced") else ""
        out.print(f"verification{forced}: {result.verification['verdict']}")


def history_cmd(
    key: str = typer.Argument(..., help="Pain-point key."),
    db: str = DB_OPTION,
    fmt: Format = format_option(),
) -> None:
    """The audit trail of one backlog entry: every change, who made it and when."""
    from insightdesk.insights.painpoints import backlog_history
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        frame = backlog_history(store, key)
    if frame.empty:
        fail(f"no backlog history for {key!r} (see `insightdesk painpoints backlog`)")
    if fmt is not Format.table:
        write_rows(frame, fmt, HISTORY_COLUMNS)
        return
    tab = table(f"History of {key}", ("when (UTC)", "field", "from", "to", "by"))
    for r in frame.to_dict("records"):
        new = r["new_value"] or "-"
        if r["field"] == "verification":
            new = json.loads(new).get("verdict", new)
        tab.add_row(f"{r['occurred_at']:%Y-%m-%d %H:%M}", r["field"], r["old_value"] or "-", new, r["actor"])
    show(tab)


def backlog_cmd(
    db: str = DB_OPTION,
    status: str = typer.Option(None, "--status", help="Only this status."),
    owner: str = typer.Option(None, "--owner", help="Only this owner."),
    fmt: Format = format_option(),
) -> None:
    """Every backlog entry with its status, owner and linked problem, most recently changed first."""
    from insightdesk.insights.painpoints import BacklogError, backlog_frame
    from insightdesk.store import open_store

    with user_errors(BacklogError), open_store(db) as store:
        frame = backlog_frame(store, status=status, owner=owner)
    if fmt is not Format.table:
        write_rows(frame, fmt, BACKLOG_COLUMNS)
        return
    tab = table(
        f"Pain-point backlog ({len(frame):,})", ("pain point", "status", "owner", "problem", "updated (UTC)")
    )
    for r in frame.to_dict("records"):
        tab.add_row(
            r["painpoint_key"],
            r["status"],
            r["owner"] or "-",
            r["problem_id"] or "-",
            f"{r['updated_at']:%Y-%m-%d %H:%M}",
        )
    show(tab)
