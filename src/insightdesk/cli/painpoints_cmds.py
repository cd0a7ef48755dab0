"""`insightdesk painpoints ...`: rank pain points and explain each rank.

The backlog commands of the same group (update, history, backlog) are in `painpoints_backlog_cmds`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer

from insightdesk.cli.console import err, out
from insightdesk.cli.options import DB_OPTION, format_option, split_commas
from insightdesk.cli.output import (
    Format,
    count,
    duration,
    fields_table,
    jsonable,
    kpi_difference,
    kpi_value,
    num,
    show,
    table,
    user_errors,
    write_json,
    write_rows,
)
from insightdesk.model import display

if TYPE_CHECKING:
    from insightdesk.insights.painpoints import PainpointConfig

painpoints_app = typer.Typer(
    help="Pain points: themes and categories ranked by severity x frequency x business impact, "
    "with explanations and a backlog.",
    no_args_is_help=True,
)

FORMAT_OPTION = format_option()
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
    "metrics",
    "explanation",
]
NESTED_COLUMNS = ("metrics", "explanation")


def _emit(frame: pd.DataFrame, fmt: Format, title: str, caption: str = "") -> None:
    if fmt is not Format.table:
        write_rows(frame, fmt, LIST_COLUMNS, nested=NESTED_COLUMNS)
        return
    tab = table(
        title,
        ("#", "pain point", "score", "sev/freq/imp", "tickets", "trend", "status"),
        right=("#", "score", "sev/freq/imp", "tickets", "trend"),
        caption=caption,
    )
    for r in frame.to_dict("records"):
        flag = " [bold red]critical[/]" if r["critical"] else ""
        tab.add_row(
            str(r["rank"]),
            f"{r['label']}{flag}\n[dim]{r['painpoint_key']}[/]",
            num(r["score"]),
            f"{r['severity']:.2f}/{r['frequency']:.2f}/{r['business_impact']:.2f}",
            count(r["tickets"]),
            _trend(r),
            str(r.get("status") or "-"),
        )
    show(tab)


def _config(
    config_file: Path | None,
    window_days: int | None,
    kinds: list[str],
    min_tickets: int | None,
    min_n: int | None,
) -> PainpointConfig:
    from insightdesk.insights.painpoints import PainpointConfig, load_config

    cfg = load_config(config_file) if config_file else PainpointConfig()
    changes: dict[str, Any] = {}
    if window_days is not None:
        changes["window_days"] = window_days
    if kinds:
        changes["kinds"] = tuple(split_commas(kinds))
    if min_tickets is not None:
        changes["min_tickets"] = min_tickets
    if min_n is not None:
        changes["min_n"] = min_n
    return cfg.with_(**changes) if changes else cfg


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

    with user_errors(ValueError):
        cfg = _config(config_file, window_days, kind, min_tickets, min_n)
    with user_errors(PainpointDataError, ValueError), open_store(db) as store:
        ranking = rank_painpoints(store, cfg, since=since, until=until)
        frame = list_painpoints(store, run_id=ranking.run_id)  # with the backlog status
    w = ranking.window
    critical = int(frame["critical"].sum()) if len(frame) else 0
    err.print(
        f"run {ranking.run_id}: {len(frame):,} pain points from {ranking.window_tickets:,} tickets "
        f"created {w.since:%Y-%m-%d} .. {w.until:%Y-%m-%d} (exclusive); {critical} "
        f"critical; {len(ranking.added_to_backlog)} new in the backlog; {duration(ranking.seconds)}"
    )
    _emit(
        frame.head(top) if fmt is Format.table else frame,
        fmt,
        f"Pain points, {w.since:%Y-%m-%d} .. {w.until:%Y-%m-%d}",
        "score = severity x frequency x business impact (docs/insights.md); "
        "details: insightdesk painpoints show KEY",
    )


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

    with user_errors(PainpointNotFound, ValueError), open_store(db) as store:
        frame = list_painpoints(
            store, run_id=run, kind=kind, status=status, critical_only=critical, limit=limit or None
        )
    if frame.empty and fmt is Format.table:
        out.print("no pain points match (see `insightdesk painpoints runs` and the filters given)")
        return
    _emit(frame, fmt, f"Pain points of run {frame.run_id.iloc[0]}" if len(frame) else "Pain points")


def _trend(row: dict[str, Any]) -> str:
    from insightdesk.insights.painpoints import trend_text

    metrics = row.get("metrics")
    return trend_text(metrics.get("trend") if isinstance(metrics, dict) else None, row.get("trend"))


def _show_table(row: dict[str, Any], currency: str | None = None) -> None:
    m = row["metrics"]
    window = m.get("window") or {}
    backlog = row.get("backlog") or {}
    head = [
        (
            "score",
            f"{row['score']:.3f} = severity {row['severity']:.2f} x frequency {row['frequency']:.2f} "
            f"x impact {row['business_impact']:.2f} (with floors)",
        ),
        ("critical", "; ".join(m.get("critical_reasons") or []) or "no"),
        ("window", f"{window.get('since', '-')[:10]} .. {window.get('until', '-')[:10]} (exclusive)"),
        (
            "backlog",
            f"{backlog.get('status', '-')}, owner {backlog.get('owner') or '-'}, "
            f"problem {backlog.get('problem_id') or '-'}",
        ),
    ]
    show(fields_table(f"#{row['rank']} {row['label']}", head, caption=row["painpoint_key"]))

    why = table(
        "Why this rank (largest contribution first)", ("share", "factor", "evidence"), right=("share",)
    )
    for e in row["explanation"]:
        why.add_row(
            f"{100 * e['contribution']:.0f}%", e["factor"], e["text"], style="dim" if e.get("low_n") else None
        )
    show(why)

    kpis = table(
        "KPIs vs the rest of the window (95% intervals)",
        ("KPI", "pain point", "rest", "gap, worse > 0 [95% CI]", "p", "n", ""),
        right=("pain point", "rest", "gap, worse > 0 [95% CI]", "p", "n"),
    )
    for name, k in m["kpis"].items():
        if k["n"] + k["rest"]["n"] == 0:
            continue  # the desk has no such data at all
        gaps = [kpi_difference(k[g], k["unit"]) for g in ("gap", "gap_ci_low", "gap_ci_high")]
        kpis.add_row(
            name,
            kpi_value(k["value"], k["unit"]),
            kpi_value(k["rest"]["value"], k["unit"]),
            f"{gaps[0]} [{gaps[1]}..{gaps[2]}]",
            num(k["p_value"], ".3f"),
            f"{k['n']:,}/{k['rest']['n']:,}",
            "[yellow]low n[/]" if k["low_n"] else "",
        )
    show(kpis)
    v, c, t = m["value"], m["customers"], m["trend"]
    out.print(
        f"customers: {c['n']:,} ({num(c['share'], '.1%')} of {c['window_customers']:,}); tiers "
        + ", ".join(f"{k} {n:,}" for k, n in sorted((c.get("tiers") or {}).items()))
    )
    cur = currency or v.get("currency") or "USD"
    money = {
        k: display.money(v[k], cur, missing="-")
        for k in ("value_at_risk", "ci_low", "ci_high", "lifetime_value")
    }
    out.print(
        f"value at risk: {money['value_at_risk']} [{money['ci_low']}..{money['ci_high']}] of lifetime value "
        f"{money['lifetime_value']} ({v['formula']})"
    )
    out.print(
        f"trend: {_trend(row)} (earlier vs recent half of the window); share ratio "
        f"{num(t['share_ratio'], '.2f')} [{num(t['ci_low'], '.2f')}..{num(t['ci_high'], '.2f')}], "
        f"p={num(t['p_value'], '.3f')}"
    )
    tc = m["time_cost"]
    out.print(
        f"time cost: {num(tc['resolution_hours_total'], ',.0f')} resolution hours over "
        f"{tc['resolved_tickets']:,} resolved tickets; {num(tc['excess_hours'], '+,.0f')} h more than "
        "at the rest's mean"
    )
    weekly = m.get("weekly") or []
    if weekly:
        out.print("weekly tickets: " + ", ".join(f"{w} {n}" for w, n in weekly))


def show_cmd(
    key: str = typer.Argument(..., help="Pain-point key, e.g. category:Billing or theme:T0003."),
    db: str = DB_OPTION,
    run: str = RUN_OPTION,
    fmt: Format = format_option(help="table or json."),
) -> None:
    """One pain point: its score, the factors behind its rank, KPI gaps with intervals, backlog."""
    from insightdesk.governance.settings import get_setting
    from insightdesk.insights.painpoints import PainpointNotFound, get_painpoint
    from insightdesk.store import open_store

    with user_errors(PainpointNotFound), open_store(db) as store:
        row = get_painpoint(store, key, run_id=run)
        currency = get_setting(store.engine, "display.currency")
    if fmt is not Format.table:
        write_json(jsonable(row), sort_keys=True)
        return
    _show_table(row, currency)


def runs_cmd(db: str = DB_OPTION, limit: int = typer.Option(10, "--limit", help="Runs to show.")) -> None:
    """Recent ranking runs: window, pain points, critical ones, top 5."""
    from insightdesk.insights.painpoints import list_runs
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        frame = list_runs(store, limit=limit)
    tab = table("Pain-point ranking runs", ("run", "by", "window", "pain points", "critical", "top"))
    for r in frame.to_dict("records"):
        w, s = r["params"]["window"], r["summary"]
        tab.add_row(
            r["run_id"],
            r["started_by"] or "-",
            f"{w['since'][:10]} .. {w['until'][:10]}",
            f"{s.get('painpoints', 0):,}",
            str(s.get("critical", 0)),
            ", ".join(t["label"] for t in s.get("top", [])[:3]),
        )
    show(tab)


def config_cmd(
    config_file: Path = typer.Option(
        None, "--config", help="TOML file to check and show merged with the defaults."
    ),
) -> None:
    """The scoring settings in effect (defaults, or a TOML file merged onto them), as JSON."""
    from insightdesk.insights.painpoints import COMPONENTS, PainpointConfig, load_config

    with user_errors(ValueError):
        cfg = load_config(config_file) if config_file else PainpointConfig()
    data = cfg.to_dict()
    data["components"] = {
        n: {"factor": c.factor, "unit": c.unit, "meaning": c.meaning} for n, c in COMPONENTS.items()
    }
    write_json(data)


def register(app: typer.Typer) -> None:
    from insightdesk.cli import painpoints_backlog_cmds as backlog

    # Registered here, in this order, so that `insightdesk painpoints --help` lists them as before.
    for name, command in (
        ("rank", rank_cmd),
        ("list", list_cmd),
        ("show", show_cmd),
        ("update", backlog.update_cmd),
        ("history", backlog.history_cmd),
        ("backlog", backlog.backlog_cmd),
        ("runs", runs_cmd),
        ("config", config_cmd),
    ):
        painpoints_app.command(name)(command)
    app.add_typer(painpoints_app, name="painpoints")
