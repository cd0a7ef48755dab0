"""`insightdesk privacy ...`: subject access exports, erasure with four eyes, consent, the catalogue.

The CLI acts as `cli:<OS user>` (with admin rights, as it holds the store): an erasure filed by one
OS user must be approved by another. Every step is audited without personal data.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from insightdesk.cli.admin import cli_actor
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, fail, show, table, user_errors, warn

if TYPE_CHECKING:
    from insightdesk.store import Store

privacy_app = typer.Typer(
    help="Privacy: subject export and erasure (four eyes), requests, consent, the personal-data catalogue.",
    no_args_is_help=True,
)
retention_app = typer.Typer(help="Retention policies per data class and region.", no_args_is_help=True)
consent_app = typer.Typer(
    help="The consent ledger: record and show decisions per purpose.", no_args_is_help=True
)

CUSTOMER = typer.Option(None, "--customer", help="Customer id (`<source system>:<source id>`).")
EMAIL = typer.Option(
    None, "--email", help="An email address of the person (every account sharing a contact counts)."
)


def errors() -> AbstractContextManager[None]:
    from insightdesk.governance.privacy.consent import ConsentError
    from insightdesk.governance.privacy.erasure import ErasureRefused
    from insightdesk.governance.privacy.excerpts import ExcerptError
    from insightdesk.governance.privacy.holds import HoldError
    from insightdesk.governance.privacy.requests import RequestError
    from insightdesk.governance.privacy.retention import RetentionError
    from insightdesk.governance.privacy.subject import SubjectError

    return user_errors(
        ConsentError, ErasureRefused, ExcerptError, HoldError, RequestError, RetentionError, SubjectError
    )


def _person(customer: str | None, email: str | None) -> dict[str, str | None]:
    if (customer is None) == (email is None):
        fail("name the person with exactly one of --customer or --email")
    return {"customer_id": customer, "email": email}


def _compact(store: Store) -> None:
    """Rewrite a DuckDB store's file so the erased rows' free blocks are gone."""
    from insightdesk.governance.privacy.compaction import compact_duckdb

    path = Path(store.target)
    store.close()
    saved = compact_duckdb(path)
    out.print(f"rewrote {path} without its free blocks ({saved:,} bytes freed)")


@privacy_app.command("export")
def export(
    customer: str = CUSTOMER,
    email: str = EMAIL,
    out_dir: Path = typer.Option(Path("."), "--out", help="Folder to write `<request id>.zip` into."),
    db: str = DB_OPTION,
) -> None:
    """Export every record on one person as a ZIP of JSON and CSV with a manifest (audited)."""
    from insightdesk.governance.privacy import service
    from insightdesk.governance.privacy.export import NoRecords

    who = _person(customer, email)
    actor = cli_actor()
    with errors(), open_store_for(db) as store:
        request_id = service.file(store.engine, "export", actor, **who)
        service.transition(store.engine, request_id, "verify", actor)
        try:
            outcome = service.carry_out(store.engine, request_id, actor, out_dir)
        except NoRecords as exc:
            fail(exc, ExitCode.FAILED)
    total = sum(outcome.counts.values())
    out.print(f"{outcome.archive}: {total} records from {len(outcome.counts)} tables (request {request_id})")


@privacy_app.command("erase")
def erase(customer: str = CUSTOMER, email: str = EMAIL, db: str = DB_OPTION) -> None:
    """File an erasure request; a second person approves it, then `privacy run` carries it out."""
    from insightdesk.governance.privacy import service

    who = _person(customer, email)
    with errors(), open_store_for(db) as store:
        request_id = service.file(store.engine, "erasure", cli_actor(), **who)
    out.print(
        f"erasure request {request_id} received: verify it, have another person approve it, then run it"
    )


@privacy_app.command("requests")
def requests(
    open_only: bool = typer.Option(False, "--open", help="Only open requests."), db: str = DB_OPTION
) -> None:
    """List requests with their state and due date."""
    from insightdesk.governance.privacy.requests import list_requests

    with errors(), open_store_for(db) as store, store.begin() as conn:
        rows = list_requests(conn, open_only=open_only)
    tab = table(None, ("request", "kind", "state", "filed by", "due", "approved by", "overdue"))
    for r in rows:
        tab.add_row(
            r.request_id,
            r.kind.value,
            r.state.value,
            r.requested_by,
            str(r.due_at)[:16],
            r.approved_by or "-",
            "yes" if r.overdue else "",
        )
    show(tab)


def _step(step: str, request_id: str, db: str | None, reason: str = "") -> None:
    from insightdesk.governance.privacy import service

    with errors(), open_store_for(db) as store:
        row = service.transition(store.engine, request_id, step, cli_actor(), reason)
    out.print(f"request {row.request_id} is {row.state.value}")


@privacy_app.command("verify")
def verify(request_id: str = typer.Argument(..., help="Request id."), db: str = DB_OPTION) -> None:
    """Record that the requester's identity was checked."""
    _step("verify", request_id, db)


@privacy_app.command("approve")
def approve(request_id: str = typer.Argument(..., help="Request id."), db: str = DB_OPTION) -> None:
    """Approve a verified request (never one's own)."""
    _step("approve", request_id, db)


@privacy_app.command("refuse")
def refuse(
    request_id: str = typer.Argument(..., help="Request id."),
    reason: str = typer.Option(..., "--reason", help="Why, in words (no personal data)."),
    db: str = DB_OPTION,
) -> None:
    """Refuse an open request, with the reason."""
    _step("refuse", request_id, db, reason)


@privacy_app.command("run")
def run(
    request_id: str = typer.Argument(..., help="Request id."),
    out_dir: Path = typer.Option(Path("."), "--out", help="Folder for an export's ZIP."),
    db: str = DB_OPTION,
) -> None:
    """Carry out a ready request; an erasure then rewrites a DuckDB store's file."""
    from insightdesk.governance.privacy import service
    from insightdesk.governance.privacy.export import NoRecords

    with errors(), open_store_for(db) as store:
        try:
            outcome = service.carry_out(store.engine, request_id, cli_actor(), out_dir)
        except NoRecords as exc:
            fail(exc, ExitCode.FAILED)
        tab = table(f"request {request_id}: done", ("table", "rows"))
        for name, n in sorted(outcome.counts.items()):
            tab.add_row(name, str(n))
        show(tab)
        if outcome.compaction_pending:
            _compact(store)


@privacy_app.command("compact")
def compact(db: str = DB_OPTION) -> None:
    """Rewrite the store so deleted rows leave no trace in its files (DuckDB) or tables (PostgreSQL)."""
    from insightdesk.governance.privacy.compaction import vacuum_postgres
    from insightdesk.store.tables import load_all_tables

    with errors(), open_store_for(db) as store:
        if store.dialect == "postgresql":
            vacuum_postgres(store.engine, list(load_all_tables().tables))
            out.print("VACUUM FULL done; expire backups and archived WAL as docs/privacy.md says")
            return
        _compact(store)


@privacy_app.command("purge")
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what expired."),
    db: str = DB_OPTION,
) -> None:
    """Apply the retention policies: empty expired free text, anonymise expired identities (aggregates stay)."""
    from insightdesk.governance import audit
    from insightdesk.governance.privacy.retention import purge as run_purge

    actor = cli_actor()
    with errors(), open_store_for(db) as store:
        report = run_purge(store.engine, actor.name, dry_run=dry_run)
        audit.append_by(
            store.engine,
            actor,
            "privacy.purge",
            "retention_runs",
            [report.run_id],
            {"dry_run": dry_run, "counts": report.counts, "held": report.held},
        )
        title = "would be purged (dry run)" if dry_run else "purged"
        tab = table(title, ("policy", "table", "rows"))
        for policy, counts in report.counts.items():
            for name, n in sorted(counts.items()):
                tab.add_row(policy, name, str(n))
        show(tab)
        if report.held:
            warn(f"{report.held} expired people are under a legal hold and were kept")
        if not dry_run and store.dialect == "duckdb" and any(report.counts.values()):
            _compact(store)


@privacy_app.command("catalogue")
def catalogue() -> None:
    """Every column that can hold personal data, with its class and whose it is."""
    from insightdesk.governance.privacy.catalogue import columns

    tab = table("personal-data catalogue", ("table", "column", "class", "whose"))
    for c in columns():
        if c.data_class.value != "none":
            tab.add_row(c.table, c.column, c.data_class.value, c.subject.value)
    show(tab)


def open_store_for(db: str | None) -> Store:
    from insightdesk.store import open_store

    return open_store(db)


def register(app: typer.Typer) -> None:
    from insightdesk.cli.privacy_policy_cmds import consent_app, excerpts, holds_app, retention_app

    privacy_app.add_typer(consent_app, name="consent")
    privacy_app.add_typer(retention_app, name="retention")
    privacy_app.add_typer(holds_app, name="hold")
    privacy_app.command("excerpts")(excerpts)
    app.add_typer(privacy_app, name="privacy")
