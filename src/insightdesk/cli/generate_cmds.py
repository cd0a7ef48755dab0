"""`insightdesk generate`: write a synthetic desk of any size, with known planted effects."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import typer

from insightdesk.cli.console import err, out
from insightdesk.cli.output import duration, show, table, user_errors


def generate(
    tickets: int = typer.Option(..., "--tickets", "-n", min=1, help="Number of tickets to generate."),
    out_dir: Path = typer.Option(Path("synthetic-desk"), "--out", "-o", help="Folder to write the files to."),
    fmt: str = typer.Option("csv", "--format", "-f", help="File format: csv or parquet."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same desk."),
    feedback_per_ticket: float = typer.Option(
        1.0, "--feedback-per-ticket", min=0.0, help="Survey rows (invitations and answers) per ticket."
    ),
    start: str = typer.Option("2025-01-01", "--start", help="First day of the desk's period (YYYY-MM-DD)."),
    months: int = typer.Option(12, "--months", min=1, help="Length of the period in months."),
    no_interactions: bool = typer.Option(False, "--no-interactions", help="Skip the message transcripts."),
) -> None:
    """Generate a synthetic desk in the generic format, plus planted_effects.json (what analytics must find)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from insightdesk.sample.generate import generate_desk

    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("use csv or parquet", param_hint="--format")
    with (
        user_errors(ValueError, OSError),
        Progress(
            TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
        ) as progress,
    ):
        task = progress.add_task("tickets", total=tickets)
        desk = generate_desk(
            out_dir,
            tickets=tickets,
            feedback_per_ticket=feedback_per_ticket,
            seed=seed,
            fmt="parquet" if fmt == "parquet" else "csv",
            start=start,
            months=months,
            interactions=not no_interactions,
            progress=lambda n: progress.advance(task, n),
        )
    tab = table(
        f"synthetic desk in {desk.out_dir} ({duration(desk.seconds)})",
        ("kind", "rows", "file"),
        right=("rows",),
    )
    for kind, count in desk.counts.items():
        tab.add_row(kind, f"{count:,}", desk.files[kind].name)
    show(tab)
    for effect in cast(list[dict[str, Any]], desk.planted_effects["effects"]):
        details = ", ".join(f"{k}={v}" for k, v in effect.items() if k not in ("name", "measure"))
        out.print(f"planted [bold]{effect['name']}[/]: {details}")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
