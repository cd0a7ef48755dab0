"""Connector sync benchmark: N Zendesk tickets with one status event each, pulled from a local
vendor-shaped server, against ingesting the same records from JSON Lines files.

    python benchmarks/connectors.py                       # 200,000 tickets + 200,000 events, one batch per stream
    python benchmarks/connectors.py --batch 100000        # the same in batches of 100,000 (a cursor commit each)

The server (a ThreadingHTTPServer on loopback) answers Zendesk's cursor-based incremental ticket
export (1,000 tickets a page, with sideloaded metric sets) and the time-based ticket event export
(1,000 audits a page), its pages serialised before the clock starts. Timed: a first `sync_source`
into an empty DuckDB store (HTTP, JSON parsing, the JSON Lines staging file, ingest's validation
and merge, the cursor), and `ingest_file` of the same records written as JSON Lines into another
empty store. Reported: records per minute for each and the overhead ratio (target: within 2x).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

PAGE = 1000
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def desk(n: int) -> tuple[list[dict], list[dict]]:
    """N tickets (updated one second apart) and one audit each that solves it."""
    tickets, audits = [], []
    channels = ("email", "web", "chat", "voice", "api")
    for i in range(1, n + 1):
        updated = T0 + timedelta(seconds=i)
        tickets.append({
            "id": i, "type": "incident", "subject": f"Order {i} did not arrive", "description": "Where is it?",
            "status": "solved", "priority": ("low", "normal", "high", "urgent")[i % 4],
            "via": {"channel": channels[i % 5]}, "requester_id": 100000 + i % 5000, "assignee_id": 500 + i % 40,
            "group_id": 40 + i % 6, "organization_id": 900 + i % 300, "created_at": iso(updated - timedelta(hours=5)),
            "updated_at": iso(updated), "tags": ["delivery"],
            "metric_set": {"solved_at": iso(updated), "reopens": 0, "assignee_stations": 1,
                           "reply_time_in_minutes": {"calendar": 42}},
        })  # fmt: skip
        audits.append({
            "id": 10_000_000 + i, "ticket_id": i, "created_at": iso(updated), "updater_id": 500 + i % 40,
            "event_type": "Audit", "child_events": [
                {"id": 20_000_000 + i, "event_type": "Change", "field_name": "status",
                 "previous_value": "open", "value": "solved"}],
        })  # fmt: skip
    return tickets, audits


def serve(tickets: list[dict], audits: list[dict]) -> tuple[ThreadingHTTPServer, str]:
    """Pre-serialised pages: the timing measures the client side, not the fake's JSON encoding."""
    ticket_pages: dict[str, bytes] = {}
    for start in range(0, len(tickets), PAGE):
        chunk = tickets[start : start + PAGE]
        cursor = "start" if start == 0 else f"c{start}"
        after = f"c{start + PAGE}"
        body = {
            "tickets": [{k: v for k, v in t.items() if k != "metric_set"} for t in chunk],
            "metric_sets": [{"ticket_id": t["id"], **t["metric_set"]} for t in chunk],
            "after_cursor": after, "end_of_stream": start + PAGE >= len(tickets),
        }  # fmt: skip
        ticket_pages[cursor] = json.dumps(body).encode()
    event_pages: dict[int, bytes] = {}
    for start in range(0, len(audits), PAGE):
        chunk = audits[start : start + PAGE]
        first = int(datetime.fromisoformat(chunk[0]["created_at"].replace("Z", "+00:00")).timestamp())
        last = int(datetime.fromisoformat(chunk[-1]["created_at"].replace("Z", "+00:00")).timestamp()) + 1
        done = start + PAGE >= len(audits)
        event_pages[first] = json.dumps(
            {"ticket_events": chunk, "end_time": last, "end_of_stream": done, "count": len(chunk)}
        ).encode()
    starts = sorted(event_pages)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            args = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path.endswith("/tickets/cursor.json"):
                body = ticket_pages.get(
                    args.get("cursor", "start"), b'{"tickets": [], "end_of_stream": true}'
                )
            elif url.path.endswith("/ticket_events.json"):
                wanted = int(args["start_time"])
                first = next((s for s in starts if s >= wanted), None)
                body = (
                    event_pages[first]
                    if first is not None
                    else b'{"ticket_events": [], "end_of_stream": true}'
                )
            else:
                body = b'{"satisfaction_ratings": [], "meta": {"has_more": false}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument(
        "--batch", type=int, default=200_000, help="Records per ingest batch (and cursor commit)."
    )
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from insightdesk.connectors import Credentials, VendorClient
    from insightdesk.connectors.sources import parse_source
    from insightdesk.connectors.sync import sync_source
    from insightdesk.connectors.zendesk import _event_rows
    from insightdesk.ingest import ingest_file
    from insightdesk.store import open_store

    tickets, audits = desk(args.tickets)
    server, base = serve(tickets, audits)
    work = Path(tempfile.mkdtemp(prefix="connectors-bench-", dir=os.environ.get("BENCH_DIR")))
    os.environ.setdefault("BENCH_TOKEN", "not-a-secret")
    source = parse_source("zendesk-bench", {
        "vendor": "zendesk", "base_url": base, "owner": "bench", "start": "2024-12-31T00:00:00Z",
        "auth": {"type": "basic", "user": "bench/token", "secret_env": "BENCH_TOKEN"},
        "streams": ["tickets", "ticket_events"], "page_size": PAGE, "batch_records": args.batch,
    })  # fmt: skip

    def client(src: object) -> VendorClient:
        return VendorClient(base, vendor="Zendesk", auth=Credentials.bearer("x", name="BENCH_TOKEN"))

    try:
        # Warm-up: DuckDB's first statements of a process (extensions, catalog) cost the same to both.
        warm = work / "warm.jsonl"
        warm.write_text("".join(json.dumps(t) + "\n" for t in tickets[:100]))
        with open_store(work / "warm.duckdb") as store:
            ingest_file(store, warm, "tickets", profile="zendesk")
        with open_store(work / "sync.duckdb") as store:
            started = time.perf_counter()
            report = sync_source(store, source, client_factory=client)
            sync_s = time.perf_counter() - started
            assert store.count("tickets") == args.tickets, "the sync lost tickets"
        files_s = 0.0
        tickets_file, events_file = work / "tickets.jsonl", work / "events.jsonl"
        tickets_file.write_text("".join(json.dumps(t) + "\n" for t in tickets))
        events_file.write_text("".join(json.dumps(r) + "\n" for a in audits for r in _event_rows(a)))
        with open_store(work / "file.duckdb") as store:
            started = time.perf_counter()
            ingest_file(store, tickets_file, "tickets", profile="zendesk")
            ingest_file(store, events_file, "ticket_events", profile="zendesk")
            files_s = time.perf_counter() - started
            assert store.count("tickets") == args.tickets
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    records = report.counts.received
    print(json.dumps({
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "tickets": args.tickets, "records": records, "pages": report.counts.pages, "batch_records": args.batch,
        "sync_s": round(sync_s, 1), "sync_records_per_min": round(records / sync_s * 60),
        "sync_ingest_s": round(report.counts.ingest_seconds, 1), "sync_batches": -(-args.tickets // args.batch) * 2,
        "file_ingest_s": round(files_s, 1), "file_records_per_min": round(records / files_s * 60),
        "overhead_ratio": round(sync_s / files_s, 2),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
