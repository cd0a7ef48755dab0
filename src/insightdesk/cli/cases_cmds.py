"""`insightdesk cases ...`: regulatory-complaint cases and their deadline clocks (`actions.cases`): the
open cases with each clock's due time and status, one case, and stopping a clock by hand (audited).
The CLI holds the store and sees every case; the API and pages show a case to its regime's roles only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from insightdesk.cli.actions_common import ACTOR, actions_errors, actor_name
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION, parse_datetime
from insightdesk.cli.output import cell, show, table, user_errors

cases_app = typer.Typer(
    help="Regulatory-complaint cases: their clocks (due, running, breached, met) and stopping one.",
    no_args_is_help=True,
)


def _when(value: dt.datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


def show_clocks(title: str, clocks: list[dict[str, Any]]) -> None:
    tab = table(title, ("clock", "due (UTC)", "status", "hours left", "stopped (UTC)", "by"))
    for c in clocks:
        left = "-" if c["hours_left"] is None else f"{c['hours_left']:,.1f}"
        tab.add_row(cell(c["clock"]), _when(c["due_at"]), c["status"], left, _when(c["stopped_at"]),
                    cell(c["stopped_by"]) or "-")  # fmt: skip
    show(tab)


def list_cmd(
    db: str = DB_OPTION,
    breached: bool = typer.Option(False, "--breached", help="Only cases past (or met after) a deadline."),
    closed: bool = typer.Option(False, "--closed", help="Closed cases too."),
) -> None:
    """Regulatory-complaint cases, breached first, then soonest due, with each clock's status."""
    from insightdesk.actions import regulatory_cases
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = regulatory_cases(store, breached_only=breached, include_closed=closed)
    tab = table(f"Regulatory-complaint cases ({len(rows)})",
                ("case", "regime", "title", "owner", "status", "clocks (due UTC: status)", "breached"))  # fmt: skip
    for r in rows:
        clocks = "; ".join(f"{c['clock']} {_when(c['due_at'])}: {c['status']}" for c in r["clocks"])
        tab.add_row(cell(r["task_id"]), cell(r["regime"]) or "-", cell(r["title"]), cell(r["owner"]) or "-",
                    r["status"], cell(clocks), "yes" if r["breached"] else "no")  # fmt: skip
    show(tab)


def show_cmd(case: str = typer.Argument(..., help="Case id (a task id)."), db: str = DB_OPTION) -> None:
    """A case's clocks: due time, status, hours left and who stopped each."""
    from insightdesk.actions import case_clocks
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        clocks = case_clocks(store, case)
    regime = clocks[0]["regime"] if clocks else "-"
    show_clocks(f"Case {cell(case)} ({cell(regime)})", clocks)


def stop_clock_cmd(
    case: str = typer.Argument(..., help="Case id (a task id)."),
    clock: str = typer.Argument(..., help="Clock name (see `insightdesk cases show`)."),
    db: str = DB_OPTION,
    at: str = typer.Option(None, "--at", help="When the deadline was met (UTC; default now)."),
    actor: str = ACTOR,
) -> None:
    """Record that a clock's deadline was met (the acknowledgement went out...); audited."""
    from insightdesk.actions import stop_clock
    from insightdesk.store import open_store

    when = parse_datetime(at, "--at")
    with user_errors(*actions_errors()), open_store(db) as store:
        row = stop_clock(store, case, clock, actor=actor_name(actor), at=when)
    out.print(f"{cell(case)}: {cell(clock)} stopped at {_when(row['stopped_at'])}: {row['status']}")


def register(app: typer.Typer) -> None:
    cases_app.command("list")(list_cmd)
    cases_app.command("show")(show_cmd)
    cases_app.command("stop-clock")(stop_clock_cmd)
    app.add_typer(cases_app, name="cases")
