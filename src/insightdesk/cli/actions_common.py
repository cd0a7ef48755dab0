"""What the closed-loop commands share (rules, holds, cases, packs, changes, notifications): the
`--actor` option, the account name it resolves to, and the errors that are a user's mistake."""

from __future__ import annotations

import typer

ACTOR = typer.Option(None, "--actor", help="Who acts (an account name; default cli:<OS user>).")


def actor_name(actor: str | None) -> str:
    """The account that acts: `--actor` as given (trimmed, lower-case), else `cli:<OS user>`."""
    from insightdesk.cli.admin import cli_actor

    return actor.strip().lower() if actor else cli_actor().name


def actions_errors() -> tuple[type[BaseException], ...]:
    """The actions feature's refusals, which the commands print as one `error:` line (imported
    lazily: `--help` should not load the feature)."""
    from insightdesk.actions import ActionsError

    return (ActionsError,)
