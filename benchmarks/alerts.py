"""Alert scan benchmark: every KPI x segment series of a generated desk, scanned for anomalies.

    python benchmarks/alerts.py                                      # 5M tickets (the metrics benchmark's desk)
    python benchmarks/alerts.py --reuse --db benchmarks/.metrics-bench.duckdb
    python benchmarks/alerts.py --tickets 250000 --feedback 500000 --db /tmp/alerts-bench.duckdb

The desk is the metrics benchmark's (benchmarks/metrics.py: generated inside DuckDB by SQL,
22 months); `--reuse` keeps a store it already generated. Timed, cold (first run in the process:
includes compiling every KPI's query) and warm (median of --repeat runs):

- the series: one GROUPING SETS query per KPI fact, every default dimension at once
  (`insights.series.kpi_cells`);
- the detection: `insights.anomalies.detect` over all of them, Benjamini-Hochberg across the scan;
- the whole `run_alerts` (series, detection, threshold rules, storing; no delivery), both as
  scheduled (the last 4 weeks tested: only their baselines' data is read) and as a backtest of the
  whole history.

Target: the scan (series + detection) under 60 s on 2 cores at 5M tickets.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _metrics_bench():
    spec = importlib.util.spec_from_file_location("metrics_benchmark", HERE / "metrics.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(fn, repeat: int) -> tuple[float, float, object]:
    t0 = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm) if warm else cold, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--feedback", type=int, default=10_000_000)
    parser.add_argument("--db", default="benchmarks/.metrics-bench.duckdb")
    parser.add_argument("--reuse", action="store_true", help="keep an existing generated store")
    parser.add_argument("--grain", default="week", choices=["day", "week", "month"])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", default=None, help="write results as JSON here")
    args = parser.parse_args(argv)

    from insightdesk.insights.alerts.anomalies import detect
    from insightdesk.insights.alerts.config import DetectionConfig
    from insightdesk.insights.alerts.series import data_end, kpi_cells, scannable_kpis
    from insightdesk.insights.alerts.service import run_alerts
    from insightdesk.store import open_store

    logging.getLogger("insightdesk.alerts").setLevel(logging.ERROR)
    path = Path(args.db)
    fresh = not (args.reuse and path.exists())
    if fresh and path.exists():
        path.unlink()
    results: dict[str, object] = {
        "tickets": args.tickets,
        "grain": args.grain,
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average_before": os.getloadavg(),
    }
    with open_store(path) as store:
        if fresh:
            bench = _metrics_bench()
            print(f"generating {args.tickets:,} tickets", file=sys.stderr)
            t0 = time.perf_counter()
            bench.generate(store.duckdb, args.tickets, args.feedback, args.tickets // 5)
            results["generate_s"] = time.perf_counter() - t0
        results["rows"] = {t: store.count(t) for t in ("tickets", "feedback", "interactions")}
        results["duckdb_threads"] = store.duckdb.execute("SELECT current_setting('threads')").fetchone()[0]
        kpis = scannable_kpis()
        end = data_end(store)
        print("series (whole history)", file=sys.stderr)
        s_cold, s_warm, cells = timed(
            lambda: kpi_cells(store, kpis, grain=args.grain, until=end), args.repeat
        )
        print("detection", file=sys.stderr)
        d_cold, d_warm, scanned = timed(lambda: detect(cells, args.grain, DetectionConfig()), args.repeat)
        results["series"] = {
            "cold_s": s_cold,
            "warm_s": s_warm,
            "kpis": len(kpis),
            "series": int(cells.groupby(["series", "segment"]).ngroups),
            "cells": len(cells),
        }
        results["detect"] = {
            "cold_s": d_cold,
            "warm_s": d_warm,
            "tested": int(scanned["tested"].sum()),
            "anomalies": int(scanned["anomaly"].sum()),
        }
        results["scan_warm_s"] = s_warm + d_warm
        results["scan_cold_s"] = s_cold + d_cold
        for label, recent in (("run_alerts_last_4", 4), ("run_alerts_whole_history", None)):
            print(label, file=sys.stderr)
            t0 = time.perf_counter()
            report = run_alerts(store, grain=args.grain, recent=recent, themes=False, channels=[])
            results[label] = {
                "total_s": time.perf_counter() - t0,
                "seconds": report.seconds,
                "cells_tested": report.cells_tested,
                "anomalies": report.anomalies,
            }
    results["load_average_after"] = os.getloadavg()
    text = json.dumps(results, indent=2, default=float)
    if args.json:
        Path(args.json).write_text(text)
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
