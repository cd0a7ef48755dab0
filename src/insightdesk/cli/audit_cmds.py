"""`insightdesk audit ...`: verify the hash chain, list and export the audit log (admin's tools)."""

from __future__ import annotations

from pathlib import Path

import typer

from insightdesk.cli.admin import cli_actor
from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, cell, fail, show, table, user_errors, warn

audit_app = typer.Typer(help="The audit log: verify, list, export.", no_args_is_help=True)


@audit_app.command("verify")
def verify(
    anchor: str | None = typer.Option(
        None, "--anchor", help="SEQ:HASH of an entry kept elsewhere: an extra check besides the checkpoints."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Also exit 1 when no audit key or no signed checkpoint protects the log."
    ),
    db: str = DB_OPTION,
) -> None:
    """Check the hash chain against its key and signed checkpoints; exit 1 naming the first bad entry.

    A log that verifies gets a signed checkpoint of its head (the key is made first if the store has
    none), so entries cut from its end later are caught.
    """
    from insightdesk.governance import audit
    from insightdesk.governance.audit_keys import locate
    from insightdesk.store import open_store

    anchor_pair = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            fail("--anchor takes SEQ:HASH (the 64-hex entry_hash)")
        anchor_pair = (int(seq), digest)
    point, problem = None, None
    with user_errors(), open_store(db) as store:
        result = audit.verify(store.engine, anchor=anchor_pair)
        try:
            point = audit.checkpoint(store.engine, result)
        except (audit.AuditKeyError, OSError) as exc:
            problem = f"could not write the signed checkpoint: {exc}"
        files = locate(store.engine)
    for line in [*result.warnings, *([problem] if problem else [])]:
        warn(cell(line))
    confirmed = (
        f"newest signed checkpoint confirmed: entry {result.checkpoint_seq} (signed {result.checkpoint_at})"
        if result.checkpoint_seq is not None
        else "no signed checkpoint confirmed"
    )
    if not result.ok:
        out.print(
            f"[red]audit log BROKEN[/] at entry {result.first_bad_seq or '-'}: {cell(result.reason)} "
            f"({result.entries} entries verified before it; {confirmed})"
        )
        raise typer.Exit(ExitCode.FAILED)
    out.print(
        f"[green]audit log verified[/]: {result.entries} entries; head {result.head_seq}:{result.head_hash}; "
        f"{confirmed}"
    )
    if point is not None:
        out.print(f"signed checkpoint of entry {point.seq} written to {cell(files.checkpoints)}")
    if strict and result.unprotected:
        fail(
            "--strict: no audit key or no signed checkpoint protected this log (see the warnings)",
            ExitCode.FAILED,
        )


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
            cell(r["actor"]),
            cell(r["action"]),
            cell(r["target"]),
            cell((r["record_ids"] or "")[:60]),
            cell(r["ip"]),
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
