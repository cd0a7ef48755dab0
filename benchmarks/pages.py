"""First-visit page benchmark: server time of dashboard pages the warm-up never saw, on the sample.

    python benchmarks/pages.py                 # builds the bundled sample, serves it, waits for the warm-up
    python benchmarks/pages.py --no-rollups    # the same without roll-ups (the live engine alone)

Starts `insightdesk serve` as a user would (warm-up on), waits until /api/v1/health says the
warm-up is done, then asks for overview pages with filter values and combinations, and date
ranges, that the warm-up did not compute, twice each, and reports the app's Server-Timing for the
first and the second visit (target: under 300 ms per page on the sample). Results go to
benchmarks/out/pages.json.
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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import prepare  # the same admin token set-up as the load benchmark

# Values of the bundled sample the warm-up does not use (it takes the first value of each filter).
VISITS = [
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
    "/trends?kpi=nps&channel=phone&grain=month",
    "/compare?kpi=fcr&by=team&region=EMEA",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-rollups", action="store_true", help="serve without roll-ups")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="insightdesk-bench-pages-"))
    db = work / "bench.duckdb"
    from insightdesk.quickstart import build_sample_store

    build_sample_store(db)
    token = prepare(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
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
        env=env,
    )
    started = time.perf_counter()
    results: dict[str, dict[str, float]] = {}
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
        for path in VISITS:
            times = []
            for _ in range(2):
                r = httpx.get(base + path, headers=headers, timeout=120)
                assert r.status_code == 200, (path, r.status_code, r.text[:300])
                times.append(float(r.headers["server-timing"].split("dur=")[1]))
            results[path] = {"first_ms": round(times[0], 1), "again_ms": round(times[1], 1)}
            print(f"{path:55s} first {times[0]:7.1f} ms   again {times[1]:6.1f} ms", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    firsts = [r["first_ms"] for r in results.values()]
    summary = {
        "rollups": not args.no_rollups,
        "warm_up_s": round(warm_s, 1),
        "pages": results,
        "first_max_ms": max(firsts),
        "first_over_300ms": sum(f >= 300 for f in firsts),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
    }
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / ("pages-live.json" if args.no_rollups else "pages.json")).write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k != "pages"}, indent=2))


if __name__ == "__main__":
    main()
