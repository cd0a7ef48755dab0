"""ServiceNow: the Table API on incident, problem, change_request and incident journal entries,
into the `servicenow` profile's shape (the list export's columns).

GET /api/now/table/{table}?sysparm_query=...&sysparm_limit=N&sysparm_display_value=all answers
`{"result": [{field: {"value": ..., "display_value": ...}}]}`. A list export shows display values
("1 - Critical", "Closed", the assignment group's name) and times in UTC when the exporting user's
zone is UTC, so each field takes its display value, and a date-time field its `value` (always
UTC, "YYYY-MM-DD HH:MM:SS"). Paging is by key, not offset: each page asks for the records after
the last one seen, ordered by (sys_updated_on, sys_id), so a record updated while a sync pages
moves behind the cursor instead of shifting an offset and hiding another record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from insightdesk.connectors.http import VendorClient
from insightdesk.connectors.sources import SourceConfig
from insightdesk.connectors.streams import Cursor, Page, Stream, field_set, listed, newest

_GLIDE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_COMMON = (
    "sys_id sys_updated_on sys_updated_by sys_created_on sys_created_by sys_mod_count sys_tags "
    "sys_class_name sys_domain sys_domain_path number short_description description active "
    "state priority impact urgency assignment_group assigned_to opened_at opened_by closed_at "
    "closed_by category subcategory cmdb_ci company location"
)


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """A Table API record with display_value=all as the list export shows it (see the module doc)."""
    flat: dict[str, Any] = {}
    for name, cell in record.items():
        if isinstance(cell, dict) and ("value" in cell or "display_value" in cell):
            value = cell.get("value")
            is_time = isinstance(value, str) and bool(_GLIDE_TIME.match(value))
            flat[name] = value if is_time else cell.get("display_value")
        else:
            flat[name] = cell
    # The profile folds event logs on `sys_updated_at` (the UCI log's name for sys_updated_on).
    flat["sys_updated_at"] = flat.get("sys_updated_on")
    return flat


def _glide_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


class TableStream(Stream):
    """One Table API table, paged by (sys_updated_on, sys_id) after the committed key."""

    profile = "servicenow"
    table: str
    extra_query: str = ""

    def __init__(
        self,
        name: str,
        table: str,
        kind: str,
        fields: str,
        extra_query: str = "",
        time_field: str = "sys_updated_on",
    ) -> None:
        self.name, self.table, self.kind, self.extra_query = name, table, kind, extra_query
        self.time_field = time_field
        self.known_fields = field_set(f"{_COMMON} {fields} sys_updated_at")

    def key(self, flat: dict[str, Any]) -> tuple[str, str]:
        return str(flat.get(self.time_field) or ""), str(flat.get("sys_id") or "")

    def query(self, after: tuple[str, str]) -> str:
        at, sys_id, t = *after, self.time_field
        # Strictly after the key: a later time, or the same time and a greater sys_id (the tie-breaker).
        keyset = f"{t}>{at}^NQ{t}={at}^sys_id>{sys_id}" if sys_id else f"{t}>={at}"
        if self.extra_query:
            keyset = "^NQ".join(f"{part}^{self.extra_query}" for part in keyset.split("^NQ"))
        return f"{keyset}^ORDERBY{t}^ORDERBYsys_id"

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        start = source.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        after = (cursor["at"], cursor["sys_id"]) if cursor else (start, "")
        path = f"/api/now/table/{self.table}"
        while True:
            params = {
                "sysparm_query": self.query(after),
                "sysparm_limit": source.page_size,
                "sysparm_display_value": "all",
                "sysparm_exclude_reference_link": "true",
            }
            rows = [
                flatten(r) for r in listed(client.get(path, params=params).data, "result", "ServiceNow", path)
            ]
            rows = self.enrich(client, rows)
            last_key = self.key(rows[-1]) if rows else after
            # A page that does not move the key would repeat forever: take it as the end.
            done = len(rows) < source.page_size or last_key <= after
            stamp = newest(_glide_time(str(r.get(self.time_field))) for r in rows)
            yield Page(rows, {"at": last_key[0], "sys_id": last_key[1]}, stamp, done)
            if done:
                return
            after = last_key

    def enrich(self, client: VendorClient, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows


class JournalStream(TableStream):
    """Incident comments and work notes: each gets its incident's number and its author's role."""

    def enrich(self, client: VendorClient, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = sorted({str(r.get("element_id")) for r in rows if r.get("element_id")})
        incidents: dict[str, dict[str, Any]] = {}
        if ids:
            body = client.get(
                "/api/now/table/incident",
                params={
                    "sysparm_query": f"sys_idIN{','.join(ids)}",
                    "sysparm_fields": "sys_id,number,caller_id.user_name",
                    "sysparm_limit": len(ids),
                },
            ).data
            for found in listed(body, "result", "ServiceNow", "/api/now/table/incident"):
                incidents[str(found.get("sys_id"))] = found
        for row in rows:
            incident = incidents.get(str(row.get("element_id")), {})
            row["number"] = incident.get("number")
            by_caller = row.get("sys_created_by") == incident.get("caller_id.user_name")
            row["author_role"] = "customer" if row.get("element") == "comments" and by_caller else "agent"
        return rows


_NUMBER = re.compile(r"<number>([^<]{1,100})</number>")


class DeletedRecords(TableStream):
    """Deletions of one table from the deleted-records table `sys_audit_delete` (documentkey: the
    record's sys_id, display_value: its number, payload: its last values as XML, sys_created_on: when
    it was deleted), paged by (sys_created_on, sys_id) like any table. The record is honoured from
    the store's copy (see tombstones): its number is read from the payload, else the display value."""

    tombstones, profile, records_of = True, "generic", "servicenow"

    def __init__(self, name: str, table: str, kind: str) -> None:
        super().__init__(
            name,
            "sys_audit_delete",
            kind,
            "tablename documentkey display_value payload reason source_id deleted_at",
            extra_query=f"tablename={table}",
            time_field="sys_created_on",  # a deleted-record row is written once
        )

    def enrich(self, client: VendorClient, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            found = _NUMBER.search(str(row.get("payload") or ""))
            row["source_id"] = found[1].strip() if found else row.get("display_value")
            deleted = _glide_time(str(row.get("sys_created_on")))
            row["deleted_at"] = deleted.strftime("%Y-%m-%dT%H:%M:%SZ") if deleted else None
        return rows


STREAMS: tuple[Stream, ...] = (
    TableStream(
        "incidents",
        "incident",
        "tickets",
        "incident_state caller_id contact_type problem_id rfc knowledge made_sla close_code closed_code "
        "reassignment_count reopen_count resolved_at resolved_by severity business_service",
    ),
    TableStream(
        "problems",
        "problem",
        "problems",
        "problem_state cause_notes known_error resolved_at fix_notes workaround",
    ),
    TableStream(
        "changes", "change_request", "changes", "type risk parent start_date end_date work_start work_end"
    ),
    JournalStream(
        "journal",
        "sys_journal_field",
        "interactions",
        "element element_id name value number author_role",
        extra_query="name=incident^elementINcomments,work_notes",
        time_field="sys_created_on",  # journal entries are written once, never updated
    ),
    DeletedRecords("deleted_incidents", "incident", "tickets"),
    DeletedRecords("deleted_changes", "change_request", "changes"),
)
