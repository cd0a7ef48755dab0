"""API load benchmark: 50 concurrent clients on the KPI endpoints for 60 s against the bundled sample.

    python benchmarks/api.py                       # builds the sample into a temp dir, then runs
    python benchmarks/api.py --clients 50 --seconds 60 --db existing.duckdb

Starts `insightdesk serve` in a subprocess (one process, as in production), creates an analyst and a
token, requests each endpoint once to warm it (the cold times are reported too), then runs the
clients (asyncio + httpx, each client one request at a time, endpoints in rotation) and reports
requests, errors, throughput and p50 / p95 / p99 latency per endpoint and overall (target: no
errors, p95 < 200 ms). Page server times (the app's Server-Timing header, warm) are reported after.
Results are written to benchmarks/out/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ENDPOINTS = [
    "/api/v1/kpis/csat?by=channel",
    "/api/v1/kpis/nps?grain=week",
    "/api/v1/kpis/fcr?by=team",
    "/api/v1/kpis/frt_median?grain=month",
    "/api/v1/kpis/ttr_median?by=priority",
    "/api/v1/kpis/csat?grain=week&channel=chat",
    "/api/v1/overview",
    "/api/v1/compare/csat?by=channel",
]
PAGES = [
    "/",
    "/trends?kpi=csat",
    "/compare?kpi=csat&by=channel",
    "/tickets",
    "/feedback",
    "/themes",
    "/alerts",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def prepare(db: Path) -> str:
    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user, get_user
    from insightdesk.store import open_store

    with open_store(db) as store:
        if get_user(store.engine, "bench") is None:
            create_user(
                store.engine, "bench", "benchmark-password", "admin", actor=Actor("cli:bench", "admin", "cli")
            )
        return str(
            create_token(store.engine, "bench", actor=Actor("cli:bench", "admin", "cli"), days=1)["token"]
        )


async def client(
    host: str, port: int, token: str, stop: float, offset: int, out: list[tuple[str, float, int]]
) -> None:
    """One keep-alive HTTP/1.1 connection, one request at a time.

    Hand-written over asyncio streams so the load generator spends little CPU per request: on a
    small machine it shares the cores with the server, and a heavy client would be measured instead.
    """
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    try:
        while time.perf_counter() < stop:
            path = ENDPOINTS[i % len(ENDPOINTS)]
            i += 1
            start = time.perf_counter()
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            out.append((path, time.perf_counter() - start, status))
    except (OSError, asyncio.IncompleteReadError) as exc:
        out.append(("connection", 0.0, -1))
        print(f"client error: {exc!r}", file=sys.stderr)
    finally:
        writer.close()


async def load(port: int, token: str, clients: int, seconds: float) -> list[tuple[str, float, int]]:
    out: list[tuple[str, float, int]] = []
    stop = time.perf_counter() + seconds
    await asyncio.gather(*(client("127.0.0.1", port, token, stop, k, out) for k in range(clients)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="DuckDB store to copy (default: build the bundled sample)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="insightdesk-bench-api-"))
    db = work / "bench.duckdb"
    t0 = time.perf_counter()
    if args.db:
        shutil.copyfile(args.db, db)
    else:
        from insightdesk.quickstart import build_sample_store

        build_sample_store(db)
    print(f"store ready in {time.perf_counter() - t0:.1f} s: {db}", file=sys.stderr)
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
            "--no-warm-up",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        cold = {}
        for path in ENDPOINTS:
            start = time.perf_counter()
            r = httpx.get(base + path, headers=headers, timeout=120)
            cold[path] = round((time.perf_counter() - start) * 1000, 1)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
        print(f"{args.clients} clients for {args.seconds:.0f} s ...", file=sys.stderr)
        try:
            import uvloop  # the client's own overhead would otherwise share the CPUs with the server

            results = uvloop.run(load(port, token, args.clients, args.seconds))
        except ImportError:
            results = asyncio.run(load(port, token, args.clients, args.seconds))
        pages = {}
        for path in PAGES:
            httpx.get(base + path, headers={**headers, "accept": "text/html"}, timeout=120)
            r = httpx.get(base + path, headers={**headers, "accept": "text/html"}, timeout=120)
            pages[path] = float(r.headers["server-timing"].split("dur=")[1])
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()

    lat = [d * 1000 for _, d, _ in results]
    errors = sum(1 for _, _, s in results if s != 200)
    error_kinds = sorted({s for _, _, s in results if s != 200})
    per = {}
    for path in ENDPOINTS:
        d = [x * 1000 for p, x, _ in results if p == path]
        per[path] = {
            "requests": len(d),
            "p50_ms": round(pct(d, 0.5), 1),
            "p95_ms": round(pct(d, 0.95), 1),
            "cold_ms": cold[path],
        }
    summary = {
        "clients": args.clients,
        "seconds": args.seconds,
        "requests": len(results),
        "errors": errors,
        "error_statuses": error_kinds,
        "throughput_rps": round(len(results) / args.seconds, 1),
        "p50_ms": round(pct(lat, 0.5), 1),
        "p95_ms": round(pct(lat, 0.95), 1),
        "p99_ms": round(pct(lat, 0.99), 1),
        "mean_ms": round(statistics.fmean(lat), 1),
        "endpoints": per,
        "page_server_ms": pages,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "api.json").write_text(json.dumps(summary, indent=2))
    print(
        f"| requests | errors | req/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|\n"
        f"| {summary['requests']} | {errors} | {summary['throughput_rps']} | {summary['p50_ms']} | "
        f"{summary['p95_ms']} | {summary['p99_ms']} |"
    )
    print("\n| endpoint | requests | p50 ms | p95 ms | cold ms |\n|---|---|---|---|---|")
    for path, v in per.items():
        print(f"| `{path}` | {v['requests']} | {v['p50_ms']} | {v['p95_ms']} | {v['cold_ms']} |")
    print("\n| page | server ms (warm) |\n|---|---|")
    for path, ms in pages.items():
        print(f"| `{path}` | {ms} |")
    shutil.copyfile(work / "server.log", out / "api-server.log")
    shutil.rmtree(work, ignore_errors=True)
    if errors or summary["p95_ms"] >= 200:
        sys.exit(1)


if __name__ == "__main__":
    main()
