"""Metrics engine benchmark: a generated desk in DuckDB, InsightDesk KPIs vs hand-written SQL.

    python benchmarks/metrics.py                          # 5M tickets, 10M feedback rows
    python benchmarks/metrics.py --tickets 200000 --feedback 400000 --db /tmp/small.duckdb

The desk is generated inside DuckDB by SQL (deterministic: every random draw is a hash of the
row number), straight into the canonical tables with lineage filled (`source_system = 'gen'`,
ids prefixed `gen:`). It bypasses ingestion and its validation on purpose: this measures the
metrics engine, not the loader.

Timings (median of --repeat runs after one warm-up, plus the cold first run):
- NPS by channel x month with intervals (target < 1 s);
- the overview: every KPI, last 12 months, by channel (target < 5 s);
- for each, a hand-written DuckDB SQL query of the same KPI (same semantics, fetched to pandas),
  and the ratio InsightDesk / hand-written (target <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# The desk generator and the hand-written SQL live beside this file; other benchmarks and a test load
# this file by path, so the names they use (generate, hand, HAND_SQL, agree, ...) are re-exported here.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from metrics_desk import END, SINCE, START, generate
from metrics_hand_sql import HAND_SQL, NPS_BY_MONTH, agree, hand

__all__ = ["END", "HAND_SQL", "NPS_BY_MONTH", "SINCE", "START", "agree", "generate", "hand"]


def progress(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(cold first run, median of `repeat` warm runs, last result)."""
    t0 = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - t0
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return cold, statistics.median(runs), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--feedback", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=None, help="default: tickets / 5")
    parser.add_argument("--db", default="benchmarks/.metrics-bench.duckdb")
    parser.add_argument("--reuse", action="store_true", help="keep an existing generated store")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", default=None, help="write results as JSON here")
    parser.add_argument(
        "--generate-only", action="store_true", help="build the store and stop (time it later with --reuse)"
    )
    parser.add_argument(
        "--rollups",
        action="store_true",
        help="also time the same requests answered from daily roll-ups (built first unless current)",
    )
    parser.add_argument("--skip-live", action="store_true", help="time the roll-up path only")
    args = parser.parse_args(argv)

    import numpy as np  # noqa: F401 - warm the import outside the timings

    from insightdesk.metrics import compute, list_kpis, overview
    from insightdesk.metrics.calendar import BusinessCalendar, calendar_table
    from insightdesk.store import open_store

    path = Path(args.db)
    fresh = not (args.reuse and path.exists())
    if fresh and path.exists():
        path.unlink()
    results: dict[str, object] = {
        "tickets": args.tickets,
        "feedback": args.feedback,
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    with open_store(path) as store:
        con = store.duckdb
        if fresh:
            progress(f"generating {args.tickets:,} tickets and {args.feedback:,} feedback rows")
            t0 = time.perf_counter()
            results["generate_s"] = generate(
                con, args.tickets, args.feedback, args.customers or args.tickets // 5
            )
            results["generate_total_s"] = time.perf_counter() - t0
        results["rows"] = {
            t: store.count(t) for t in ("tickets", "feedback", "ticket_events", "interactions")
        }
        if args.generate_only:
            sys.stdout.write(json.dumps(results, indent=2, default=float) + "\n")
            return 0
        con.register("bench_calendar_df", calendar_table(BusinessCalendar()))
        con.execute("CREATE OR REPLACE TEMP TABLE bench_calendar AS SELECT * FROM bench_calendar_df")
        duckdb_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        results["duckdb_threads"] = duckdb_threads

        names = [k.name for k in list_kpis()]
        if args.rollups:
            results["rollups"] = time_rollups(store, names, args.repeat)
        if args.skip_live:
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=2, default=float))
            sys.stdout.write(json.dumps(results, indent=2, default=float) + "\n")
            sys.stdout.write(report_rollups(results["rollups"]))
            return 0
        progress("NPS by channel x month")
        nps = timed(
            lambda: compute("nps", store=store, by=["channel"], grain="month", rollups=False), args.repeat
        )
        nps_hand = timed(lambda: hand(con, NPS_BY_MONTH, START, END), args.repeat)
        results["nps_channel_month"] = {
            "cold_s": nps[0],
            "warm_s": nps[1],
            "hand_s": nps_hand[1],
            "ratio": nps[1] / nps_hand[1],
            "cells": len(nps[2]),
        }
        progress("overview")
        ov = timed(
            lambda: overview(store, by=["channel"], since=SINCE, until=END, rollups=False), args.repeat
        )
        per_kpi = {}
        for name in names:
            progress(f"per KPI: {name}")
            mine = timed(
                lambda name=name: compute(
                    name, store=store, by=["channel"], since=SINCE, until=END, rollups=False
                ),
                1,
            )
            theirs = timed(lambda name=name: hand(con, HAND_SQL[name], SINCE, END), 1)
            per_kpi[name] = {
                "warm_s": mine[1],
                "hand_s": theirs[1],
                "ratio": mine[1] / theirs[1],
                "same_values": agree(mine[2], theirs[2]),
            }
        hand_total = sum(v["hand_s"] for v in per_kpi.values())
        results["overview_by_channel_12m"] = {
            "cold_s": ov[0],
            "warm_s": ov[1],
            "hand_total_s": hand_total,
            "ratio": ov[1] / hand_total,
            "kpis": len(names),
            "rows": len(ov[2]),
        }
        results["per_kpi"] = per_kpi
    text = json.dumps(results, indent=2, default=float)
    if args.json:
        Path(args.json).write_text(text)
    sys.stdout.write(text + "\n")
    sys.stdout.write(report(results))
    if "rollups" in results:
        sys.stdout.write(report_rollups(results["rollups"]))
    return 0


def time_rollups(store, names: list[str], repeat: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Build the roll-ups (unless current), time the two headline requests from them, and check
    every value against the live engine (medians within their 1% bins)."""
    from insightdesk.metrics import compute, overview
    from insightdesk.metrics.rollup import build_rollups, rollup_status, rollups_current

    out: dict[str, object] = {}
    if rollups_current(store):
        progress("roll-ups current: reusing them")
        built = store.query_df("SELECT sum(seconds) AS s FROM kpi_rollup_builds")["s"].iloc[0]
        out["build_s"], out["build_reused"] = float(built), True
    else:
        progress("building roll-ups")
        t0 = time.perf_counter()
        build_rollups(store, on_kpi=lambda r: progress(f"  {r.kpi}: {r.rows:,} rows, {r.seconds:.1f} s"))
        out["build_s"], out["build_reused"] = time.perf_counter() - t0, False
    out["rows"] = int(store.scalar("SELECT count(*) FROM kpi_rollups"))
    out["live_kpis"] = [s["kpi"] for s in rollup_status(store) if s["state"].startswith("live")]
    progress("NPS by channel x month from roll-ups")
    nps = timed(lambda: compute("nps", store=store, by=["channel"], grain="month"), repeat)
    assert nps[2].attrs["source"] == "rollup"
    progress("overview from roll-ups")
    ov = timed(lambda: overview(store, by=["channel"], since=SINCE, until=END), repeat)
    progress("overview live, to check the values")
    live = overview(store, by=["channel"], since=SINCE, until=END, rollups=False)
    out["nps_channel_month"] = {"cold_s": nps[0], "warm_s": nps[1], "cells": len(nps[2])}
    out["overview_by_channel_12m"] = {"cold_s": ov[0], "warm_s": ov[1], "rows": len(ov[2])}
    out["max_relative_difference"] = max_relative_difference(live, ov[2])
    return out


def max_relative_difference(live, rolled) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Per kind of KPI, the largest |rolled - live| / |live| over values and interval bounds."""
    from insightdesk.metrics import get_kpi

    keys = ["kpi", "channel", "category"]
    merged = live.merge(rolled, on=keys, suffixes=("_live", "_rolled"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), "the roll-ups and the live engine returned other cells"
    out: dict[str, float] = {}
    for kpi, part in merged.groupby("kpi"):
        kind = get_kpi(kpi).kind
        worst = 0.0
        for col in ("value", "ci_low", "ci_high"):
            a, b = part[f"{col}_live"].astype(float), part[f"{col}_rolled"].astype(float)
            both = a.notna() & b.notna() & (a != 0)
            if both.any():
                worst = max(worst, float(((a - b).abs() / a.abs())[both].max()))
        out[kind] = max(out.get(kind, 0.0), worst)
    return out


def report_rollups(r: dict) -> str:  # type: ignore[type-arg]
    nps, ov = r["nps_channel_month"], r["overview_by_channel_12m"]
    reused = " (reused; time of the earlier build)" if r["build_reused"] else ""
    lines = [
        "",
        f"Roll-ups: built in {r['build_s']:.0f} s{reused}, {r['rows']:,} rows; live by design: "
        + ", ".join(r["live_kpis"]),
        "",
        "| measurement, from roll-ups | warm | cold (first run) | target |",
        "|---|---|---|---|",
        f"| NPS by channel x month, with intervals | {nps['warm_s']:.3f} s | {nps['cold_s']:.3f} s | < 1 s |",
        f"| overview: every KPI, 12 months, by channel | {ov['warm_s']:.3f} s | {ov['cold_s']:.3f} s | < 5 s |",
        "",
        "Largest relative difference to the live engine, per kind of KPI: "
        + ", ".join(f"{k} {v:.1e}" for k, v in sorted(r["max_relative_difference"].items())),
    ]
    return "\n".join(lines) + "\n"


def report(r: dict) -> str:  # type: ignore[type-arg]
    nps, ov = r["nps_channel_month"], r["overview_by_channel_12m"]
    lines = [
        "",
        "| measurement | InsightDesk warm | cold (first run) | hand-written SQL | ratio | target |",
        "|---|---|---|---|---|---|",
        f"| NPS by channel x month, with intervals | {nps['warm_s']:.3f} s | {nps['cold_s']:.3f} s | {nps['hand_s']:.3f} s | {nps['ratio']:.2f} | < 1 s, <= 1.5 |",
        f"| overview: {ov['kpis']} KPIs, 12 months, by channel | {ov['warm_s']:.3f} s | {ov['cold_s']:.3f} s | {ov['hand_total_s']:.3f} s | {ov['ratio']:.2f} | < 5 s, <= 1.5 |",
        "",
        "| KPI | InsightDesk | hand SQL | ratio | same values |",
        "|---|---|---|---|---|",
    ]
    for name, v in r["per_kpi"].items():
        same = "yes" if v.get("same_values") else "NO"
        lines.append(f"| `{name}` | {v['warm_s']:.3f} s | {v['hand_s']:.3f} s | {v['ratio']:.2f} | {same} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
