"""`insightdesk audit ...`: verify the hash chain, list and export the audit log (admin's tools)."""

from __future__ import annotations

from pathlib import Path

import typer

from insightdesk.cli.admin import cli_actor
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, fail, show, table, user_errors

audit_app = typer.Typer(help="The audit log: verify, list, export.", no_args_is_help=True)


@audit_app.command("verify")
def verify(
    anchor: str | None = typer.Option(
        None, "--anchor", help="SEQ:HASH of an entry kept elsewhere: also catches a truncated log."
    ),
    db: str = DB_OPTION,
) -> None:
    """Recompute the hash chain; exit 1 and name the first bad entry when it was tampered with."""
    from insightdesk.governance import audit
    from insightdesk.store import open_store

    anchor_pair = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            fail("--anchor takes SEQ:HASH (the 64-hex entry_hash)")
        anchor_pair = (int(seq), digest)
    with user_errors(), open_store(db) as store:
        result = audit.verify(store.engine, anchor=anchor_pair)
    if result.ok:
        out.print(
            f"[green]audit log verified[/]: {result.entries} entries; head {result.head_seq}:{result.head_hash}"
        )
        return
    out.print(
        f"[red]audit log BROKEN[/] at entry {result.first_bad_seq}: {result.reason} "
        f"({result.entries} entries verified before it)"
    )
    raise typer.Exit(ExitCode.FAILED)


@audit_app.command("list")
def list_(
    actor: str | None = typer.Option(None, "--actor", help="Only this user (or cli:NAME)."),
    action: str | None = typer.Option(None, "--action", help="Exact action, or a family: 'read.*'."),
    limit: int = typer.Option(50, "--limit", help="Newest N entries."),
    db: str = DB_OPTION,
) -> None:
    """The newest audit entries: who, when, what, which records, from where."""
    from insightdesk.governance import audit
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        rows, total = audit.query(store.engine, actor=actor, action=action, limit=limit)
    columns = ("seq", "when (UTC)", "actor", "action", "target", "records", "from")
    tab = table(f"{len(rows)} of {total} entries (newest first)", columns, title_justify="left")
    for r in rows:
        tab.add_row(
            str(r["seq"]),
            str(r["occurred_at"])[:19],
            r["actor"],
            r["action"],
            r["target"] or "",
            (r["record_ids"] or "")[:60],
            r["ip"] or "",
        )
    show(tab)


@audit_app.command("export")
def export(
    output: Path = typer.Option(..., "--out", help="File to write."),
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl."),
    db: str = DB_OPTION,
) -> None:
    """Write the whole log, oldest first (the export itself is logged)."""
    from insightdesk.governance import audit
    from insightdesk.store import open_store

    if fmt not in ("csv", "jsonl"):
        fail("--format is csv or jsonl")
    actor = cli_actor()
    with user_errors(), open_store(db) as store:
        audit.append(
            store.engine,
            actor=actor.name,
            role=actor.role,
            ip=actor.ip,
            action="export",
            target="audit_log",
            detail={"format": fmt, "file": str(output)},
        )
        rows, _ = audit.query(store.engine, limit=None)
    rows.reverse()
    with user_errors(OSError):
        output.write_text(audit.to_csv(rows) if fmt == "csv" else audit.to_jsonl(rows), encoding="utf-8")
    out.print(f"wrote {len(rows)} entries to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
