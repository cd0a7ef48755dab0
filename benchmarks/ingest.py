"""Ingestion benchmark: a generated desk as CSV and Parquet, ingested into the embedded store.

    python benchmarks/ingest.py --tickets 2000000          # the issue's size (about 15 minutes here)
    python benchmarks/ingest.py --tickets 200000 --quick   # a smaller run

For each format it reports, for tickets and feedback: rows per second and per minute with full
validation (types, vocabularies, time zones, score ranges, duplicate ids, references), the peak
memory of the ingesting process, and the time DuckDB's own `read_csv` / `read_parquet` takes to
load the same file raw into a DuckDB file (CREATE TABLE AS, no validation), with the ratio.
Every ingest runs in a fresh child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from insightdesk.ingest import ingest_file
from insightdesk.store import open_store
db, data, kinds = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
out = {}
with open_store(db) as store:
    for kind in kinds:
        path = next(p for p in __import__("pathlib").Path(data).iterdir() if p.name.split(".")[0] == kind)
        t = time.perf_counter()
        r = ingest_file(store, path, kind)
        out[kind] = {"seconds": time.perf_counter() - t, "received": r.received, "inserted": r.inserted,
                     "rejected": r.rejected, "reconciles": r.reconciles}
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

RAW = r"""
import json, resource, sys, time, duckdb
db, path, fmt = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect(db)
reader = "read_csv" if fmt == "csv" else "read_parquet"
t = time.perf_counter()
con.execute(f"CREATE TABLE raw AS SELECT * FROM {reader}('{path}')")
con.execute("CHECKPOINT")
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SETUP_KINDS = "organisations,customers,teams,agents,problems,changes,articles"


def run_child(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def generate(out: Path, tickets: int, fmt: str) -> Path:
    from insightdesk.sample.generate import generate_desk

    folder = out / f"desk-{tickets}-{fmt}"
    marker = folder / "planted_effects.json"
    if not marker.exists():
        t = time.perf_counter()
        generate_desk(folder, tickets=tickets, feedback_per_ticket=1.0, fmt=fmt, interactions=False, seed=1)
        print(f"generated {tickets:,} tickets as {fmt} in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    return folder


def bench_format(out: Path, tickets: int, fmt: str) -> dict:
    data = generate(out, tickets, fmt)
    db = out / f"bench-{fmt}.duckdb"
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    setup = run_child(CHILD, str(db), str(data), SETUP_KINDS)
    result: dict = {
        "format": fmt,
        "setup_seconds": sum(v["seconds"] for k, v in setup.items() if k != "peak_rss_mib"),
    }
    for kind in ("tickets", "feedback"):
        measured = run_child(CHILD, str(db), str(data), kind)
        path = next(p for p in data.iterdir() if p.name.split(".")[0] == kind)
        raw_db = out / f"raw-{fmt}-{kind}.duckdb"
        raw_db.unlink(missing_ok=True)
        raw = run_child(RAW, str(raw_db), str(path), fmt)
        raw_db.unlink(missing_ok=True)
        stats = measured[kind]
        result[kind] = {
            **stats,
            "rows_per_second": stats["received"] / stats["seconds"],
            "rows_per_minute": 60 * stats["received"] / stats["seconds"],
            "peak_rss_mib": measured["peak_rss_mib"],
            "file_mib": path.stat().st_size / 2**20,
            "raw_duckdb_seconds": raw["seconds"],
            "ratio_to_raw": stats["seconds"] / raw["seconds"],
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=2_000_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = [bench_format(args.out, args.tickets, fmt) for fmt in args.formats]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\nIngest benchmark: {args.tickets:,} tickets + {args.tickets:,} feedback rows; {machine}\n")
    print(
        "| format | kind | rows | file MiB | seconds | rows/min | peak RSS MiB | raw DuckDB load s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for res in results:
        for kind in ("tickets", "feedback"):
            r = res[kind]
            print(
                f"| {res['format']} | {kind} | {r['received']:,} | {r['file_mib']:.0f} | {r['seconds']:.1f} | "
                f"{r['rows_per_minute']:,.0f} | {r['peak_rss_mib']:.0f} | {r['raw_duckdb_seconds']:.1f} | "
                f"{r['ratio_to_raw']:.2f}x |"
            )
    (args.out / "ingest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
