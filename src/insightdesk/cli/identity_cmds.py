"""`insightdesk identity ...`: resolve customers into persons, work the review queue, unmerge, status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from insightdesk.cli.admin import cli_actor
from insightdesk.cli.console import err
from insightdesk.cli.options import DB_OPTION, format_option, split_commas
from insightdesk.cli.output import (
    ExitCode,
    TableOrJson,
    cell,
    count,
    fail,
    fields_table,
    num,
    show,
    table,
    user_errors,
    write_json,
)

identity_app = typer.Typer(
    help="Identity resolution: one person across helpdesks, CRM, surveys and channels.", no_args_is_help=True
)
FORMAT_OPTION = format_option(TableOrJson.table)


if TYPE_CHECKING:
    from insightdesk.identity.service import Mode


def _errors() -> Any:
    from insightdesk.governance.audit_keys import AuditKeyError
    from insightdesk.identity import IdentityError

    return user_errors(IdentityError, AuditKeyError, ValueError)


@identity_app.command("run")
def run(
    db: str | None = DB_OPTION,
    full: bool = typer.Option(False, "--full", help="Re-resolve every record (retrains the model)."),
    incremental: bool = typer.Option(
        False, "--incremental", help="Link only records no run has placed, with the stored model."
    ),
    threshold: float = typer.Option(0.95, "--threshold", help="Match probability at which records merge."),
    review_low: float = typer.Option(
        0.5, "--review-low", help="Pairs from here to the threshold go to review."
    ),
    window_hours: float = typer.Option(72.0, "--thread-window-hours", help="Conversation stitching window."),
    source_priority: list[str] = typer.Option(
        [], "--source-priority", help="Most trusted source systems first (golden record); repeatable or a,b."
    ),
    backend: str = typer.Option(
        "duckdb", "--backend", help="Where Splink trains and scores: duckdb (in process) or spark."
    ),
    spark_master: str | None = typer.Option(
        None,
        "--spark-master",
        envvar="INSIGHTDESK_SPARK_MASTER",
        help="Spark master URL for --backend spark (default local[*]; e.g. spark://host:7077).",
    ),
    fmt: TableOrJson = FORMAT_OPTION,
) -> None:
    """Resolve the customer records into persons (incremental when a model exists, unless --full)."""
    from insightdesk.identity import MatchSpec, Survivorship, run_identity
    from insightdesk.store import open_store

    if full and incremental:
        fail("--full and --incremental exclude each other: give one")
    mode: Mode = "full" if full else "incremental" if incremental else "auto"
    if backend not in ("duckdb", "spark"):
        fail(f"--backend {backend!r}: use duckdb or spark")
    with _errors(), open_store(db) as store:
        spec = MatchSpec(
            threshold=threshold,
            review_low=review_low,
            thread_window_hours=window_hours,
            survivorship=Survivorship(source_priority=tuple(split_commas(source_priority))),
        ).validated()
        with err.status(f"resolving identities (Splink on {backend}: training, scoring, clustering)..."):
            result = run_identity(
                store,
                spec,
                mode=mode,
                actor=cli_actor(),
                backend="spark" if backend == "spark" else "duckdb",
                spark_master=spark_master,
            )
    if fmt is TableOrJson.json:
        write_json(
            {
                "run_id": result.run_id,
                "threshold": result.threshold,
                "threshold_source": result.threshold_source,
                **result.summary,
            },
            default=str,
        )
        return
    s = result.summary
    rows = [
        ("run", result.run_id),
        ("mode", s["mode"]),
        ("matched on", s.get("backend", "duckdb")),
        ("records", count(s["records"])),
        ("persons", count(s["persons"])),
        ("merged by", ", ".join(f"{k} {count(v)}" for k, v in sorted(s["edges_applied"].items())) or "-"),
        ("threshold", f"{num(result.threshold, '.3f')} ({result.threshold_source})"),
        ("unusable records", count(s["unusable"])),
        ("review queue", f"{count(s['review_pairs'])} pairs ({count(s['key_conflicts'])} key conflicts)"),
        ("threads", count(s["threads"])),
    ]
    show(fields_table("Identity run", rows))


@identity_app.command("status")
def status_cmd(db: str | None = DB_OPTION, fmt: TableOrJson = FORMAT_OPTION) -> None:
    """Records, persons, how they were linked, the review queue and the last run."""
    from insightdesk.identity import status
    from insightdesk.store import open_store

    with _errors(), open_store(db) as store:
        result = status(store)
    if fmt is TableOrJson.json:
        write_json(result, default=str)
        return
    last = result["last_run"]
    rows = [
        ("records", count(result["records"])),
        (
            "persons",
            f"{count(result['persons'])} ({count(result['multi_record_persons'])} with several records)",
        ),
        ("linked by", ", ".join(f"{k} {count(v)}" for k, v in sorted(result["methods"].items())) or "-"),
        ("review", ", ".join(f"{k} {count(v)}" for k, v in sorted(result["review"].items())) or "empty"),
        ("constraints", count(result["constraints"])),
        ("threads", f"{count(result['threads'])} over {count(result['threaded_tickets'])} tickets"),
        (
            "last run",
            "none yet"
            if last is None
            else f"{last['run_id']} ({last['mode']}, threshold "
            f"{num(last['threshold'], '.3f')} from {last['threshold_source']})",
        ),
    ]
    show(fields_table("Identity", rows))


@identity_app.command("review")
def review_cmd(
    db: str | None = DB_OPTION,
    accept: list[str] = typer.Option([], "--accept", help="Pair id to accept as one person; repeatable."),
    reject: list[str] = typer.Option(
        [], "--reject", help="Pair id to reject (different people); repeatable."
    ),
    status_filter: str = typer.Option("pending", "--status", help="pending, accepted, rejected or all."),
    limit: int = typer.Option(20, "--limit", help="Pairs to show (1-500)."),
    fmt: TableOrJson = FORMAT_OPTION,
) -> None:
    """Show the review queue side by side (audited), or decide pairs with --accept / --reject."""
    from insightdesk.identity import decide, review_queue
    from insightdesk.store import open_store

    actor = cli_actor()
    with _errors(), open_store(db) as store:
        if accept or reject:
            changes = [decide(store, pid, "accept", actor) for pid in split_commas(accept)]
            changes += [decide(store, pid, "reject", actor) for pid in split_commas(reject)]
            if fmt is TableOrJson.json:
                write_json(changes, default=str)
            else:
                for change in changes:
                    show(
                        f"{change['decision']}ed {change['pair_id']} ({cell(' + '.join(change['records']))})"
                    )
            return
        page = review_queue(
            store, status=None if status_filter == "all" else status_filter, limit=limit, actor=actor
        )
    if fmt is TableOrJson.json:
        write_json({"total": page.total, "items": page.items}, default=str)
        return
    tab = table(
        f"Review queue: {page.total} {status_filter} pairs",
        ("pair", "p", "why", "left", "right"),
        right=("p",),
    )
    # A pair id is what --accept and --reject take: never cut short.
    tab.columns[0].no_wrap, tab.columns[0].min_width = True, 16
    for item in page.items:
        left, right = item["left"], item["right"]
        tab.add_row(
            item["pair_id"],
            num(item["match_probability"], ".2f"),
            cell(item["detail"]),
            cell(f"{left['name']} <{left['email'] or '-'}> {left['record_id']}"),
            cell(f"{right['name']} <{right['email'] or '-'}> {right['record_id']}"),
        )
    show(tab)
    if page.total == 0:
        raise typer.Exit(int(ExitCode.OK))


@identity_app.command("unmerge")
def unmerge_cmd(
    person_id: str = typer.Argument(..., help="Person to split (identity_persons.person_id)."),
    record: list[str] = typer.Option(
        [], "--record", help="Record to split off (repeatable); default: all apart."
    ),
    db: str | None = DB_OPTION,
    fmt: TableOrJson = FORMAT_OPTION,
) -> None:
    """Split a wrongly merged person; cannot-link constraints keep later runs from re-merging it."""
    from insightdesk.identity import unmerge
    from insightdesk.store import open_store

    with _errors(), open_store(db) as store:
        change = unmerge(store, person_id, cli_actor(), split_commas(record) or None)
    if fmt is TableOrJson.json:
        write_json(change, default=str)
        return
    show(
        f"split {cell(person_id)} into {change['parts']} persons: new {cell(', '.join(change['new_persons']))}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(identity_app, name="identity")
