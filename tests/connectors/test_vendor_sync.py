"""ServiceNow, Freshdesk and Jira pulls into a real store on both engines: paging, updates, deletions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_httpserver import HTTPServer

from insightdesk.connectors.cursors import read_cursor
from insightdesk.connectors.sync import sync_source
from insightdesk.store import Store
from tests.connectors.fakes import fast_client, iso, source_for
from tests.connectors.fakes_more import FakeFreshdesk, FakeJira, FakeServiceNow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def glide(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def incident(n: int, updated: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "sys_id": f"{n:032x}", "number": f"INC{n:07d}", "short_description": f"VPN down {n}",
        "incident_state": "2", "state": "2", "priority": "3", "impact": "2", "urgency": "2",
        "contact_type": "phone", "caller_id": "c1", "assignment_group": "g1", "assigned_to": "a1",
        "opened_at": glide(T0 - timedelta(days=1)), "sys_updated_on": glide(updated),
        "sys_updated_by": "admin", "sys_mod_count": "1", **extra,
    }  # fmt: skip


def test_servicenow_pages_by_key_through_ties_and_reads_journal(store: Store, httpserver: HTTPServer) -> None:
    fake = FakeServiceNow(httpserver)
    empty = sync_source(store, source_for("servicenow", httpserver), client_factory=fast_client())
    assert empty.counts.received == 0 and store.count("tickets") == 0  # an empty page ends each stream
    fake.display = {
        ("incident_state", "2"): "In Progress", ("priority", "3"): "3 - Moderate", ("impact", "2"): "2 - Medium",
        ("urgency", "2"): "2 - Medium", ("assignment_group", "g1"): "Service Desk", ("assigned_to", "a1"): "Beth Able",
        ("problem_state", "2"): "Assess",
    }  # fmt: skip
    # Five incidents share one sys_updated_on: only the sys_id tie-breaker pages through them.
    fake.tables["incident"] = [incident(n, T0 if n <= 5 else T0 + timedelta(minutes=n)) for n in range(1, 9)]
    fake.tables["incident"][0]["caller_id.user_name"] = "carol"
    fake.tables["problem"] = [{"sys_id": "p1", "number": "PRB0000001", "short_description": "VPN",
                               "problem_state": "2", "opened_at": glide(T0), "sys_updated_on": glide(T0)}]  # fmt: skip
    fake.tables["sys_journal_field"] = [
        {"sys_id": f"j{n}", "element_id": f"{1:032x}", "element": element, "name": "incident",
         "value": f"note {n}", "sys_created_on": glide(T0 + timedelta(minutes=n)), "sys_created_by": by}
        for n, (element, by) in enumerate([("comments", "carol"), ("work_notes", "beth")], start=1)
    ]  # fmt: skip
    report = sync_source(store, source_for("servicenow", httpserver), client_factory=fast_client())
    assert report.counts.rejected == 0, store.query_df(
        "select kind, field, reason from quarantine"
    ).to_string()
    assert store.count("tickets") == 8 and store.count("problems") == 1 and store.count("interactions") == 2
    row = store.query_df("select status, priority, team_id from tickets where id = 'servicenow:INC0000001'")
    assert tuple(row.iloc[0]) == ("open", "medium", "servicenow:Service Desk")
    roles = dict(store.query_df("select body, author_role from interactions").values)
    assert roles == {"note 1": "customer", "note 2": "agent"}
    cursor, _ = read_cursor(store, "servicenow-test", "incidents")
    assert cursor == {"at": glide(T0 + timedelta(minutes=8)), "sys_id": f"{8:032x}"}
    fake.tables["incident"][2] = incident(
        3, T0 + timedelta(hours=1), incident_state="6", resolved_at=glide(T0)
    )
    again = sync_source(
        store, source_for("servicenow", httpserver, streams=["incidents"]), client_factory=fast_client()
    )
    assert (again.counts.received, again.counts.updated) == (1, 1)
    assert store.scalar("select status from tickets where id = 'servicenow:INC0000003'") == "resolved"


def fd_ticket(n: int, updated: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "id": n, "subject": f"Refund {n}", "description_text": "where is it", "status": 2, "priority": 1,
        "source": 1, "requester_id": 70, "responder_id": 80, "group_id": 90, "created_at": iso(T0),
        "updated_at": iso(updated), "stats": {"first_responded_at": None, "resolved_at": None, "closed_at": None},
        **extra,
    }  # fmt: skip


def test_freshdesk_follows_link_pages_deletions_and_conversations(
    store: Store, httpserver: HTTPServer
) -> None:
    fake = FakeFreshdesk(httpserver)
    assert (
        sync_source(store, source_for("freshdesk", httpserver), client_factory=fast_client()).counts.pages
        == 4  # one empty page per stream: tickets, deleted_tickets, conversations, ratings
    )
    fake.tickets = {n: fd_ticket(n, T0 + timedelta(minutes=n)) for n in range(1, 8)}
    fake.conversations = {1: [{"id": 11, "ticket_id": 1, "user_id": 70, "body_text": "any news?",
                               "incoming": True, "private": False, "source": 0, "created_at": iso(T0),
                               "updated_at": iso(T0)}]}  # fmt: skip
    report = sync_source(store, source_for("freshdesk", httpserver), client_factory=fast_client())
    assert report.counts.rejected == 0, report.warnings
    assert store.count("tickets") == 7 and store.count("interactions") == 1
    fake.tickets[2] = fd_ticket(2, T0 + timedelta(hours=1), deleted=True)
    sync_source(
        store,
        source_for("freshdesk", httpserver, streams=["tickets", "deleted_tickets"]),
        client_factory=fast_client(),
    )
    assert store.scalar("select status from tickets where id = 'freshdesk:2'") == "cancelled"


def jira_issue(n: int, updated: datetime, **fields: Any) -> dict[str, Any]:
    stamp = updated.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return {
        "id": str(10000 + n), "key": f"SD-{n}",
        "fields": {
            "summary": f"Laptop {n}", "description": "screen flickers", "issuetype": {"name": "[System] Incident"},
            "status": {"name": "Waiting for support"}, "priority": {"name": "Medium"}, "resolution": None,
            "created": "2026-03-01T08:00:00.000+0000", "updated": stamp, "resolutiondate": None,
            "assignee": {"accountId": "acc-agent"}, "reporter": {"accountId": "acc-cust"}, "components": [],
            "comment": {"comments": [{"id": f"c{n}", "author": {"accountId": "acc-cust", "accountType": "customer"},
                                      "body": "still broken", "created": stamp, "jsdPublic": True}]},
            **fields,
        },
    }  # fmt: skip


def test_jira_pages_within_a_minute_and_resumes(store: Store, httpserver: HTTPServer) -> None:
    fake = FakeJira(httpserver)
    assert (
        sync_source(store, source_for("jira", httpserver), client_factory=fast_client()).counts.received == 0
    )
    # Seven issues in one minute: the minute-precise JQL returns them again on every page.
    fake.issues = {f"SD-{n}": jira_issue(n, T0 + timedelta(seconds=n)) for n in range(1, 8)}
    report = sync_source(store, source_for("jira", httpserver), client_factory=fast_client())
    assert report.counts.rejected == 0, report.warnings
    assert store.count("tickets") == 7 and store.count("interactions") == 7
    assert read_cursor(store, "jira-test", "issues")[0] == {"updated": "2026/03/02 09:00"}
    fake.issues["SD-3"] = jira_issue(3, T0 + timedelta(minutes=5), status={"name": "Resolved"})
    again = sync_source(
        store, source_for("jira", httpserver, streams=["issues"]), client_factory=fast_client()
    )
    assert again.counts.updated == 1
    assert store.scalar("select status from tickets where id = 'jira:SD-3'") == "resolved"
