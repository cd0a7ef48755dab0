"""A local, vendor-shaped ServiceNow Table API for the `problem` table, run as its own process.

It answers as ServiceNow documents (https://developer.servicenow.com, REST API reference, Table API):
`{"result": ...}` bodies, sys_id and number fields, sysparm_query `field=value`, basic auth, 401 with
`{"error": {...}, "status": "failure"}`. A test scripts failures for the next POSTs through
`POST /_control/plan` (a list of: `429` with Retry-After, `500`, `timeout` (no answer in time, no
record), `malformed` (the record is created, the body is not JSON), `hang` (the record is created,
then no answer for 60 s: the window in which a test kills the worker)). `GET /_control/records`
lists what was created, so a test counts effects at the vendor, not in our store.

    python tests/actions/servicenow_server.py PORT USER PASSWORD
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TABLE = "/api/now/table/problem"
LOCK = threading.Lock()
RECORDS: list[dict[str, str]] = []
PLAN: list[str] = []
REQUESTS: list[str] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet: the test reads /_control instead
        return

    def _send(
        self, status: int, body: object, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if raw is None else "text/html")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> object:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def _authorised(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self._send(
            401,
            {
                "error": {
                    "message": "User Not Authenticated",
                    "detail": "Required to provide Auth information",
                },
                "status": "failure",
            },
        )
        return False

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_control/records":
            with LOCK:
                return self._send(200, {"records": RECORDS, "requests": REQUESTS})
        if not self._authorised():
            return None
        with LOCK:
            REQUESTS.append(f"GET {url.path}")
        if url.path == TABLE:
            query = parse_qs(url.query).get("sysparm_query", [""])[0]
            field, _, value = query.partition("=")
            with LOCK:
                rows = [r for r in RECORDS if field and r.get(field) == value]
            limit = int(parse_qs(url.query).get("sysparm_limit", ["10000"])[0])
            return self._send(200, {"result": rows[:limit]})
        if url.path.startswith(TABLE + "/"):
            sys_id = url.path.rsplit("/", 1)[1]
            with LOCK:
                found = [r for r in RECORDS if r["sys_id"] == sys_id]
            if not found:
                return self._send(
                    404,
                    {
                        "error": {
                            "message": "No Record found",
                            "detail": "Record doesn't exist or ACL restricts the record retrieval",
                        },
                        "status": "failure",
                    },
                )
            return self._send(200, {"result": found[0]})
        return self._send(400, {"error": {"message": "Invalid table"}, "status": "failure"})

    def do_PATCH(self) -> None:
        if not self._authorised():
            return None
        sys_id = urlsplit(self.path).path.rsplit("/", 1)[1]
        changes = self._body()
        with LOCK:
            for r in RECORDS:
                if r["sys_id"] == sys_id and isinstance(changes, dict):
                    r.update({k: str(v) for k, v in changes.items()})
                    return self._send(200, {"result": r})
        return self._send(404, {"error": {"message": "No Record found"}, "status": "failure"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_control/plan":
            plan = self._body()
            with LOCK:
                PLAN[:] = list(plan) if isinstance(plan, list) else []
            return self._send(200, {"plan": PLAN})
        if not self._authorised():
            return None
        body = self._body()
        with LOCK:
            REQUESTS.append(f"POST {url.path}")
            step = PLAN.pop(0) if PLAN else "ok"
        if step == "429":
            return self._send(
                429, {"error": {"message": "Too many requests"}, "status": "failure"}, {"Retry-After": "1"}
            )
        if step == "500":
            return self._send(500, {"error": {"message": "Internal error"}, "status": "failure"})
        if step == "timeout":
            time.sleep(5)
            return self._send(504, {"error": {"message": "late"}, "status": "failure"})
        if not isinstance(body, dict) or not body.get("short_description"):
            return self._send(400, {"error": {"message": "Missing short_description"}, "status": "failure"})
        with LOCK:
            record = {
                "sys_id": uuid.uuid4().hex,
                "number": f"PRB{40001 + len(RECORDS):07d}",
                "state": "101",
                **{k: str(v) for k, v in body.items()},
            }
            RECORDS.append(record)
        if step == "malformed":
            return self._send(201, None, raw=b"<html><body>Service Unavailable</body></html>")
        if step == "hang":
            time.sleep(60)
        return self._send(201, {"result": record})


if __name__ == "__main__":
    PORT, USER, PASSWORD = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()
