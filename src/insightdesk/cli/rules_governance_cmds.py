"""`insightdesk rules watch|unowned`: governance of the pain-point backlog (the recurrence watch and
the unowned queue). Review packs are `insightdesk packs`, change control `insightdesk changes`.
Registered on the `rules` group by `rules_cmds.register`."""

from __future__ import annotations

from typing import Any

import typer

from insightdesk.cli.actions_common import ACTOR, actor_name
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import cell, show, table, user_errors


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
    survey: str = typer.Option(
        None,
        "--follow-up-survey",
        help="A published survey: invite the customers a reopened theme affected in the window.",
    ),
    actor: str = ACTOR,
) -> None:
    """Recurrence watch: reopen verified pain points whose theme rebounded since the fix (and invite the
    affected customers to a follow-up survey with --follow-up-survey)."""
    from insightdesk.actions import recurrence_watch
    from insightdesk.store import open_store

    with user_errors(*_errors()), open_store(db) as store:
        found = recurrence_watch(
            store, window_days=days, actor=actor_name(actor), apply=not dry, follow_up_survey=survey
        )
    tab = table(
        f"Verified pain points watched ({len(found)})",
        ("pain point", "after fix", "now", "n", "p", "reopened", "follow-up survey"),
    )
    for r in found:
        tab.add_row(cell(r.painpoint_key), f"{100 * r.share_after_fix:.1f}%", f"{100 * r.share_now:.1f}%",
                    f"{r.n_now:,}", f"{r.p_value:.3g}", "yes" if r.reopened else "no", _follow_up(r.follow_up))  # fmt: skip
    show(tab)


def _follow_up(survey: dict[str, Any] | None) -> str:
    if survey is None:
        return "-"
    suppressed = ", ".join(f"{k} {v}" for k, v in survey["suppressed"].items())
    return cell(f"{survey['scheduled']} of {survey['customers']} customers invited"
                + (f" (suppressed: {suppressed})" if suppressed else ""))  # fmt: skip


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


_COMMANDS: list[tuple[str, Any]] = [("watch", watch_cmd), ("unowned", unowned_cmd)]


def register(group: typer.Typer) -> None:
    from insightdesk.cli import holds_cmds

    for name, command in _COMMANDS:
        group.command(name)(command)
    holds_cmds.register(group)
