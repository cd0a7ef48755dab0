"""Pain-point ranking speed: a 5-million-ticket desk ranked in DuckDB with 2 threads (target < 30 s).

    .venv/bin/python benchmarks/painpoints.py                                   # 5M tickets, 10M feedback rows
    .venv/bin/python benchmarks/painpoints.py --reuse                           # the store built last time
    .venv/bin/python benchmarks/painpoints.py --tickets 500000 --feedback 1000000 --db /tmp/pp-bench.duckdb

The desk is the metrics benchmark's (benchmarks/metrics.py: generated inside DuckDB by SQL, 22 months,
20 categories, ticket events, conversations, CSAT/NPS/CES answers; `--db` may point at a store that
script built). Text analyses are added by SQL, since running the text models on millions of texts is
another benchmark (docs/benchmarks.md, "Text"): every ticket gets an analysed description and half of
them a subject, each with one of 120 themes (a few themes much more frequent than others, 8 % of texts
without a theme) and a sentiment score. Then `rank_painpoints` runs over the default window (the last 90
days of data: about 1 in 7 tickets) and over the last 365 days, cold and warm, with every kind
(theme, category, theme x category) and the default settings.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
THEMES = 120


def _metrics_benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("metrics_benchmark", ROOT / "benchmarks" / "metrics.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_text_analyses(con: Any) -> float:
    """Analysed descriptions (every ticket) and subjects (every other ticket) with themes and sentiment."""
    t0 = time.perf_counter()
    con.execute("DELETE FROM text_analyses; DELETE FROM themes")
    con.execute(
        f"""INSERT INTO themes (theme_id, label, label_source, status, size, created_at, updated_at)
        SELECT 'T' || lpad(CAST(i AS VARCHAR), 4, '0'), 'theme ' || i, 'auto', 'active', 0,
            TIMESTAMP '2026-11-01', TIMESTAMP '2026-11-01' FROM range({THEMES}) r(i)"""
    )
    for field, every in (("description", 1), ("subject", 2)):
        con.execute(
            f"""INSERT INTO text_analyses (entity, record_id, field, text_sha256, language, sentiment_label,
                sentiment_score, sentiment_status, theme_id, author_role, ticket_id, occurred_at, model_name,
                model_version, analysed_at)
            SELECT 'tickets', id, '{field}', md5(id || '{field}'), 'en',
                CASE WHEN s < -0.2 THEN 'negative' WHEN s > 0.2 THEN 'positive' ELSE 'neutral' END, s, 'ok',
                CASE WHEN h < 0.08 THEN NULL
                     ELSE 'T' || lpad(CAST(CAST(floor(pow(h2, 2.0) * {THEMES}) AS BIGINT) AS VARCHAR), 4, '0') END,
                'customer', id, created_at, 'bench', '1', TIMESTAMP '2026-11-01'
            FROM (
                SELECT id, created_at,
                    (hash(id || '{field}h') % 1000003) / 1000003.0 AS h,
                    (hash(id || '{field}t') % 1000003) / 1000003.0 AS h2,
                    ((hash(id || '{field}s') % 1000003) / 1000003.0) * 2 - 1 AS s
                FROM tickets
                WHERE hash(id || 'every') % {every} = 0
            )"""
        )
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--feedback", type=int, default=10_000_000)
    parser.add_argument("--db", default="benchmarks/.painpoints-bench.duckdb")
    parser.add_argument("--reuse", action="store_true", help="keep an existing generated store")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the target is for 2 cores)")
    parser.add_argument("--repeat", type=int, default=2, help="warm runs after the cold one")
    parser.add_argument("--json", default=None, help="write results as JSON here")
    parser.add_argument("--windows", default="90,365", help="window lengths in days, comma-separated")
    args = parser.parse_args(argv)

    from insightdesk.insights.painpoints.ranking import rank_painpoints
    from insightdesk.store import open_store

    bench = _metrics_benchmark()
    path = Path(args.db)
    fresh = not (args.reuse and path.exists())
    if fresh and path.exists():
        path.unlink()
    results: dict[str, object] = {
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
    }
    with open_store(path) as store:
        con = store.duckdb
        if fresh:
            bench.progress(f"generating {args.tickets:,} tickets and {args.feedback:,} feedback rows")
            t0 = time.perf_counter()
            bench.generate(con, args.tickets, args.feedback, args.tickets // 5)
            results["generate_s"] = time.perf_counter() - t0
        if fresh or not store.scalar("SELECT count(*) FROM text_analyses"):
            bench.progress("adding analysed texts")
            results["text_analyses_s"] = add_text_analyses(con)
        con.execute(f"SET threads = {args.threads}")
        results["duckdb_threads"] = con.execute("SELECT current_setting('threads')").fetchone()[0]
        results["rows"] = {
            t: store.count(t)
            for t in ("tickets", "ticket_events", "interactions", "feedback", "text_analyses")
        }
        for days in (int(d) for d in args.windows.split(",")):
            name = f"window_{days}d"
            from insightdesk.insights.painpoints.config import PainpointConfig

            cfg = PainpointConfig(window_days=days)
            bench.progress(f"ranking, last {days} days")
            runs, ranking = [], None
            for _ in range(1 + args.repeat):
                t0 = time.perf_counter()
                ranking = rank_painpoints(store, cfg, started_by="benchmark")
                runs.append(time.perf_counter() - t0)
            assert ranking is not None
            results[name] = {
                "cold_s": runs[0],
                "steps_last_run_s": {k: round(v, 2) for k, v in ranking.steps.items()},
                "warm_s": statistics.median(runs[1:]) if len(runs) > 1 else None,
                "window_tickets": ranking.window_tickets,
                "painpoints": len(ranking.frame),
                "critical": int(ranking.frame["critical"].sum()),
                "top": list(ranking.frame.label[:3]),
            }
    results["load_average_after"] = os.getloadavg()
    text = json.dumps(results, indent=2, default=float)
    if args.json:
        Path(args.json).write_text(text)
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
