"""`insightdesk quickstart`: a populated store from the bundled sample, then a summary and the dashboard.

Every step is announced with its number and shows a progress bar (load, text analysis, insights,
roll-ups), then says how long it took; a second run reuses the store when nothing it was built from
changed (quickstart/reuse.py), so the dashboard is up in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from insightdesk.cli.console import err, out
from insightdesk.cli.metrics_cmds import print_headline
from insightdesk.cli.output import duration, show, table, user_errors
from insightdesk.governance.users import ensure_quickstart_admin
from insightdesk.ingest import IngestError, IngestResult
from insightdesk.quickstart import (
    INSIGHT_STEPS,
    analyse_sample_insights,
    analyse_sample_text,
    build_sample_rollups,
    build_sample_store,
    count_texts,
    rollup_kpis,
    store_summary,
)
from insightdesk.quickstart.reuse import forget_stamp, reusable, write_stamp
from insightdesk.sample import SAMPLE_KINDS
from insightdesk.store import open_store


class Steps:
    """Numbered step headings ("[2/5] loading ...") and their timings, on stderr."""

    def __init__(self, before: int, total: int) -> None:
        self.number, self.total = before, total + before

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.number += 1
        err.print(f"[bold][{self.number}/{self.total}][/] {title}", highlight=False)
        started = time.perf_counter()
        yield
        err.print(
            f"      done in {duration(time.perf_counter() - started, digits=0, unit='s')}", highlight=False
        )

    def skip(self, title: str) -> None:
        self.number += 1
        err.print(f"[bold][{self.number}/{self.total}][/] {title}", highlight=False)


class Bar:
    """A Rich progress bar; where stderr is no terminal (a log, CI) Rich draws nothing until the end,
    so every tenth of the work is also printed as a plain line."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.shown = label, max(total, 1), 0, 0
        self.started = time.perf_counter()
        self.progress = Progress(
            TextColumn(f"      {label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
        )
        self.task: TaskID = self.progress.add_task("", total=total)

    def __enter__(self) -> Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def advance(self, n: int = 1, description: str | None = None) -> None:
        self.done += n
        self.progress.update(self.task, advance=n, description=description or "")
        tenth = 10 * self.done // self.total
        if not err.is_terminal and tenth > self.shown:
            self.shown = tenth
            err.print(
                f"      {self.label}: {self.done:,} of {self.total:,} ({min(tenth, 10) * 10}%, "
                f"{time.perf_counter() - self.started:.0f} s)",
                highlight=False,
            )

    def describe(self, description: str) -> None:
        self.progress.update(self.task, description=description)
        if not err.is_terminal:
            err.print(f"      {self.label}: {description}", highlight=False)


def _load(db: Path, keep: bool, steps: Steps) -> bool:
    columns = ("kind", "received", "inserted", "updated", "unchanged", "rejected", "seconds")
    tab = table("bundled sample ingested", columns, right=columns[1:], title_justify="left")
    with steps.step("loading the bundled sample desk"), Bar("kinds", len(SAMPLE_KINDS)) as bar:

        def add(result: IngestResult) -> None:
            tab.add_row(
                result.kind,
                f"{result.received:,}",
                f"{result.inserted:,}",
                f"{result.updated:,}",
                f"{result.unchanged:,}",
                f"{result.rejected:,}",
                f"{result.seconds:.1f}",
            )
            bar.advance(1, result.kind)

        with user_errors(IngestError):
            report = build_sample_store(db, fresh=not keep, on_result=add)
    show(tab)
    return report.reconciled


def _analyse(db: Path, steps: Steps) -> None:
    with user_errors(), open_store(db) as store:
        with steps.step("text analysis offline: language, PII redaction, sentiment, themes"):
            with Bar("texts", count_texts(store)) as bar:
                summary = analyse_sample_text(
                    store, on_texts=bar.advance, on_phase=lambda name: bar.describe(f"finding {name}")
                )
            out.print(
                f"text: {summary.analysed:,} texts analysed, {summary.themes} themes "
                f"({duration(summary.seconds, digits=0, unit='s')})"
            )
        with steps.step("insights (pain points, drivers, risk model, alerts) and KPI roll-ups"):
            with Bar("insights", len(INSIGHT_STEPS)) as bar:
                found = analyse_sample_insights(store, on_step=lambda name: bar.advance(1, name))
            auc = f"{found.risk_auc:.2f}" if found.risk_auc is not None else "-"
            out.print(
                f"insights: {found.painpoints} pain points ranked (top: {found.top_painpoint}); significant "
                f"drivers {found.drivers}; low-CSAT risk model AUC {auc}, {found.risk_scored:,} tickets "
                f"scored; {found.alerts} alerts ({duration(found.seconds, digits=0, unit='s')})",
                highlight=False,
            )
            for reason in found.skipped:
                err.print(f"      skipped {reason}", highlight=False)
            with Bar("roll-ups", rollup_kpis()) as bar:
                build_sample_rollups(store, on_kpi=lambda kpi: bar.advance(1, kpi))


def quickstart(
    db: Path = typer.Option(Path("insightdesk.duckdb"), "--db", help="DuckDB file to (re)create."),
    keep: bool = typer.Option(False, "--keep", help="Add to an existing store instead of starting fresh."),
    fresh: bool = typer.Option(
        False,
        "--fresh",
        help="Rebuild even when the store from an earlier quickstart is unchanged (by default it is reused).",
    ),
    text: bool = typer.Option(
        True,
        "--text/--no-text",
        help="Run the offline text pipeline, theme discovery, the insight engine and the KPI roll-ups.",
    ),
    serve: bool = typer.Option(False, "--serve/--no-serve", help="Then serve the dashboard on --port."),
    port: int = typer.Option(8000, "--port", help="Port for --serve (on 127.0.0.1)."),
    steps_before: int = typer.Option(
        0, "--steps-before", hidden=True, help="Steps a wrapper script ran first."
    ),
) -> None:
    """Build a fresh embedded store from the bundled sample desk, analyse it, print what it holds."""
    steps = Steps(steps_before, 2 + (2 if text else 0))
    why = None if (fresh or keep) else reusable(db, text=text)
    reconciled = True
    if why:
        steps.skip(f"reusing {db}: {why} (--fresh rebuilds it)")
        if text:
            steps.skip("text analysis, insights and roll-ups: kept from the earlier run")
    else:
        forget_stamp(db)
        reconciled = _load(db, keep, steps)
        if text:
            _analyse(db, steps)
    with user_errors(), open_store(db) as store:
        counts = store_summary(store)
        out.print("store [bold]" + str(db) + "[/]: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        if not why:
            print_headline(store)
        username, password = ensure_quickstart_admin(store)
        if not why and not keep:
            write_stamp(db, store, text=text)
    if not why:
        status = "[green]all counts reconcile[/]" if reconciled else "[red]counts do not reconcile[/]"
        out.print(status)
    steps.skip("dashboard" if serve else "done")
    login = (
        f"[bold]{username}[/] / [bold]{password}[/] (local quickstart account, shown once; change it with "
        f"`insightdesk users set-password {username}`)"
        if password
        else f"[bold]{username}[/] with the password printed when this store was built "
        f"(`insightdesk users set-password {username}` sets a new one)"
    )
    out.print(f"dashboard login: {login}", highlight=False)
    if serve:
        from insightdesk.api.server import serve as run_server

        out.print(f"dashboard: [bold]http://127.0.0.1:{port}[/] (Ctrl+C to stop)")
        run_server(str(db), host="127.0.0.1", port=port)


def register(app: typer.Typer) -> None:
    app.command("quickstart")(quickstart)
