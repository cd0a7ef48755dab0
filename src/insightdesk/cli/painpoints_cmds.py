"""`insightdesk painpoints ...`: rank pain points, explain each rank, and work the backlog."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION

painpoints_app = typer.Typer(
    help="Pain points: themes and categories ranked by severity x frequency x business impact, "
    "with explanations and a backlog.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="Output format.")
RUN_OPTION = typer.Option(None, "--run", help="Ranking run id (default: the latest).")
LIST_COLUMNS = [
    "rank",
    "painpoint_key",
    "kind",
    "label",
    "score",
    "severity",
    "frequency",
    "business_impact",
    "critical",
    "tickets",
    "customers",
    "trend",
    "status",
    "owner",
]


def _fail(exc: Exception, code: int = 2) -> None:
    err.print(f"[red]error:[/] {exc}")
    raise typer.Exit(code) from exc


def _num(value: Any, fmt: str = "{:.3f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt.format(value)


def _plain(value: Any) -> Any:
    """JSON-ready (numpy scalars, NaN and timestamps handled as the store's JSON columns do)."""
    from insightdesk.insights.common.runs import to_json

    return json.loads(to_json(value))


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [_plain({c: r.get(c) for c in columns}) for r in frame.to_dict("records")]


def _emit(frame: pd.DataFrame, fmt: Format, columns: list[str], title: str, caption: str = "") -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(_records(frame, columns), indent=2) + "\n")
        return
    if fmt is Format.csv:
        flat = frame[[c for c in columns if c not in ("metrics", "explanation")]]
        sys.stdout.write(flat.to_csv(index=False))
        return
    table = Table(title=title, caption=caption)
    for col in ("#", "pain point", "score", "sev/freq/imp", "tickets", "trend", "status"):
        table.add_column(col, justify="left" if col in ("pain point", "status") else "right")
    for r in frame.to_dict("records"):
        flag = " [bold red]critical[/]" if r["critical"] else ""
        table.add_row(
            str(r["rank"]),
            f"{r['label']}{flag}\n[dim]{r['painpoint_key']}[/]",
            _num(r["score"]),
            f"{r['severity']:.2f}/{r['frequency']:.2f}/{r['business_impact']:.2f}",
            f"{int(r['tickets']):,}",
            _num(r["trend"], "{:+.0%}"),
            str(r.get("status") or "-"),
        )
    out.print(table)


def _config(
    config_file: Path | None,
    window_days: int | None,
    kinds: list[str],
    min_tickets: int | None,
    min_n: int | None,
) -> Any:
    from insightdesk.insights.painpoints import PainpointConfig, load_config

    cfg = load_config(config_file) if config_file else PainpointConfig()
    changes: dict[str, Any] = {}
    if window_days is not None:
        changes["window_days"] = window_days
    if kinds:
        changes["kinds"] = tuple(k.strip() for item in kinds for k in item.split(",") if k.strip())
    if min_tickets is not None:
        changes["min_tickets"] = min_tickets
    if min_n is not None:
        changes["min_n"] = min_n
    return cfg.with_(**changes) if changes else cfg


@painpoints_app.command("rank")
def rank_cmd(
    db: str = DB_OPTION,
    since: str = typer.Option(None, "--since", help="Window start (inclusive), YYYY-MM-DD."),
    until: str = typer.Option(
        None, "--until", help="Window end (exclusive), YYYY-MM-DD; default: after the newest ticket."
    ),
    window_days: int = typer.Option(
        None, "--window-days", help="Window length without --since (default 90)."
    ),
    kind: list[str] = typer.Option(
        [], "--kind", "-k", help="theme, category or theme_x_category (repeatable; default all)."
    ),
    config_file: Path = typer.Option(
        None, "--config", help="TOML file with weights and thresholds ([painpoints] table)."
    ),
    min_tickets: int = typer.Option(
        None, "--min-tickets", help="Smallest pain point ranked (default 20 tickets)."
    ),
    min_n: int = typer.Option(
        None, "--min-n", help="Fewest answers per side for a KPI gap to count (default 30)."
    ),
    top: int = typer.Option(20, "--top", help="Rows to print (all are stored)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Rank pain points over a window and store the run (painpoints table, new backlog entries)."""
    from insightdesk.insights.painpoints import PainpointDataError, list_painpoints, rank_painpoints
    from insightdesk.store import open_store

    try:
        cfg = _config(config_file, window_days, kind, min_tickets, min_n)
    except ValueError as exc:
        _fail(exc)
    with open_store(db) as store:
        try:
            ranking = rank_painpoints(store, cfg, since=since, until=until)
        except (PainpointDataError, ValueError) as exc:
            _fail(exc)
        frame = list_painpoints(store, run_id=ranking.run_id)  # with the backlog status
    w = ranking.window
    err.print(
        f"run {ranking.run_id}: {len(frame):,} pain points from {ranking.window_tickets:,} tickets "
        f"created {w.since:%Y-%m-%d} .. {w.until:%Y-%m-%d} (exclusive); {int(frame['critical'].sum()) if len(frame) else 0} "
        f"critical; {len(ranking.added_to_backlog)} new in the backlog; {ranking.seconds:.1f} s"
    )
    _emit(
        frame.head(top) if fmt is Format.table else frame,
        fmt,
        [*LIST_COLUMNS, "metrics", "explanation"],
        f"Pain points, {w.since:%Y-%m-%d} .. {w.until:%Y-%m-%d}",
        "score = severity x frequency x business impact (docs/insights.md); "
        "details: insightdesk painpoints show KEY",
    )


@painpoints_app.command("list")
def list_cmd(
    db: str = DB_OPTION,
    run: str = RUN_OPTION,
    kind: str = typer.Option(None, "--kind", "-k", help="Only theme, category or theme_x_category."),
    status: str = typer.Option(None, "--status", help="Only pain points with this backlog status."),
    critical: bool = typer.Option(False, "--critical", help="Only critical pain points."),
    limit: int = typer.Option(20, "--limit", help="Rows to show (0 = all)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The stored ranking (default: the latest run) with backlog status and owner."""
    from insightdesk.insights.painpoints import PainpointNotFound, list_painpoints
    from insightdesk.store import open_store

    with open_store(db) as store:
        try:
            frame = list_painpoints(
                store, run_id=run, kind=kind, status=status, critical_only=critical, limit=limit or None
            )
        except (PainpointNotFound, ValueError) as exc:
            _fail(exc)
    if frame.empty and fmt is Format.table:
        out.print("no pain points match (see `insightdesk painpoints runs` and the filters given)")
        return
    title = f"Pain points of run {frame.run_id.iloc[0]}" if len(frame) else "Pain points"
    _emit(frame, fmt, [*LIST_COLUMNS, "metrics", "explanation"], title)


def _show_table(row: dict[str, Any]) -> None:
    m = row["metrics"]
    head = Table(title=f"#{row['rank']} {row['label']}", show_header=False, caption=row["painpoint_key"])
    head.add_column("field", style="bold")
    head.add_column("value")
    head.add_row(
        "score",
        f"{row['score']:.3f} = severity {row['severity']:.2f} x frequency {row['frequency']:.2f} x impact {row['business_impact']:.2f} (with floors)",
    )
    head.add_row("critical", "; ".join(m.get("critical_reasons") or []) or "no")
    window = m.get("window") or {}
    head.add_row("window", f"{window.get('since', '-')[:10]} .. {window.get('until', '-')[:10]} (exclusive)")
    backlog = row.get("backlog") or {}
    head.add_row(
        "backlog",
        f"{backlog.get('status', '-')}, owner {backlog.get('owner') or '-'}, problem {backlog.get('problem_id') or '-'}",
    )
    out.print(head)

    why = Table(title="Why this rank (largest contribution first)")
    why.add_column("share", justify="right")
    why.add_column("factor")
    why.add_column("evidence")
    for e in row["explanation"]:
        why.add_row(
            f"{100 * e['contribution']:.0f}%", e["factor"], e["text"], style="dim" if e.get("low_n") else None
        )
    out.print(why)

    kpis = Table(title="KPIs vs the rest of the window (95% intervals)")
    for col in ("KPI", "pain point", "rest", "gap, worse > 0 [95% CI]", "p", "n", ""):
        kpis.add_column(col, justify="left" if col in ("KPI", "") else "right")
    for name, k in m["kpis"].items():
        if k["n"] + k["rest"]["n"] == 0:
            continue  # the desk has no such data at all
        pct = k["unit"] == "share"
        f = (
            (lambda v: _num(None if v is None else 100 * v, "{:.1f}%"))
            if pct
            else (lambda v: _num(v, "{:.2f}"))
        )
        g = (
            (lambda v: _num(None if v is None else 100 * v, "{:+.1f}"))
            if pct
            else (lambda v: _num(v, "{:+.2f}"))
        )
        kpis.add_row(
            name,
            f(k["value"]),
            f(k["rest"]["value"]),
            f"{g(k['gap'])} [{g(k['gap_ci_low'])}..{g(k['gap_ci_high'])}]",
            _num(k["p_value"], "{:.3f}"),
            f"{k['n']:,}/{k['rest']['n']:,}",
            "[yellow]low n[/]" if k["low_n"] else "",
        )
    out.print(kpis)
    v, c, t = m["value"], m["customers"], m["trend"]
    out.print(
        f"customers: {c['n']:,} ({_num(c['share'], '{:.1%}')} of {c['window_customers']:,}); tiers "
        + ", ".join(f"{k} {n:,}" for k, n in sorted((c.get("tiers") or {}).items()))
    )
    out.print(
        f"value at risk: {_num(v['value_at_risk'], '{:,.0f}')} [{_num(v['ci_low'], '{:,.0f}')}.."
        f"{_num(v['ci_high'], '{:,.0f}')}] of lifetime value {_num(v['lifetime_value'], '{:,.0f}')} "
        f"({v['formula']})"
    )
    out.print(
        f"trend: {t['earlier']:,} -> {t['recent']:,} tickets (earlier vs recent half); share ratio "
        f"{_num(t['share_ratio'], '{:.2f}')} [{_num(t['ci_low'], '{:.2f}')}..{_num(t['ci_high'], '{:.2f}')}], "
        f"p={_num(t['p_value'], '{:.3f}')}"
    )
    tc = m["time_cost"]
    out.print(
        f"time cost: {_num(tc['resolution_hours_total'], '{:,.0f}')} resolution hours over {tc['resolved_tickets']:,} "
        f"resolved tickets; {_num(tc['excess_hours'], '{:+,.0f}')} h more than at the rest's mean"
    )
    weekly = m.get("weekly") or []
    if weekly:
        out.print("weekly tickets: " + ", ".join(f"{w} {n}" for w, n in weekly))


@painpoints_app.command("show")
def show_cmd(
    key: str = typer.Argument(..., help="Pain-point key, e.g. category:Billing or theme:T0003."),
    db: str = DB_OPTION,
    run: str = RUN_OPTION,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
) -> None:
    """One pain point: its score, the factors behind its rank, KPI gaps with intervals, backlog."""
    from insightdesk.insights.painpoints import PainpointNotFound, get_painpoint
    from insightdesk.store import open_store

    with open_store(db) as store:
        try:
            row = get_painpoint(store, key, run_id=run)
        except PainpointNotFound as exc:
            _fail(exc)
    if fmt is not Format.table:
        sys.stdout.write(json.dumps(_plain(row), indent=2) + "\n")
        return
    _show_table(row)


def _when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date or time (YYYY-MM-DD[THH:MM])") from None


@painpoints_app.command("update")
def update_cmd(
    key: str = typer.Argument(..., help="Pain-point key (see `insightdesk painpoints list`)."),
    db: str = DB_OPTION,
    status: str = typer.Option(
        None, "--status", help="new, under_review, linked_to_problem, fix_shipped or verified."
    ),
    owner: str = typer.Option(None, "--owner", help="Account responsible (an existing username; '' clears)."),
    problem: str = typer.Option(None, "--problem", help="Problem record id (problems.id) to link."),
    note: str = typer.Option(None, "--note", help="A note (kept as the latest note, and in the history)."),
    shipped_at: str = typer.Option(
        None, "--shipped-at", help="With fix_shipped: when it shipped (default now, UTC)."
    ),
    actor: str = typer.Option("cli", "--actor", help="Who makes the change (a username; default `cli`)."),
    verify_days: int = typer.Option(
        30, "--verify-days", help="With verified: days measured before and after the fix."
    ),
    force: bool = typer.Option(
        False, "--force", help="With verified: verify even without a measured improvement."
    ),
) -> None:
    """Change a backlog entry: status (moves are validated), owner, linked problem, note."""
    from insightdesk.insights.painpoints import BacklogError, PainpointDataError, update_painpoint
    from insightdesk.store import open_store

    with open_store(db) as store:
        try:
            result = update_painpoint(
                store,
                key,
                status=status,
                owner=owner,
                problem_id=problem,
                note=note,
                shipped_at=_when(shipped_at),
                actor=actor,
                force=force,
                verify_days=verify_days,
            )
        except (BacklogError, PainpointDataError) as exc:
            _fail(exc)
    e = result.entry
    out.print(
        f"{key}: {e['status']}, owner {e['owner'] or '-'}, problem {e['problem_id'] or '-'} "
        f"({len(result.events)} change(s) recorded by {result.events[0]['actor']})"
    )
    if result.verification is not None:
        forced = " [yellow](forced)[/]" if result.verification.get("forced") else ""
        out.print(f"verification{forced}: {result.verification['verdict']}")


@painpoints_app.command("history")
def history_cmd(
    key: str = typer.Argument(..., help="Pain-point key."),
    db: str = DB_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The audit trail of one backlog entry: every change, who made it and when."""
    from insightdesk.insights.painpoints import backlog_history
    from insightdesk.store import open_store

    with open_store(db) as store:
        frame = backlog_history(store, key)
    if frame.empty:
        _fail(LookupError(f"no backlog history for {key!r} (see `insightdesk painpoints backlog`)"))
    if fmt is not Format.table:
        cols = ["occurred_at", "field", "old_value", "new_value", "actor"]
        if fmt is Format.json:
            sys.stdout.write(json.dumps(_records(frame, cols), indent=2) + "\n")
        else:
            sys.stdout.write(frame[cols].to_csv(index=False))
        return
    table = Table(title=f"History of {key}")
    for col in ("when (UTC)", "field", "from", "to", "by"):
        table.add_column(col)
    for r in frame.to_dict("records"):
        new = r["new_value"] or "-"
        if r["field"] == "verification":
            new = json.loads(new).get("verdict", new)
        table.add_row(
            f"{r['occurred_at']:%Y-%m-%d %H:%M}", r["field"], r["old_value"] or "-", new, r["actor"]
        )
    out.print(table)


@painpoints_app.command("backlog")
def backlog_cmd(
    db: str = DB_OPTION,
    status: str = typer.Option(None, "--status", help="Only this status."),
    owner: str = typer.Option(None, "--owner", help="Only this owner."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Every backlog entry with its status, owner and linked problem, most recently changed first."""
    from insightdesk.insights.painpoints import BacklogError, backlog_frame
    from insightdesk.store import open_store

    with open_store(db) as store:
        try:
            frame = backlog_frame(store, status=status, owner=owner)
        except BacklogError as exc:
            _fail(exc)
    cols = ["painpoint_key", "status", "owner", "problem_id", "shipped_at", "note", "updated_at"]
    if fmt is Format.json:
        sys.stdout.write(json.dumps(_records(frame, cols), indent=2) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(frame[cols].to_csv(index=False))
        return
    table = Table(title=f"Pain-point backlog ({len(frame):,})")
    for col in ("pain point", "status", "owner", "problem", "updated (UTC)"):
        table.add_column(col)
    for r in frame.to_dict("records"):
        table.add_row(
            r["painpoint_key"],
            r["status"],
            r["owner"] or "-",
            r["problem_id"] or "-",
            f"{r['updated_at']:%Y-%m-%d %H:%M}",
        )
    out.print(table)


@painpoints_app.command("runs")
def runs_cmd(db: str = DB_OPTION, limit: int = typer.Option(10, "--limit", help="Runs to show.")) -> None:
    """Recent ranking runs: window, pain points, critical ones, top 5."""
    from insightdesk.insights.painpoints import list_runs
    from insightdesk.store import open_store

    with open_store(db) as store:
        frame = list_runs(store, limit=limit)
    table = Table(title="Pain-point ranking runs")
    for col in ("run", "by", "window", "pain points", "critical", "top"):
        table.add_column(col)
    for r in frame.to_dict("records"):
        w, s = r["params"]["window"], r["summary"]
        table.add_row(
            r["run_id"],
            r["started_by"] or "-",
            f"{w['since'][:10]} .. {w['until'][:10]}",
            f"{s.get('painpoints', 0):,}",
            str(s.get("critical", 0)),
            ", ".join(t["label"] for t in s.get("top", [])[:3]),
        )
    out.print(table)


@painpoints_app.command("config")
def config_cmd(
    config_file: Path = typer.Option(
        None, "--config", help="TOML file to check and show merged with the defaults."
    ),
) -> None:
    """The scoring settings in effect (defaults, or a TOML file merged onto them), as JSON."""
    from insightdesk.insights.painpoints import COMPONENTS, PainpointConfig, load_config

    try:
        cfg = load_config(config_file) if config_file else PainpointConfig()
    except ValueError as exc:
        _fail(exc)
    data = cfg.to_dict()
    data["components"] = {
        n: {"factor": c.factor, "unit": c.unit, "meaning": c.meaning} for n, c in COMPONENTS.items()
    }
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(painpoints_app, name="painpoints")
