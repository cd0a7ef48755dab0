"""`insightdesk rules watch|unowned|pack|pack-signoff|pack-sent|config-*`: backlog governance, review
packs and change control of configuration. Registered on the `rules` group by `rules_cmds.register`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import typer

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION, parse_datetime
from insightdesk.cli.output import ExitCode, cell, fail, show, table, user_errors, write_json

ACTOR = typer.Option(None, "--actor", help="Who acts (an account name; default cli:<OS user>).")


def _actor(actor: str | None) -> str:
    from insightdesk.cli.admin import cli_actor

    return actor.strip().lower() if actor else cli_actor().name


def _errors() -> tuple[type[BaseException], ...]:
    from insightdesk.actions import ActionsError
    from insightdesk.insights.painpoints import BacklogError

    return (ActionsError, BacklogError)


def watch_cmd(
    db: str = DB_OPTION,
    days: int = typer.Option(
        14, "--days", min=1, max=365, help="Recent window compared with the level after the fix."
    ),
    dry: bool = typer.Option(False, "--dry-run", help="Test and report; reopen nothing."),
    actor: str = ACTOR,
) -> None:
    """Recurrence watch: reopen verified pain points whose theme rebounded since the fix."""
    from insightdesk.actions import recurrence_watch
    from insightdesk.store import open_store

    with user_errors(*_errors()), open_store(db) as store:
        found = recurrence_watch(store, window_days=days, actor=_actor(actor), apply=not dry)
    tab = table(
        f"Verified pain points watched ({len(found)})",
        ("pain point", "after fix", "now", "n", "p", "reopened"),
    )
    for r in found:
        tab.add_row(cell(r.painpoint_key), f"{100 * r.share_after_fix:.1f}%", f"{100 * r.share_now:.1f}%",
                    f"{r.n_now:,}", f"{r.p_value:.3g}", "yes" if r.reopened else "no")  # fmt: skip
    show(tab)


def unowned_cmd(
    db: str = DB_OPTION,
    every: float = typer.Option(
        16, "--escalate-every", min=1, max=2000, help="Business hours per escalation level."
    ),
) -> None:
    """Backlog entries nobody owns, oldest first, with their age and escalation level."""
    from insightdesk.actions import unowned_queue
    from insightdesk.store import open_store

    with user_errors(*_errors()), open_store(db) as store:
        rows = unowned_queue(store, escalate_every_hours=every)
    tab = table(f"Unowned pain points ({len(rows)})", ("pain point", "status", "age (business h)", "level"))
    for r in rows:
        tab.add_row(
            cell(r["painpoint_key"]),
            r["status"],
            f"{r['age_business_hours']:,.1f}",
            str(r["escalation_level"]),
        )
    show(tab)


def pack_cmd(
    role: str = typer.Argument(..., help="Audience role (admin, analyst, team_lead...)."),
    db: str = DB_OPTION,
    end: str = typer.Option(None, "--end", help="Period end (UTC; default today 00:00)."),
    days: int = typer.Option(7, "--days", min=1, max=92, help="Period length."),
    stale: float = typer.Option(
        48, "--max-staleness-hours", min=1, max=10_000, help="Gate: newest data at most this old."
    ),
    signoff: bool = typer.Option(False, "--require-signoff", help="The pack waits for a sign-off."),
) -> None:
    """Build a review pack (JSON); exit 1 when the data-quality gate holds it."""
    from insightdesk.actions import build_pack
    from insightdesk.store import open_store

    period_end = parse_datetime(end, "--end") or dt.datetime.combine(dt.date.today(), dt.time())
    with user_errors(*_errors()), open_store(db) as store:
        pack = build_pack(
            store, role, period_end, days=days, max_staleness_hours=stale, require_signoff=signoff
        )
    write_json(json.loads(json.dumps(pack, default=str)))
    if pack["status"] == "held":
        fail(f"review pack {pack['pack_id']} is held: its data failed the quality gate", ExitCode.FAILED)


def _pack_step(name: str, doc: str) -> None:
    def command(
        pack: str = typer.Argument(..., help="Pack id (ROLE:YYYY-MM-DD)."),
        db: str = DB_OPTION,
        actor: str = ACTOR,
    ) -> None:
        import insightdesk.actions as actions
        from insightdesk.store import open_store

        function = actions.sign_off if name == "pack-signoff" else actions.mark_sent
        with user_errors(*_errors()), open_store(db) as store:
            row = function(store, pack, _actor(actor))
        out.print(f"{cell(row['pack_id'])}: {row['status']}")

    command.__doc__ = doc
    _COMMANDS.append((name, command))


def config_propose_cmd(
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
    """Propose a configuration change (a draft), and show its diff against what is in force."""
    from insightdesk.actions import diff_change, propose_change
    from insightdesk.store import open_store

    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        fail(f"value {value!r} is not JSON; quote text as '\"text\"'")
    with user_errors(*_errors()), open_store(db) as store:
        change = propose_change(
            store,
            setting,
            parsed,
            _actor(actor),
            region=region,
            effective_at=parse_datetime(effective, "--effective"),
        )
        write_json(json.loads(json.dumps(diff_change(store, change["change_id"]), default=str)))


def config_step_cmd(
    step: str = typer.Argument(..., help="diff, stage (a second person) or withdraw."),
    change: str = typer.Argument(..., help="Change id."),
    db: str = DB_OPTION,
    actor: str = ACTOR,
) -> None:
    """Diff, stage or withdraw a configuration change."""
    import insightdesk.actions as actions
    from insightdesk.store import open_store

    if step not in ("diff", "stage", "withdraw"):
        fail(f"unknown step {step!r}: use diff, stage or withdraw")
    with user_errors(*_errors()), open_store(db) as store:
        if step == "diff":
            result = actions.diff_change(store, change)
        else:
            function = actions.stage_change if step == "stage" else actions.withdraw_change
            result = function(store, change, _actor(actor))
    write_json(json.loads(json.dumps(result, default=str)))


def config_apply_cmd(db: str = DB_OPTION) -> None:
    """Put in force every staged change whose effective date has come."""
    from insightdesk.actions import apply_due
    from insightdesk.store import open_store

    with user_errors(*_errors()), open_store(db) as store:
        applied = apply_due(store)
    out.print(f"applied {len(applied)} change(s)")


_COMMANDS: list[tuple[str, Any]] = [("watch", watch_cmd), ("unowned", unowned_cmd), ("pack", pack_cmd)]
_pack_step("pack-signoff", "Sign off a review pack awaiting it.")
_pack_step("pack-sent", "Record that a ready review pack went out (a held or unsigned pack never does).")
_COMMANDS += [
    ("config-propose", config_propose_cmd),
    ("config", config_step_cmd),
    ("config-apply", config_apply_cmd),
]


def register(group: typer.Typer) -> None:
    for name, command in _COMMANDS:
        group.command(name)(command)
