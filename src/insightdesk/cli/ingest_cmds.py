"""`insightdesk ingest` and `insightdesk quarantine list|show|retry`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from insightdesk.cli.console import err, out
from insightdesk.cli.metrics_cmds import print_headline
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, fail, jsonable, show, table, user_errors, warn, write
from insightdesk.ingest import KINDS, IngestError, IngestResult, available_profiles, ingest_file
from insightdesk.ingest import quarantine as quarantine_service
from insightdesk.ingest.pipeline import ProgressFn
from insightdesk.store import open_store
from insightdesk.text.pipeline import ingest_redactor

quarantine_app = typer.Typer(help="Inspect and re-run rejected records.", no_args_is_help=True)


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[ProgressFn | None]:
    """A Rich progress bar with elapsed time and ETA, fed by the pipeline's stage callbacks."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=1.0, stage="read")

        def update(stage: str, fraction: float) -> None:
            bar.update(task, completed=fraction, stage=stage)

        yield update


def print_result(result: IngestResult) -> None:
    """The counts of one ingested file, what was derived or stubbed, and whether they reconcile."""
    columns = ("received", "accepted", "inserted", "updated", "unchanged", "rejected")
    tab = table(f"{result.kind} from {result.source_file}", columns, right=True, title_justify="left")
    tab.add_row(
        *(
            f"{v:,}"
            for v in (
                result.received,
                result.accepted,
                result.inserted,
                result.updated,
                result.unchanged,
                result.rejected,
            )
        )
    )
    show(tab)
    folded = result.folded
    if folded:
        out.print(f"  {result.accepted:,} accepted events folded into {result.counts.total:,} {result.kind}")
    for name, counts in result.derived.items():
        out.print(
            f"  derived {name}: {counts.inserted:,} inserted, {counts.updated:,} updated, "
            f"{counts.unchanged:,} unchanged"
        )
    for name, n in result.stubs.items():
        out.print(f"  created {n:,} placeholder {name} from references (fill them by ingesting {name})")
    for warning in result.warnings:
        warn(warning, indent="  ")
    status = "[green]reconciled[/]" if result.reconciles else "[red]DOES NOT RECONCILE[/]"
    out.print(
        f"  received {result.received:,} = accepted {result.accepted:,} + rejected {result.rejected:,}: {status}"
        f"  (batch {result.batch_id}, {result.seconds:.1f}s)"
    )
    if result.rejected:
        out.print(f"  see why: [bold]insightdesk quarantine show --batch {result.batch_id}[/]")


STRICT_HELP = "Exit 3 when any record is rejected (for pipelines); without it, only when none is accepted."


def exit_for_rejects(result: IngestResult, strict: bool) -> None:
    """Exit 3 (`ExitCode.REJECTED`) when no record of a non-empty file was accepted, or, with
    `strict`, when any was rejected. The batch is committed either way: the rejects wait in quarantine."""
    see = f"see why: insightdesk quarantine show --batch {result.batch_id}"
    if result.received and not result.accepted:
        fail(
            f"no record of {result.source_file} was accepted ({result.rejected:,} rejected); {see}",
            ExitCode.REJECTED,
        )
    if strict and result.rejected:
        fail(
            f"--strict: {result.rejected:,} of {result.received:,} records of {result.source_file} were rejected; {see}",
            ExitCode.REJECTED,
        )


def ingest(
    path: Path = typer.Argument(..., help="CSV, JSON Lines or Parquet file (gzip is read transparently)."),
    kind: str = typer.Option(..., "--kind", "-k", help=f"Entity kind: {', '.join(KINDS)}."),
    profile: str = typer.Option(
        None,
        "--profile",
        "-p",
        help=f"Bundled mapping profile: {', '.join(available_profiles())} (default generic).",
    ),
    mapping: Path = typer.Option(
        None, "--mapping", "-m", help="Your own YAML mapping (see docs/mappings.md)."
    ),
    fmt: str = typer.Option(None, "--format", help="csv, jsonl or parquet (default: from the file name)."),
    delimiter: str = typer.Option(None, "--delimiter", help="CSV delimiter (default: detected)."),
    encoding: str = typer.Option(
        None, "--encoding", help="File encoding (default utf-8), e.g. cp1252, latin-1."
    ),
    source_system: str = typer.Option(
        None, "--source-system", help="Override the profile's source system name."
    ),
    db: str = DB_OPTION,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    kpis: bool = typer.Option(True, "--kpis/--no-kpis", help="Print the store's headline KPIs afterwards."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Ingest a file into the store: validated, idempotent, one atomic batch.

    Exit codes: 0 done, 2 the file could not be read (nothing written), 3 rows were rejected (none
    accepted, or any with --strict; the batch and its quarantine are committed).
    """
    if kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", param_hint="--kind")
    with user_errors(IngestError), open_store(db) as store:
        with progress_bar(f"ingest {path.name}", enabled=not quiet) as progress:
            result = ingest_file(
                store,
                path,
                kind,
                profile=profile,
                mapping=mapping,
                fmt=fmt,
                delimiter=delimiter,
                encoding=encoding,
                source_system=source_system,
                progress=progress,
                redact_text=ingest_redactor(),  # used when the mapping stores text redacted only
            )
        print_result(result)
        if kpis and result.inserted + result.updated:
            print_headline(store)
    exit_for_rejects(result, strict)


@quarantine_app.command("list")
def quarantine_list(
    batch: str = typer.Option(None, "--batch", help="Only this batch."),
    kind: str = typer.Option(None, "--kind", help="Only this kind."),
    status: str = typer.Option("open", "--status", help="open, resolved, superseded or all."),
    db: str = DB_OPTION,
) -> None:
    """Rejected records grouped by batch, field and reason."""
    with user_errors(IngestError), open_store(db) as store:
        frame = quarantine_service.summary(store, batch_id=batch, status=status, kind=kind)
    if frame.empty:
        out.print(f"no {status if status != 'all' else ''} quarantined records".replace("  ", " "))
        return
    columns = ("batch_id", "kind", "source_file", "status", "field", "reason", "records", "first_line")
    tab = table("quarantine", columns, overflow="fold")
    for row in frame.itertuples(index=False):
        tab.add_row(*(str(v) for v in row))
    show(tab)


@quarantine_app.command("show")
def quarantine_show(
    batch: str = typer.Option(None, "--batch", help="Only this batch."),
    kind: str = typer.Option(None, "--kind", help="Only this kind."),
    status: str = typer.Option("open", "--status", help="open, resolved, superseded or all."),
    limit: int = typer.Option(50, "--limit", help="At most this many records."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines (with the raw record)."),
    db: str = DB_OPTION,
) -> None:
    """Each rejected record: file, line, field, value, reason."""
    with user_errors(IngestError), open_store(db) as store:
        frame = quarantine_service.records(store, batch_id=batch, status=status, kind=kind, limit=limit)
    if as_json:
        records = frame.to_dict(orient="records")
        for record in records:
            record["errors"] = json.loads(record["errors"]) if record["errors"] else []
            record["raw"] = json.loads(record["raw"]) if record["raw"] else None
            # JSON Lines: one compact object per line (ASCII, so a control character in a record
            # reaches the terminal escaped), as `--json` promises and `json.loads` per line reads.
            write(json.dumps(jsonable(record)))
        return
    columns = ("source_file", "line", "record_key", "field", "value", "reason", "status")
    tab = table("quarantined records", columns, overflow="fold")
    for row in frame.itertuples(index=False):
        tab.add_row(
            Path(row.source_file or "").name,
            str(row.line),
            str(row.record_key or ""),
            str(row.field),
            str(row.value if row.value is not None else ""),
            row.reason,
            row.status,
        )
    show(tab)


@quarantine_app.command("retry")
def quarantine_retry(
    batch: str = typer.Option(..., "--batch", help="Batch whose open rejected records to re-run."),
    profile: str = typer.Option(None, "--profile", "-p", help="Profile to use (default: the batch's)."),
    mapping: Path = typer.Option(None, "--mapping", "-m", help="A fixed YAML mapping."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
    db: str = DB_OPTION,
) -> None:
    """Re-run just the rejected records of a batch, e.g. after fixing the mapping (exit codes as `ingest`)."""
    with user_errors(IngestError), open_store(db) as store:
        result = quarantine_service.retry(
            store, batch, profile=profile, mapping=mapping, redact_text=ingest_redactor()
        )
    print_result(result)
    exit_for_rejects(result, strict)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(quarantine_app, name="quarantine")
