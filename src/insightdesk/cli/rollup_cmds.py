"""`insightdesk metrics rollup ...`: build, inspect and drop the daily KPI roll-ups."""

from __future__ import annotations

import typer

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, fail, show, table, user_errors

rollup_app = typer.Typer(
    help="Daily KPI roll-ups: reports over months read sums per day instead of every fact.",
    no_args_is_help=True,
)


def _dimsets(values: list[str]) -> list[tuple[str, ...]] | None:
    """`--dims channel --dims team,region` -> [("channel",), ("team", "region")]; `--dims ''` = desk."""
    if not values:
        return None
    return [tuple(d.strip() for d in v.split(",") if d.strip()) for v in values]


def _check_request(
    kpis: list[str], dimsets: list[tuple[str, ...]] | None, median_resolution: float | None
) -> None:
    """Refuse unknown KPIs and dimensions and a bad resolution before the store is opened (exit 2)."""
    from insightdesk.metrics import get_kpi
    from insightdesk.store.tables.rollups import ROLLUP_DIMS

    for name in kpis:
        try:
            get_kpi(name)
        except KeyError as exc:
            fail(f"--kpi: {exc.args[0]}")
    unknown = sorted({d for s in dimsets or () for d in s} - set(ROLLUP_DIMS))
    if unknown:
        fail(f"--dims: {', '.join(unknown)} cannot be rolled up; choose from {', '.join(ROLLUP_DIMS)}")
    if median_resolution is not None and not 0 <= median_resolution < 1:
        fail(f"--median-resolution must be at least 0 and below 1, not {median_resolution}")


@rollup_app.command("build")
def build_cmd(
    kpi: list[str] = typer.Option([], "--kpi", "-k", help="Only this KPI (repeatable); default every KPI."),
    dims: list[str] = typer.Option(
        [],
        "--dims",
        help="A dimension set to keep, comma-separated (repeatable; '' = whole desk). Default: every "
        "dimension together up to 500,000 tickets, else the whole desk and each common dimension alone.",
    ),
    median_resolution: float = typer.Option(
        None,
        "--median-resolution",
        help="Relative bin width of median values (0 = exact). Default: exact up to 500,000 tickets, else 0.01.",
    ),
    db: str = DB_OPTION,
) -> None:
    """Build (or rebuild) the roll-ups; requests they cover are then answered from them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from insightdesk.metrics import list_kpis
    from insightdesk.metrics.rollup import RollupError, RollupResult, build_rollups
    from insightdesk.store import open_store

    names = kpi or [k.name for k in list_kpis()]
    _check_request(names, _dimsets(dims), median_resolution)
    tab = table("KPI roll-ups", ("kpi", "rows", "seconds", "state"), right=("rows", "seconds"))
    with (
        user_errors(),
        open_store(db) as store,
        Progress(
            TextColumn("building roll-ups"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress,
    ):
        task = progress.add_task("kpis", total=len(names))

        def done(result: RollupResult) -> None:
            progress.advance(task)
            state = "rolled up" if result.skipped is None else f"live: {result.skipped}"
            tab.add_row(result.kpi, f"{result.rows:,}", f"{result.seconds:.1f}", state)

        # A failed build is not a refused input: exit 1 (scripts check it), reported under the bar.
        with user_errors(RollupError, KeyError, ValueError, code=ExitCode.FAILED):
            build_rollups(
                store, kpis=names, dimsets=_dimsets(dims), median_resolution=median_resolution, on_kpi=done
            )
    show(tab)


@rollup_app.command("status")
def status_cmd(db: str = DB_OPTION) -> None:
    """Per KPI: current, stale (the data or definition changed since the build) or computed live."""
    from insightdesk.metrics.rollup import rollup_status
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        states = rollup_status(store)
    tab = table("KPI roll-ups", ("kpi", "state", "rows", "dimension sets", "built at"))
    for s in states:
        sets = s["dimsets"]
        tab.add_row(
            s["kpi"],
            s["state"],
            "" if s["rows"] is None else f"{s['rows']:,}",
            "" if not sets else "; ".join(",".join(d) or "(desk)" for d in sets),
            "" if s["built_at"] is None else str(s["built_at"])[:19],
        )
    show(tab)


@rollup_app.command("drop")
def drop_cmd(db: str = DB_OPTION) -> None:
    """Remove every roll-up: KPIs are then computed live from the facts."""
    from insightdesk.metrics.rollup import drop_rollups
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        n = drop_rollups(store)
    out.print(f"dropped the roll-ups of {n} KPIs")
