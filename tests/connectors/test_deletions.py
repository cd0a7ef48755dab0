"""Deletions in ServiceNow (sys_audit_delete) and Jira (the audit log), honoured as Zendesk's are:
the ticket stays as last seen, cancelled, its old version in record_history; both engines."""

from __future__ import annotations

from datetime import timedelta

from pytest_httpserver import HTTPServer

from insightdesk.connectors.cursors import read_cursor
from insightdesk.connectors.sync import sync_source
from insightdesk.store import Store
from tests.connectors.fakes import fast_client, source_for
from tests.connectors.fakes_more import FakeJira, FakeServiceNow
from tests.connectors.test_vendor_sync import T0, glide, incident, jira_issue


def _deleted_row(n: int, sys_id: str, at: str, number: str) -> dict[str, str]:
    """A sys_audit_delete row as the Table API returns it (payload: the record's last values as XML)."""
    payload = (
        '<?xml version="1.0" encoding="UTF-8"?><record_update table="incident"><incident action="DELETE">'
        f"<number>{number}</number><sys_id>{sys_id}</sys_id><state>2</state></incident></record_update>"
    )
    return {"sys_id": f"d{n}", "tablename": "incident", "documentkey": sys_id, "display_value": number,
            "payload": payload, "sys_created_on": at, "sys_created_by": "admin"}  # fmt: skip


def test_servicenow_deleted_incidents_become_cancelled(store: Store, httpserver: HTTPServer) -> None:
    fake = FakeServiceNow(httpserver)
    fake.display = {("assignment_group", "g1"): "Service Desk"}
    fake.tables["incident"] = [incident(n, T0 + timedelta(minutes=n)) for n in range(1, 5)]
    source = source_for("servicenow", httpserver, streams=["incidents", "deleted_incidents"])
    sync_source(store, source, client_factory=fast_client())
    assert store.count("tickets") == 4
    # Two deletions at one instant (the sys_id tie-breaker pages them), one of a record never synced.
    at = glide(T0 + timedelta(hours=2))
    fake.tables["incident"] = [
        r for r in fake.tables["incident"] if r["number"] not in ("INC0000002", "INC0000003")
    ]
    fake.tables["sys_audit_delete"] = [
        _deleted_row(1, f"{2:032x}", at, "INC0000002"),
        _deleted_row(2, f"{3:032x}", at, "INC0000003"),
        _deleted_row(3, f"{99:032x}", at, "INC0000099"),
        {**_deleted_row(4, "c1", at, "CHG0000001"), "tablename": "change_request"},
    ]
    report = sync_source(store, source, client_factory=fast_client())
    assert report.counts.rejected == 0, report.warnings
    assert (report.counts.received, report.counts.updated) == (3, 2)
    rows = dict(store.query_df("select id, status from tickets order by id").values)
    assert rows["servicenow:INC0000002"] == rows["servicenow:INC0000003"] == "cancelled"
    assert rows["servicenow:INC0000001"] == "open" and "servicenow:INC0000099" not in rows
    kept = store.query_df(
        "select subject, team_id, source_system from tickets where id = 'servicenow:INC0000002'"
    )
    assert tuple(kept.iloc[0]) == ("VPN down 2", "servicenow:Service Desk", "servicenow")
    assert store.scalar("select count(*) from record_history where record_id = 'servicenow:INC0000002'") == 1
    assert read_cursor(store, "servicenow-test", "deleted_incidents")[0] == {"at": at, "sys_id": "d3"}
    again = sync_source(store, source, client_factory=fast_client())
    assert again.counts.received == 0  # the committed cursor is past every deletion


def test_jira_deleted_issues_from_the_audit_log(store: Store, httpserver: HTTPServer) -> None:
    fake = FakeJira(httpserver)
    fake.issues = {f"SD-{n}": jira_issue(n, T0 + timedelta(minutes=n)) for n in range(1, 5)}
    source = source_for("jira", httpserver, streams=["issues", "deletions"], page_size=2)
    sync_source(store, source, client_factory=fast_client())
    assert store.count("tickets") == 4
    deleted_at = T0 + timedelta(hours=1)
    for n, key in enumerate(["SD-2", "SD-3", "SD-4"], start=1):
        fake.delete(key, n, deleted_at)  # one instant, three records: two pages of two
    fake.audit.append({**fake.audit[0], "id": 9, "summary": "Issue type deleted",
                       "objectItem": {"id": "7", "name": "Bug", "typeName": "ISSUE_TYPE"}})  # fmt: skip
    report = sync_source(store, source, client_factory=fast_client())
    assert report.counts.rejected == 0, report.warnings
    assert report.counts.updated == 3
    rows = dict(store.query_df("select id, status from tickets").values)
    assert [rows[f"jira:SD-{n}"] for n in range(1, 5)] == ["open", "cancelled", "cancelled", "cancelled"]
    assert store.scalar("select subject from tickets where id = 'jira:SD-3'") == "Laptop 3"
    cursor, newest = read_cursor(store, "jira-test", "deletions")
    assert cursor == {"created": "2026-03-02T10:00:00.000+0000", "id": 3}
    assert newest == deleted_at.replace(tzinfo=None)  # the deletion counts toward the sync lag
    fake.delete("SD-1", 4, deleted_at)  # the same instant as the cursor: `from` repeats the others
    again = sync_source(store, source, client_factory=fast_client())
    assert (again.counts.received, again.counts.updated) == (1, 1)
    assert store.scalar("select status from tickets where id = 'jira:SD-1'") == "cancelled"
