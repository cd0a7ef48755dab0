"""First-visit page benchmark: server time of every dashboard page, on the quickstart's sample store.

    python benchmarks/pages.py                 # the quickstart store (sample + text + insights), served
    python benchmarks/pages.py --no-rollups    # the same without roll-ups (the live engine alone)
    python benchmarks/pages.py --ingest-only   # the sample without text analyses or insight results

Builds the store a new user gets from `insightdesk quickstart` (the bundled sample, the text
pipeline, theme discovery and the insight engine), starts `insightdesk serve` as a user would
(warm-up on), waits until /api/v1/health says the warm-up is done, then visits, as an admin and
twice each, every page of the dashboard: overview pages with filter values, combinations and date
ranges that the warm-up did not compute, trends, compare, tickets and feedback lists (filtered and
paged), a ticket, themes, pain points and a pain point, insights, alerts, upload and the admin
pages. It reports the app's Server-Timing for the first and the second visit (target: under 300 ms
per page on the sample). Results go to benchmarks/out/pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import prepare  # the same admin token set-up as the load benchmark

# Values of the bundled sample the warm-up does not use (it takes the first value of each filter).
OVERVIEW_VISITS = [
    "/?channel=chat",
    "/?channel=social",
    "/?team=Group+12",
    "/?region=APAC",
    "/?tier=silver",
    "/?product=Student+loan",
    "/?since=2020-03-15",
    "/?until=2020-04-10",
    "/?since=2020-03-20&until=2020-04-05",
    "/?channel=web&team=Group+10",
    "/?channel=chat&region=APAC",
    "/?channel=phone&tier=gold&region=EMEA",
    "/?team=Group+5&since=2020-03-10&until=2020-04-01",
]
OTHER_VISITS = [
    "/trends?kpi=nps&channel=phone&grain=month",
    "/trends?kpi=frt_median&grain=day&team=Group+3",
    "/compare?kpi=fcr&by=team&region=EMEA",
    "/compare?kpi=csat&by=product&grain=month",
    "/tickets",
    "/tickets?channel=chat&page=3",
    "/tickets?priority=P1&since=2020-03-01",
    "/tickets/{ticket}",
    "/feedback",
    "/feedback?scale=csat&channel=email",
    "/themes",
    "/themes?channel=chat",
    "/painpoints",
    "/painpoints?status=new",
    "/painpoints/detail?key={painpoint}",
    "/insights",
    "/alerts",
    "/alerts?channel=email",
    "/upload",
    "/admin/users",
    "/admin/settings",
    "/admin/audit",
]


def build_store(db: Path, *, full: bool) -> None:
    """The quickstart's store: ingest, then (unless ingest only) text analytics and the insight engine."""
    from insightdesk.quickstart import analyse_sample_insights, analyse_sample_text, build_sample_store
    from insightdesk.store import open_store

    build_sample_store(db)
    if full:
        with open_store(db) as store:
            analyse_sample_text(store)
            analyse_sample_insights(store)


def sample_ids(db: Path) -> dict[str, str]:
    """A ticket with feedback and the top pain point, read before the server holds the file."""
    from insightdesk.store import open_store

    with open_store(db) as store, store.engine.connect() as conn:
        ticket = conn.execute(
            sa.text("select ticket_id from feedback where ticket_id is not null order by id limit 1")
        ).scalar_one()
        painpoint = conn.execute(
            sa.text("select painpoint_key from painpoints order by run_id desc, score desc limit 1")
        ).scalar()
    return {"ticket": quote(str(ticket), safe=""), "painpoint": quote(str(painpoint or "none"), safe="")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-rollups", action="store_true", help="serve without roll-ups")
    parser.add_argument("--ingest-only", action="store_true", help="no text analyses or insight results")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="insightdesk-bench-pages-"))
    db = work / "bench.duckdb"
    started = time.perf_counter()
    build_store(db, full=not args.ingest_only)
    print(f"store built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ids = sample_ids(db)
    visits = OVERVIEW_VISITS + [
        v.format(**ids) for v in OTHER_VISITS if args.ingest_only is False or "{painpoint}" not in v
    ]
    token = prepare(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    log = (work / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from insightdesk.cli import main; main()",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            *(["--no-rollups"] if args.no_rollups else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    started = time.perf_counter()
    results: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()
    try:
        while True:
            try:
                health = httpx.get(base + "/api/v1/health", timeout=2).json()
                if health.get("warm_up") in ("done", "failed", "off"):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        warm_s = time.perf_counter() - started
        print(f"warm-up {health['warm_up']} after {warm_s:.1f} s", file=sys.stderr)
        headers = {"Authorization": f"Bearer {token}", "accept": "text/html"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for path in visits:
                times = []
                for _ in range(2):
                    r = client.get(path)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                    times.append(float(r.headers["server-timing"].split("dur=")[1]))
                results[path] = {"first_ms": round(times[0], 1), "again_ms": round(times[1], 1)}
                print(f"{path:60s} first {times[0]:7.1f} ms   again {times[1]:6.1f} ms", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    firsts = [r["first_ms"] for r in results.values()]
    summary = {
        "store": "ingest only" if args.ingest_only else "quickstart (sample, text, insights)",
        "rollups": not args.no_rollups,
        "warm_up_s": round(warm_s, 1),
        "pages": results,
        "visits": len(firsts),
        "first_max_ms": max(firsts),
        "again_max_ms": max(r["again_ms"] for r in results.values()),
        "first_over_300ms": sum(f >= 300 for f in firsts),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    name = "pages-live.json" if args.no_rollups else "pages.json"
    (out / name).write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k != "pages"}, indent=2))


if __name__ == "__main__":
    main()
