"""`insightdesk packs ...`: review packs per audience role: build (held by the data-quality gate when
the period's data is stale or incomplete), list, show, sign off (a second person) and mail them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from insightdesk.cli.actions_common import ACTOR, actions_errors, actor_name
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION, format_option, parse_datetime, split_commas
from insightdesk.cli.output import (
    ExitCode,
    TableOrJson,
    cell,
    fail,
    fields_table,
    jsonable,
    show,
    table,
    user_errors,
    write_json,
)

packs_app = typer.Typer(
    help="Review packs per role: KPI movements, pain-point ranks, open actions; gated, signed off, mailed.",
    no_args_is_help=True,
)


def _show_pack(pack: dict[str, Any]) -> None:
    from insightdesk.actions import held_reason, pack_text

    reason = held_reason(pack["quality"])
    show(fields_table(f"Review pack {cell(pack['pack_id'])}", [
        ("status", pack["status"] + (f" ({reason})" if reason else "")),
        ("built by", cell((pack["content"] or {}).get("built_by")) or "-"),
        ("signed off by", cell(pack["signed_off_by"]) or "-"),
        ("sent (UTC)", f"{pack['sent_at']:%Y-%m-%d %H:%M}" if pack["sent_at"] else "-"),
    ]))  # fmt: skip
    out.print(cell(pack_text(pack)[1]))


def build_cmd(
    role: str = typer.Argument(..., help="Audience role (admin, analyst, team_lead, agent, viewer)."),
    db: str = DB_OPTION,
    end: str = typer.Option(None, "--end", help="Period end, exclusive (UTC; default today 00:00)."),
    days: int = typer.Option(7, "--days", min=1, max=92, help="Period length in days."),
    stale: float = typer.Option(
        48, "--max-staleness-hours", min=1, max=10_000, help="Gate: newest ticket at most this old."
    ),
    signoff: bool = typer.Option(False, "--require-signoff", help="The pack waits for a second person."),
    fmt: TableOrJson = format_option(TableOrJson.table),
    actor: str = ACTOR,
) -> None:
    """Build (or rebuild, until sent) a role's pack; exit 1 when the data-quality gate holds it."""
    from insightdesk.actions import build_pack
    from insightdesk.governance.roles import parse_role
    from insightdesk.store import open_store

    try:
        audience = parse_role(role).value
    except ValueError as exc:
        fail(str(exc))
    period_end = parse_datetime(end, "--end") or dt.datetime.combine(dt.date.today(), dt.time())
    with user_errors(*actions_errors()), open_store(db) as store:
        pack = build_pack(store, audience, period_end, days=days, max_staleness_hours=stale,
                          require_signoff=signoff, actor=actor_name(actor))  # fmt: skip
    if fmt is TableOrJson.json:
        write_json(jsonable(pack))
    else:
        _show_pack(pack)
    if pack["status"] == "held":
        fail(f"review pack {pack['pack_id']} is held: its data failed the quality gate", ExitCode.FAILED)


def list_cmd(
    db: str = DB_OPTION,
    role: str = typer.Option(None, "--role", help="Only this audience role's packs."),
    status: str = typer.Option(None, "--status", help="held, awaiting_signoff, ready or sent."),
) -> None:
    """Packs, newest period first, with why a held one is held."""
    from insightdesk.actions import list_packs
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = list_packs(store, roles=[role.strip().lower()] if role else None, status=status)
    tab = table(
        f"Review packs ({len(rows)})", ("pack", "period (UTC)", "status", "signed off by", "held because")
    )
    for r in rows:
        tab.add_row(cell(r["pack_id"]), f"{r['period_start']:%Y-%m-%d} to {r['period_end']:%Y-%m-%d}",
                    r["status"], cell(r["signed_off_by"]) or "-", cell(r["held_reason"]) or "-")  # fmt: skip
    show(tab)


def show_cmd(
    pack: str = typer.Argument(..., help="Pack id (ROLE:YYYY-MM-DD)."),
    db: str = DB_OPTION,
    fmt: TableOrJson = format_option(TableOrJson.table),
) -> None:
    """A pack as it is mailed, with its gate's verdict (JSON: every figure)."""
    from insightdesk.actions import get_pack
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        row = get_pack(store, pack)
    if fmt is TableOrJson.json:
        write_json(jsonable(row))
    else:
        _show_pack(row)


def signoff_cmd(
    pack: str = typer.Argument(..., help="Pack id (ROLE:YYYY-MM-DD)."),
    db: str = DB_OPTION,
    actor: str = ACTOR,
) -> None:
    """Sign off a pack awaiting it (never by the person who built it)."""
    from insightdesk.actions import sign_off
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        row = sign_off(store, pack, actor_name(actor))
    out.print(f"{cell(row['pack_id'])}: {row['status']}, signed off by {cell(row['signed_off_by'])}")


def send_cmd(
    pack: str = typer.Argument(..., help="Pack id (ROLE:YYYY-MM-DD)."),
    to: list[str] = typer.Option(..., "--to", help="Recipient e-mail address (repeat, or comma-separated)."),
    db: str = DB_OPTION,
    actor: str = ACTOR,
) -> None:
    """Mail a ready pack (HTML and text, INSIGHTDESK_SMTP_*); each recipient gets it once, a held pack never."""
    from insightdesk.actions import send_pack
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        result = send_pack(store, pack, split_commas(to), actor_name(actor))
    tab = table(f"{cell(pack)}: {result['status']}", ("recipient", "outcome", "error"))
    for r in result["recipients"]:
        tab.add_row(cell(r["to"]), r["status"], cell(r["error"]) or "-")
    show(tab)
    if any(r["status"] in ("failed", "retrying") for r in result["recipients"]):
        raise typer.Exit(ExitCode.FAILED)


def run_due_cmd(
    db: str = DB_OPTION,
    now: str = typer.Option(None, "--now", help="Act as if it were this time (UTC; default now)."),
    fmt: TableOrJson = format_option(TableOrJson.table),
) -> None:
    """Build and mail the packs the `packs.schedule` setting makes due (for cron; once per period)."""
    from insightdesk.actions.packs_schedule import run_due_packs
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        outcomes = run_due_packs(store, parse_datetime(now, "--now"))
    if fmt is TableOrJson.json:
        write_json(jsonable(outcomes))
    else:
        tab = table(f"Scheduled review packs ({len(outcomes)} roles)", ("pack", "outcome", "status", "error"))
        for o in outcomes:
            tab.add_row(cell(o["pack_id"]), o["result"], cell(o["status"]) or "-", cell(o["error"]) or "-")
        show(tab)
        if not outcomes:
            out.print("No role is scheduled: set packs.schedule (see docs/actions.md, Scheduled packs).")
    if any(o["result"] == "failed" for o in outcomes):
        raise typer.Exit(ExitCode.FAILED)


def register(app: typer.Typer) -> None:
    for name, command in (("build", build_cmd), ("list", list_cmd), ("show", show_cmd),
                          ("sign-off", signoff_cmd), ("send", send_cmd), ("run-due", run_due_cmd)):  # fmt: skip
        packs_app.command(name)(command)
    app.add_typer(packs_app, name="packs")
