"""`insightdesk privacy consent|retention|hold ...`: the consent ledger, retention policies, legal holds.

Registered under `insightdesk privacy` by privacy_cmds; every change is audited without personal data.
"""

from __future__ import annotations

from pathlib import Path

import typer

from insightdesk.cli.admin import cli_actor
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import show, table, warn
from insightdesk.cli.privacy_cmds import errors, open_store_for

consent_app = typer.Typer(
    help="The consent ledger: record and show decisions per purpose.", no_args_is_help=True
)
retention_app = typer.Typer(help="Retention policies per data class and region.", no_args_is_help=True)
holds_app = typer.Typer(
    help="Legal holds: a person under an open hold is neither erased nor purged.", no_args_is_help=True
)


@consent_app.command("set")
def consent_set(
    customer: str = typer.Option(..., "--customer", help="Customer id."),
    purpose: str = typer.Option(..., "--purpose", help="survey, contact, text_analytics or model_training."),
    granted: bool = typer.Option(..., "--granted/--withdrawn", help="Consent given, or refused/withdrawn."),
    evidence: str = typer.Option(
        None, "--evidence", help="Provenance without personal data (a ticket number)."
    ),
    db: str = DB_OPTION,
) -> None:
    """Record a consent decision (audited)."""
    from insightdesk.governance import audit
    from insightdesk.governance.privacy.consent import record_consent

    actor = cli_actor()
    with errors(), open_store_for(db) as store:
        with store.begin() as conn:
            event = record_consent(conn, customer, purpose, granted, "cli", actor.name, provenance=evidence)
        audit.append_by(
            store.engine, actor, "privacy.consent", "consent_events", [event], {"purpose": purpose}
        )
    out.print(f"{purpose}: {'granted' if granted else 'withdrawn'} (event {event})")


@consent_app.command("show")
def consent_show(
    customer: str = typer.Option(..., "--customer", help="Customer id."), db: str = DB_OPTION
) -> None:
    """A person's consent per purpose now, and the ledger behind it."""
    from insightdesk.governance.privacy.consent import consent_history, has_consent
    from insightdesk.governance.privacy.purposes import ConsentPurpose

    with errors(), open_store_for(db) as store, store.begin() as conn:
        now = {p.value: has_consent(conn, customer, p) for p in ConsentPurpose}
        history = consent_history(conn, customer)
    if not history:
        warn(f"customer {customer} has no consent events: every purpose counts as refused")
    tab = table(f"consent of {customer}", ("purpose", "consents now"))
    for purpose, value in now.items():
        tab.add_row(purpose, "yes" if value else "no")
    show(tab)
    events = table("ledger", ("when", "purpose", "granted", "source", "by"))
    for e in history:
        events.add_row(
            str(e["effective_at"])[:19],
            str(e["purpose"]),
            str(e["granted"]),
            str(e["source"]),
            str(e["actor"]),
        )
    show(events)


@retention_app.command("set")
def retention_set(
    data_class: str = typer.Option(..., "--class", help="free_text or identity."),
    days: int = typer.Option(
        ..., "--days", help="Days to keep (free text: from the record; identity: from last contact)."
    ),
    region: str = typer.Option("*", "--region", help="A customers.region value, or * for every region."),
    db: str = DB_OPTION,
) -> None:
    """Set the retention of a data class in a region (replaces the one it had)."""
    from insightdesk.governance import audit
    from insightdesk.governance.privacy.retention import set_policy

    actor = cli_actor()
    with errors(), open_store_for(db) as store:
        with store.begin() as conn:
            policy_id = set_policy(conn, data_class, region, days, actor.name)
        audit.append_by(
            store.engine,
            actor,
            "privacy.retention",
            "retention_policies",
            [policy_id],
            {"class": data_class, "region": region, "days": days},
        )
    out.print(f"{data_class} in {region}: kept {days} days")


@retention_app.command("list")
def retention_list(db: str = DB_OPTION) -> None:
    """The retention policies in force."""
    from insightdesk.governance.privacy.retention import list_policies

    with errors(), open_store_for(db) as store, store.begin() as conn:
        rows = list_policies(conn)
    tab = table("retention", ("class", "region", "days", "set by", "at"))
    for r in rows:
        tab.add_row(
            r["data_class"], r["region"], str(r["keep_days"]), r["created_by"], str(r["created_at"])[:16]
        )
    show(tab)


@holds_app.command("place")
def hold_place(
    customer: str = typer.Option(..., "--customer", help="Customer id."),
    reason: str = typer.Option(..., "--reason", help="Case reference, in words."),
    db: str = DB_OPTION,
) -> None:
    """Place a legal hold on a customer (audited)."""
    from insightdesk.governance import audit
    from insightdesk.governance.privacy.holds import place_hold

    actor = cli_actor()
    with errors(), open_store_for(db) as store:
        with store.begin() as conn:
            hold_id = place_hold(conn, customer, reason, actor.name)
        audit.append_by(store.engine, actor, "privacy.hold.place", "legal_holds", [hold_id])
    out.print(f"hold {hold_id} placed")


@holds_app.command("release")
def hold_release(hold_id: str = typer.Argument(..., help="Hold id."), db: str = DB_OPTION) -> None:
    """Lift a legal hold (audited)."""
    from insightdesk.governance import audit
    from insightdesk.governance.privacy.holds import release_hold

    actor = cli_actor()
    with errors(), open_store_for(db) as store:
        with store.begin() as conn:
            release_hold(conn, hold_id)
        audit.append_by(store.engine, actor, "privacy.hold.release", "legal_holds", [hold_id])
    out.print(f"hold {hold_id} released")


def excerpts(
    out_file: Path = typer.Option(..., "--out", help="CSV file to write."),
    attribute: list[str] = typer.Option(
        ["channel", "customer_segment", "customer_region"], "--attribute", help="Attribute to keep (repeat)."
    ),
    k: int = typer.Option(
        5, "--k", help="Least number of people behind every published attribute combination."
    ),
    purpose: str = typer.Option(
        "model_training", "--purpose", help="Consent purpose the people must have given."
    ),
    db: str = DB_OPTION,
) -> None:
    """Export redacted quotes with k-anonymous attributes, for training sets and workshops (audited)."""
    from insightdesk.governance import audit
    from insightdesk.governance.privacy.excerpts import excerpt_export
    from insightdesk.model.csv_cells import csv_text

    actor = cli_actor()
    with errors(), open_store_for(db) as store:
        with store.begin() as conn:
            result = excerpt_export(conn, attribute, k=k, purpose=purpose)
        detail = {"k": k, "purpose": purpose, "released": len(result.rows), "refused": result.refused}
        audit.append_by(store.engine, actor, "export", "excerpts", [], detail)
    out_file.write_text(csv_text(list(result.rows.columns), result.rows.to_dict("records")), encoding="utf-8")
    out.print(
        f"{out_file}: {len(result.rows)} of {result.candidates} quotes released with k={k} "
        f"({result.generalised} with attributes generalised, {result.refused} refused)"
    )
