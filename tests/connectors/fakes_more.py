"""Fake ServiceNow, Freshdesk and Jira APIs: documented paging, filters and payload shapes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.connectors.fakes import FakeVendor

_CONDITION = re.compile(r"^([\w.]+?)(>=|>|=|IN)(.*)$")


def _holds(record: dict[str, Any], condition: str) -> bool:
    found = _CONDITION.match(condition)
    assert found, f"the fake cannot read the condition {condition!r}"
    name, op, value = found.groups()
    have = str(record.get(name, ""))
    return {
        ">=": have >= value,
        ">": have > value,
        "=": have == value,
        "IN": have in value.split(","),
    }[op]


def encoded_query(records: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """ServiceNow's encoded query: ^ joins conditions, ^NQ joins OR groups, ORDERBY sorts."""
    parts = query.split("^")
    order = [p.removeprefix("ORDERBY") for p in parts if p.startswith("ORDERBY")]
    groups = [
        [c for c in group.split("^") if c and not c.startswith("ORDERBY")] for group in query.split("^NQ")
    ]
    matched = [r for r in records if any(all(_holds(r, c) for c in g) for g in groups)]
    return sorted(matched, key=lambda r: tuple(str(r.get(f, "")) for f in order))


class FakeServiceNow(FakeVendor):
    """Table API with display_value=all, keyset queries and a Link header."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.tables: dict[str, list[dict[str, Any]]] = {
            "incident": [], "problem": [], "change_request": [], "sys_journal_field": [],
            "sys_audit_delete": [],
        }  # fmt: skip
        self.display: dict[tuple[str, str], str] = {}  # (field, value) -> what the UI shows
        for table in self.tables:
            self.route(f"/api/now/table/{table}", self._table)

    def _table(self, request: Request) -> Any:
        table = request.path.rsplit("/", 1)[1]
        rows = encoded_query(self.tables[table], request.args.get("sysparm_query", ""))
        rows = rows[: int(request.args.get("sysparm_limit", 10000))]
        fields = request.args.get("sysparm_fields")
        if fields:
            return {"result": [{f: r.get(f) for f in fields.split(",")} for r in rows]}
        assert request.args.get("sysparm_display_value") == "all"
        return {
            "result": [
                {
                    k: {"value": v, "display_value": self.display.get((k, str(v)), v)}
                    for k, v in r.items()
                    if "." not in k
                }
                for r in rows
            ]
        }


class FakeFreshdesk(FakeVendor):
    """GET /api/v2/tickets (updated_since, asc, page, Link next; filter=deleted) and conversations."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.tickets: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, list[dict[str, Any]]] = {}
        self.ratings: list[dict[str, Any]] = []
        self.route("/api/v2/tickets", self._tickets)
        self.route("/api/v2/surveys/satisfaction_ratings", self._ratings)
        self.server.expect_request(re.compile(r"^/api/v2/tickets/\d+/conversations$")).respond_with_handler(
            self._conversations
        )

    def _tickets(self, request: Request) -> Any:
        since = request.args["updated_since"]
        deleted = request.args.get("filter") == "deleted"
        rows = sorted(
            (
                t
                for t in self.tickets.values()
                if t["updated_at"] >= since and bool(t.get("deleted")) == deleted
            ),
            key=lambda t: (t["updated_at"], t["id"]),
        )
        size, page = int(request.args["per_page"]), int(request.args["page"])
        chunk = rows[(page - 1) * size : page * size]
        headers = {"X-RateLimit-Remaining": "100", "X-RateLimit-Total": "200"}
        if len(rows) > page * size:
            headers["Link"] = f'<{self.server.url_for("/api/v2/tickets")}?page={page + 1}>; rel="next"'
        return Response(json.dumps(chunk), headers=headers, content_type="application/json")

    def _conversations(self, request: Request) -> Response:
        self.calls.append((request.path, dict(request.args)))
        queued = self.faults.get("conversations")
        if queued:
            return queued.pop(0)
        ticket_id = int(request.path.split("/")[4])
        size, page = int(request.args.get("per_page", 30)), int(request.args.get("page", 1))
        chunk = self.conversations.get(ticket_id, [])[(page - 1) * size : page * size]
        return Response(json.dumps(chunk), content_type="application/json")

    def _ratings(self, request: Request) -> Response:
        since = request.args["created_since"]
        # Newest first: the documentation promises no order, so the connector must not rely on one.
        rows = sorted(
            (r for r in self.ratings if r["created_at"] >= since), key=lambda r: r["created_at"], reverse=True
        )
        size, page = int(request.args["per_page"]), int(request.args["page"])
        return Response(json.dumps(rows[(page - 1) * size : page * size]), content_type="application/json")


_JQL = re.compile(r'^updated >= "(\d{4}/\d{2}/\d{2} \d{2}:\d{2})"')


class FakeJira(FakeVendor):
    """GET /rest/api/2/search with a JQL `updated >= "yyyy/MM/dd HH:mm"`, ordered, startAt paging."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.issues: dict[str, dict[str, Any]] = {}
        self.audit: list[dict[str, Any]] = []
        self.route("/rest/api/2/search", self._search)
        self.route("/rest/api/3/auditing/record", self._audit)

    def delete(self, key: str, record_id: int, at: datetime) -> None:
        """Delete an issue as Jira does: gone from search, an audit record left behind."""
        self.issues.pop(key, None)
        self.audit.append({
            "id": record_id, "summary": "Issue deleted", "created": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "category": "issue management", "eventSource": "", "remoteAddress": "10.0.0.1",
            "authorAccountId": "acc-admin", "objectItem": {"id": str(10000 + record_id), "name": key,
                                                           "typeName": "ISSUE", "parentName": "SD"},
            "changedValues": [], "associatedItems": [],
        })  # fmt: skip

    def _audit(self, request: Request) -> Any:
        since, until = _jira_time(request.args["from"]), _jira_time(request.args["to"])
        words = request.args.get("filter", "").lower().split()
        rows = sorted(
            (
                r for r in self.audit
                if since <= _jira_time(r["created"]) <= until
                and all(w in json.dumps(r).lower() for w in words)
            ),
            key=lambda r: (_jira_time(r["created"]), r["id"]),
            reverse=True,  # newest first, as Jira answers
        )  # fmt: skip
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 1000))
        return {
            "offset": offset,
            "limit": limit,
            "total": len(rows),
            "records": rows[offset : offset + limit],
        }

    def _search(self, request: Request) -> Any:
        found = _JQL.match(request.args["jql"])
        assert found and request.args["jql"].endswith("ORDER BY updated ASC, key ASC")
        since = datetime.strptime(found[1], "%Y/%m/%d %H:%M").replace(tzinfo=UTC)
        rated = re.search(r"cf\[(\d+)\] is not EMPTY", request.args["jql"])
        rows = sorted(
            (
                i
                for i in self.issues.values()
                if _jira_time(i["fields"]["updated"]) >= since
                and (not rated or i["fields"].get(f"customfield_{rated[1]}") is not None)
            ),
            key=lambda i: (_jira_time(i["fields"]["updated"]), i["key"]),
        )
        start, size = int(request.args["startAt"]), int(request.args["maxResults"])
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(rows),
            "issues": rows[start : start + size],
        }


def _jira_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
