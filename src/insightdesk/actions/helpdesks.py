"""Problem records written to a helpdesk, on each vendor's documented API (the push side of connectors).

Every writer finds a record by our idempotency key before it creates one, so a retry after a lost
answer (the worker died, the network cut the reply) adopts the record the first attempt made
instead of filing a second:

- ServiceNow Table API: `problem` records; the key in `correlation_id`
  (GET /api/now/table/problem?sysparm_query=correlation_id=KEY, POST /api/now/table/problem,
  GET /api/now/table/problem/{sys_id} for the state).
- Jira Service Management (Jira Cloud REST v3): issues of type Problem in a project; the key as a
  label (GET /rest/api/3/search/jql?jql=labels="KEY", POST /rest/api/3/issue).
- Zendesk Support: tickets of type problem; the key in `external_id`
  (GET /api/v2/tickets.json?external_id=KEY, POST /api/v2/tickets.json).

Transport, retries, 429 Retry-After and transient vs terminal errors are `connectors.VendorClient`'s.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from insightdesk.actions.destinations import Destination
from insightdesk.connectors import (
    Credentials,
    RetryPolicy,
    TerminalVendorError,
    TransientVendorError,
    VendorClient,
)

# ServiceNow's problem states (the Problem Management plugin's defaults).
SERVICENOW_STATES = {
    "101": "new",
    "102": "assess",
    "103": "root_cause_analysis",
    "104": "fix_in_progress",
    "106": "resolved",
    "107": "closed",
}
RESOLVED = ("resolved", "closed", "done", "solved")


@dataclass(frozen=True)
class Record:
    external_id: str
    number: str | None
    status: str | None


class ProblemWriter(Protocol):
    vendor: str

    def find(self, key: str) -> Record | None: ...

    def create(self, key: str, payload: dict[str, Any]) -> Record: ...

    def read(self, external_id: str) -> Record: ...

    def close(self) -> None: ...


def describe(payload: dict[str, Any]) -> str:
    """The evidence as plain text for the record's description (counts, quotes, affected tickets)."""
    ev = payload.get("evidence") or {}
    lines = [f"Raised by InsightDesk from {payload.get('event_key')}."]
    figures = [
        f"{k}: {ev[k]}" for k in ("rank", "score", "tickets", "customers", "trend") if ev.get(k) is not None
    ]
    if figures:
        lines.append("Figures (latest ranking): " + ", ".join(figures) + ".")
    for quote in ev.get("quotes") or []:
        lines.append(f'Customer said (redacted): "{quote}"')
    if ev.get("affected_tickets"):
        lines.append("Affected tickets: " + ", ".join(ev["affected_tickets"]) + ".")
    return "\n".join(lines)


def _label(key: str) -> str:
    """A Jira label for a key (labels allow no spaces): stable and short."""
    return "insightdesk-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def _client(dest: Destination, vendor: str, retry: RetryPolicy | None) -> VendorClient:
    secret = dest.secret()
    auth = None
    if secret is not None:
        auth = Credentials.basic(dest.user or "", secret, name=f"{dest.name}.secret_file")
    return VendorClient(dest.url, vendor=vendor, auth=auth, timeout=dest.timeout_seconds, retry=retry)


def _created(http: VendorClient, where: str, body: dict[str, Any]) -> Any:
    """POST a create; a 2xx whose body cannot be read may still have created it: transient, so the next
    attempt looks the record up by its key rather than giving up on a record that exists."""
    try:
        return http.post(where, json=body).data
    except TerminalVendorError as exc:
        if exc.status is not None and 200 <= exc.status < 300:
            raise TransientVendorError(
                str(exc), vendor=exc.vendor, status=exc.status, path=exc.path
            ) from None
        raise


def _shape(vendor: str, ok: bool, where: str) -> None:
    if not ok:
        raise TerminalVendorError(
            f"{vendor} answered {where} with a body of an unexpected shape",
            vendor=vendor,
            status=None,
            path=where,
        )


class ServiceNowWriter:
    vendor = "servicenow"
    path = "/api/now/table/problem"

    def __init__(self, dest: Destination, retry: RetryPolicy | None = None) -> None:
        self.http = _client(dest, "ServiceNow", retry)

    def _record(self, row: Any, where: str) -> Record:
        _shape("ServiceNow", isinstance(row, dict) and isinstance(row.get("sys_id"), str), where)
        state = str(row.get("state", ""))
        return Record(row["sys_id"], row.get("number"), SERVICENOW_STATES.get(state, state or None))

    def find(self, key: str) -> Record | None:
        data = self.http.get(
            self.path,
            params={
                "sysparm_query": f"correlation_id={key}",
                "sysparm_limit": 1,
                "sysparm_fields": "sys_id,number,state",
            },
        ).data
        _shape("ServiceNow", isinstance(data, dict) and isinstance(data.get("result"), list), self.path)
        rows = data["result"]
        return self._record(rows[0], self.path) if rows else None

    def create(self, key: str, payload: dict[str, Any]) -> Record:
        body = {
            "short_description": payload["short_description"],
            "description": describe(payload),
            "correlation_id": key,
            "correlation_display": "InsightDesk",
        }
        data = _created(self.http, self.path, body)
        _shape("ServiceNow", isinstance(data, dict), self.path)
        return self._record(data.get("result"), self.path)

    def read(self, external_id: str) -> Record:
        where = f"{self.path}/{external_id}"
        data = self.http.get(where, params={"sysparm_fields": "sys_id,number,state"}).data
        _shape("ServiceNow", isinstance(data, dict), where)
        return self._record(data.get("result"), where)

    def close(self) -> None:
        self.http.close()


class JiraWriter:
    vendor = "jira"

    def __init__(self, dest: Destination, retry: RetryPolicy | None = None) -> None:
        self.http = _client(dest, "Jira", retry)
        self.project = dest.project

    def _record(self, issue: Any, where: str) -> Record:
        _shape("Jira", isinstance(issue, dict) and isinstance(issue.get("key"), str), where)
        status = ((issue.get("fields") or {}).get("status") or {}).get("name")
        return Record(issue["key"], issue["key"], None if status is None else str(status).lower())

    def find(self, key: str) -> Record | None:
        where = "/rest/api/3/search/jql"
        data = self.http.get(
            where, params={"jql": f'labels = "{_label(key)}"', "fields": "status", "maxResults": 1}
        ).data
        _shape("Jira", isinstance(data, dict) and isinstance(data.get("issues"), list), where)
        return self._record(data["issues"][0], where) if data["issues"] else None

    def create(self, key: str, payload: dict[str, Any]) -> Record:
        where = "/rest/api/3/issue"
        text = describe(payload)
        body = {
            "fields": {
                "project": {"key": self.project},
                "issuetype": {"name": "Problem"},
                "summary": payload["short_description"],
                "labels": [_label(key)],
                # Atlassian Document Format: one paragraph per line of the evidence.
                "description": {
                    "type": "doc",
                    "version": 1,
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
                        for line in text.splitlines()
                    ],
                },
            }
        }
        data = _created(self.http, where, body)
        _shape("Jira", isinstance(data, dict) and isinstance(data.get("key"), str), where)
        return Record(data["key"], data["key"], "open")

    def read(self, external_id: str) -> Record:
        where = f"/rest/api/3/issue/{external_id}"
        return self._record(self.http.get(where, params={"fields": "status"}).data, where)

    def close(self) -> None:
        self.http.close()


class ZendeskWriter:
    vendor = "zendesk"

    def __init__(self, dest: Destination, retry: RetryPolicy | None = None) -> None:
        self.http = _client(dest, "Zendesk", retry)

    def _record(self, ticket: Any, where: str) -> Record:
        _shape("Zendesk", isinstance(ticket, dict) and ticket.get("id") is not None, where)
        return Record(str(ticket["id"]), str(ticket["id"]), ticket.get("status"))

    def find(self, key: str) -> Record | None:
        where = "/api/v2/tickets.json"
        data = self.http.get(where, params={"external_id": key}).data
        _shape("Zendesk", isinstance(data, dict) and isinstance(data.get("tickets"), list), where)
        return self._record(data["tickets"][0], where) if data["tickets"] else None

    def create(self, key: str, payload: dict[str, Any]) -> Record:
        where = "/api/v2/tickets.json"
        body = {
            "ticket": {
                "subject": payload["short_description"],
                "comment": {"body": describe(payload), "public": False},
                "type": "problem",
                "external_id": key,
                "tags": ["insightdesk"],
            }
        }
        data = _created(self.http, where, body)
        _shape("Zendesk", isinstance(data, dict), where)
        return self._record(data.get("ticket"), where)

    def read(self, external_id: str) -> Record:
        where = f"/api/v2/tickets/{external_id}.json"
        data = self.http.get(where).data
        _shape("Zendesk", isinstance(data, dict), where)
        return self._record(data.get("ticket"), where)

    def close(self) -> None:
        self.http.close()


WRITERS: dict[str, type[ServiceNowWriter] | type[JiraWriter] | type[ZendeskWriter]] = {
    "servicenow": ServiceNowWriter,
    "jira": JiraWriter,
    "zendesk": ZendeskWriter,
}


def writer_for(dest: Destination, retry: RetryPolicy | None = None) -> ProblemWriter:
    if dest.kind not in WRITERS:
        raise ValueError(f"destination {dest.name!r} is a {dest.kind}, not a helpdesk")
    return WRITERS[dest.kind](dest, retry)
