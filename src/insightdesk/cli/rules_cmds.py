"""`insightdesk rules ...`: write rules, dry-run, shadow, approve, activate and roll them back; run them;
deliver the outbox (the worker), list and replay dead letters, read helpdesk statuses back."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from insightdesk.cli.actions_common import ACTOR, actions_errors, actor_name
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import cell, fail, show, table, user_errors, write_json

rules_app = typer.Typer(
    help="Rules that turn insight into owned work, and the outbox that delivers it.", no_args_is_help=True
)


def _status_line(row: dict) -> None:
    out.print(f"{cell(row['rule_id'])} v{row['version']}: {row['status']}")


def list_cmd(db: str = DB_OPTION) -> None:
    """Every rule: its newest version and which version is active or shadowing."""
    from insightdesk.actions import list_rules
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = list_rules(store)
    tab = table(f"Rules ({len(rows)})", ("rule", "event", "newest", "status", "active", "shadow"))
    for r in rows:
        tab.add_row(cell(r["rule_id"]), r["event"], f"v{r['latest_version']}", r["latest_status"],
                    f"v{r['active_version']}" if r["active_version"] else "-",
                    f"v{r['shadow_version']}" if r["shadow_version"] else "-")  # fmt: skip
    show(tab)


def save_cmd(
    file: Path = typer.Argument(..., help="The rule as YAML (docs/actions.md)."),
    db: str = DB_OPTION,
    actor: str = ACTOR,
) -> None:
    """Save a rule document as the rule's next version (a draft)."""
    from insightdesk.actions import save_rule
    from insightdesk.store import open_store

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read rule file {str(file)!r} ({type(exc).__name__})")
    with user_errors(*actions_errors()), open_store(db) as store:
        _status_line(save_rule(store, text, actor_name(actor)))


def versions_cmd(rule: str = typer.Argument(...), db: str = DB_OPTION) -> None:
    """Every version of a rule with its lifecycle."""
    from insightdesk.actions import rule_versions
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = rule_versions(store, rule)
    tab = table(
        f"Versions of {cell(rule)}", ("version", "status", "by", "approved by", "activated", "dry-run")
    )
    for r in rows:
        dry = r["dry_run"] or {}
        tab.add_row(f"v{r['version']}", r["status"], cell(r["created_by"]), cell(r["approved_by"]) or "-",
                    f"{r['activated_at']:%Y-%m-%d %H:%M}" if r["activated_at"] else "-",
                    f"{dry.get('matched', '-')} of {dry.get('events', '-')}" if dry else "-")  # fmt: skip
    show(tab)


def dry_run_cmd(
    rule: str = typer.Argument(...),
    db: str = DB_OPTION,
    version: int = typer.Option(None, "--version", help="Version (default the newest)."),
    days: int = typer.Option(30, "--days", help="Days of history to replay, ending at the newest event."),
    json_out: bool = typer.Option(False, "--json", help="Print the whole summary as JSON."),
    actor: str = ACTOR,
) -> None:
    """What the rule would have done over the last N days: counts and examples. Nothing is acted on."""
    from insightdesk.actions import dry_run
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        summary = dry_run(store, rule, version=version, days=days, actor=actor_name(actor))
    if json_out:
        write_json(summary)
        return
    out.print(
        f"{cell(rule)} v{summary['version']} over {summary['since'][:10]} .. {summary['until'][:10]}: "
        f"{summary['matched']:,} of {summary['events']:,} events matched; actions {summary['actions'] or '-'}; "
        f"skipped {summary['skipped'] or '-'}; customers contacted {summary['customers']:,}"
    )
    for example in summary["examples"]:
        out.print(
            f"  {cell(example['event_key'])} at {example['occurred_at'][:16]}: {cell(example['actions'])}"
        )


def _lifecycle(name: str, doc: str) -> None:
    def command(
        rule: str = typer.Argument(...),
        version: int = typer.Option(..., "--version", help="Version."),
        db: str = DB_OPTION,
        actor: str = ACTOR,
    ) -> None:
        import insightdesk.actions as actions
        from insightdesk.store import open_store

        function = {"shadow": actions.shadow_rule, "activate": actions.request_activation,
                    "approve": actions.approve_activation, "reject": actions.reject_activation}[name]  # fmt: skip
        with user_errors(*actions_errors()), open_store(db) as store:
            _status_line(function(store, rule, version, actor_name(actor)))

    command.__doc__ = doc
    rules_app.command(name)(command)


def rollback_cmd(rule: str = typer.Argument(...), db: str = DB_OPTION, actor: str = ACTOR) -> None:
    """Retire the active version and bring back the one active before it."""
    from insightdesk.actions import rollback_rule
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        _status_line(rollback_rule(store, rule, actor_name(actor)))


def retire_cmd(rule: str = typer.Argument(...), db: str = DB_OPTION, actor: str = ACTOR) -> None:
    """Stop a rule: its active, shadow or pending version retires."""
    from insightdesk.actions import retire_rule
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        _status_line(retire_rule(store, rule, actor_name(actor)))


def run_cmd(db: str = DB_OPTION, actor: str = ACTOR) -> None:
    """Evaluate active and shadow rules on new events; escalate unacknowledged notifications."""
    from insightdesk.actions import escalate_due, run_rules
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        runs = run_rules(store, actor=actor_name(actor))
        escalated = escalate_due(store)
    tab = table(
        f"Rule runs ({len(runs)})", ("rule", "mode", "events", "evaluated", "matched", "actions", "skipped")
    )
    for r in runs:
        s = r.summary()
        tab.add_row(f"{cell(r.rule_id)} v{r.version}", r.mode, str(s["events"]), str(s["evaluated"]), str(s["matched"]),
                    str(s["actions"] or "-"), str(s["skipped"] or "-"))  # fmt: skip
    show(tab)
    if escalated:
        out.print(f"escalated {len(escalated)} unacknowledged notification(s)")


def deliver_cmd(
    db: str = DB_OPTION,
    loop: bool = typer.Option(False, "--loop", help="Keep delivering until stopped (the worker)."),
    until_idle: bool = typer.Option(False, "--until-idle", help="Loop until nothing is pending or retrying."),
    interval: float = typer.Option(5.0, "--interval", min=0.05, max=3600, help="Seconds between passes."),
    lease: float = typer.Option(
        60.0, "--lease-seconds", min=1, max=3600, help="How long a claim holds a message."
    ),
    timeout: float = typer.Option(
        10.0, "--timeout-seconds", min=0.5, max=600, help="Longest wait inside an attempt."
    ),
) -> None:
    """Deliver the outbox: problem records to helpdesks, e-mail and webhooks (retries, dead letters)."""
    from insightdesk.actions import (
        ActionsError,
        DeliveryPolicy,
        deliver_due,
        list_messages,
        load_destinations,
    )
    from insightdesk.config import get_settings
    from insightdesk.store import open_store

    if lease <= timeout:
        fail("--lease-seconds must be longer than --timeout-seconds (a claim must outlast an attempt)")
    policy = DeliveryPolicy(lease_seconds=lease, timeout_seconds=timeout)
    with user_errors(ActionsError):
        destinations = load_destinations(get_settings().actions_destinations)
    with user_errors(*actions_errors()), open_store(db) as store:
        while True:
            report = deliver_due(store, destinations, policy=policy)
            if report.claimed:
                out.print(
                    f"delivered {report.delivered} (adopted {report.adopted}), retrying {report.retrying}, dead {report.dead}"
                )
                for error in report.errors:
                    out.print(f"  {cell(error)}")
            if until_idle and not list_messages(store, status="pending", limit=1):
                return
            if not (loop or until_idle):
                return
            time.sleep(interval)


def outbox_cmd(
    db: str = DB_OPTION,
    status: str = typer.Option(None, "--status", help="awaiting_approval, pending, delivered or dead."),
) -> None:
    """The outbox: each delivery, its attempts and last error (`--status dead`: the dead letters)."""
    from insightdesk.actions import list_messages
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        rows = list_messages(store, status=status)
    tab = table(
        f"Outbox ({len(rows)})",
        ("message", "channel", "destination", "status", "attempts", "external id", "last error"),
    )
    for r in rows:
        tab.add_row(r["message_id"], r["channel"], cell(r["destination"]), r["status"], str(r["attempts"]),
                    cell(r["external_id"]) or "-", cell(r["last_error"]) or "-")  # fmt: skip
    show(tab)


def replay_cmd(
    message: list[str] = typer.Argument(None, help="Dead letters to replay (default all)."),
    db: str = DB_OPTION,
    actor: str = ACTOR,
) -> None:
    """Put dead letters back in the queue with their attempts reset."""
    from insightdesk.actions import replay
    from insightdesk.store import open_store

    with user_errors(*actions_errors()), open_store(db) as store:
        ids = replay(store, message or None, actor=actor_name(actor))
    out.print(f"replayed {len(ids)} message(s)")


def sync_cmd(db: str = DB_OPTION, actor: str = ACTOR) -> None:
    """Read the state of every open problem record back from its helpdesk."""
    from insightdesk.actions import ActionsError, load_destinations, sync_statuses
    from insightdesk.config import get_settings
    from insightdesk.store import open_store

    with user_errors(ActionsError):
        destinations = load_destinations(get_settings().actions_destinations)
    with user_errors(*actions_errors()), open_store(db) as store:
        report = sync_statuses(store, destinations, actor=actor_name(actor))
    out.print(f"checked {report.checked} record(s); {len(report.changed)} changed")
    for number, old, new in report.changed:
        out.print(f"  {cell(number)}: {old or '-'} -> {new or '-'}")
    for error in report.errors:
        out.print(f"  [yellow]{cell(error)}[/]")


def register(app: typer.Typer) -> None:
    for name, command in (
        ("list", list_cmd),
        ("save", save_cmd),
        ("versions", versions_cmd),
        ("dry-run", dry_run_cmd),
    ):
        rules_app.command(name)(command)
    _lifecycle("shadow", "Evaluate a version live and record what it would do, acting on nothing.")
    _lifecycle("activate", "Activate a dry-run version (helpdesk writes and bulk contact wait for approval).")
    _lifecycle("approve", "Approve a pending activation (a second person: not who asked).")
    _lifecycle("reject", "Send a pending activation back to draft.")
    commands: tuple[tuple[str, Any], ...] = (("rollback", rollback_cmd), ("retire", retire_cmd), ("run", run_cmd), ("deliver", deliver_cmd),
                          ("outbox", outbox_cmd), ("replay", replay_cmd), ("sync", sync_cmd))  # fmt: skip
    for name, command in commands:
        rules_app.command(name)(command)
    from insightdesk.cli import rules_governance_cmds

    rules_governance_cmds.register(rules_app)
    app.add_typer(rules_app, name="rules")
