"""Zendesk pulls into a real store on both engines: paging to the end, faults, drift, parity with a file."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from insightdesk.connectors.cursors import read_cursor
from insightdesk.connectors.sync import SyncError, sync_source
from insightdesk.ingest import ingest_file
from insightdesk.store import Store, open_store
from tests.connectors.fakes import FakeZendesk, fast_client, iso, source_for, status, truncated

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COLUMNS = "id, type, status, priority, channel, subject, customer_id, agent_id, team_id, created_at, source_updated_at, first_response_at"


def tickets_of(store: Store) -> list[tuple[object, ...]]:
    return [
        tuple(r) for r in store.query_df(f"select {COLUMNS} from tickets order by id").itertuples(index=False)
    ]


@pytest.fixture
def zendesk(httpserver: HTTPServer) -> FakeZendesk:
    fake = FakeZendesk(httpserver)
    for n in range(1, 11):
        fake.put_ticket(n, T0 + timedelta(minutes=n))
    return fake


def test_pulls_every_page_then_resumes_from_the_cursor(
    store: Store, zendesk: FakeZendesk, httpserver: HTTPServer
) -> None:
    source = source_for("zendesk", httpserver, streams=["tickets"])
    report = sync_source(store, source, client_factory=fast_client())
    assert (report.counts.received, report.counts.accepted, report.counts.rejected) == (10, 10, 0)
    assert report.counts.pages == 4  # 3 + 3 + 3 + 1 per page
    assert store.count("tickets") == 10
    cursor, newest_seen = read_cursor(store, source.name, "tickets")
    assert cursor == {"cursor": f"{int((T0 + timedelta(minutes=10)).timestamp())}:10"}
    assert newest_seen == (T0 + timedelta(minutes=10)).replace(tzinfo=None)
    # Nothing new: one empty page whose cursor repeats the one sent; no loop, nothing ingested.
    again = sync_source(store, source, client_factory=fast_client())
    assert (again.counts.pages, again.counts.received) == (1, 0)
    # An update and a deletion: the update replaces the row (history kept), the deleted one is cancelled.
    zendesk.put_ticket(3, T0 + timedelta(hours=2), status="solved")
    zendesk.put_ticket(4, T0 + timedelta(hours=2, minutes=1), status="deleted")
    third = sync_source(store, source, client_factory=fast_client())
    assert (third.counts.received, third.counts.updated) == (2, 2)
    statuses = dict(
        store.query_df("select id, status from tickets where id in ('zendesk:3', 'zendesk:4')").values
    )
    assert statuses == {"zendesk:3": "resolved", "zendesk:4": "cancelled"}
    assert store.count("tickets") == 10


def test_faults_on_the_way_give_the_same_store(
    store: Store, zendesk: FakeZendesk, httpserver: HTTPServer
) -> None:
    path = "/api/v2/incremental/tickets/cursor.json"
    zendesk.fail(
        path, status(429, {"Retry-After": "2"}), status(429, {"Retry-After": "1"}), status(500), status(503)
    )
    slept: list[float] = []
    source = source_for("zendesk", httpserver, streams=["tickets"])
    report = sync_source(store, source, client_factory=fast_client(slept))
    assert report.counts.received == 10 and store.count("tickets") == 10
    assert slept[:2] == [2.0, 1.0] and len(slept) == 4
    assert report.counts.requests == 4 + 4


def test_truncated_body_stops_and_the_next_run_has_no_gap_or_duplicate(
    store: Store, zendesk: FakeZendesk, httpserver: HTTPServer
) -> None:
    source = source_for("zendesk", httpserver, streams=["tickets"])
    first_page = {
        "tickets": [zendesk.tickets[n] for n in (1, 2, 3)],
        "after_cursor": "x",
        "end_of_stream": False,
    }
    sync_source(
        store,
        source_for("zendesk", httpserver, streams=["tickets"], batch_records=3),
        client_factory=fast_client(),
    )
    zendesk.put_ticket(11, T0 + timedelta(hours=1))
    zendesk.put_ticket(12, T0 + timedelta(hours=1, minutes=1))
    zendesk.fail("/api/v2/incremental/tickets/cursor.json", truncated(first_page))
    with pytest.raises(SyncError) as raised:
        sync_source(store, source, client_factory=fast_client())
    assert not raised.value.transient and "not valid JSON" in str(raised.value)
    assert store.count("tickets") == 10
    runs = store.query_df("select status, error_kind from connector_runs order by started_at")
    assert list(runs["status"]) == ["succeeded", "failed"] and runs["error_kind"].iloc[-1] == "terminal"
    resumed = sync_source(store, source, client_factory=fast_client())
    assert resumed.counts.received == 2 and store.count("tickets") == 12
    assert store.scalar("select count(*) from record_history where entity = 'tickets'") == 0


def test_401_names_the_credential_and_writes_nothing(
    store: Store, zendesk: FakeZendesk, httpserver: HTTPServer
) -> None:
    zendesk.fail("/api/v2/incremental/tickets/cursor.json", status(401))
    with pytest.raises(SyncError) as raised:
        sync_source(store, source_for("zendesk", httpserver), client_factory=fast_client())
    message = str(raised.value)
    assert "environment variable TEST_CONNECTOR_TOKEN" in message and "test-secret" not in message
    assert store.count("tickets") == 0 and read_cursor(store, "zendesk-test", "tickets") == (None, None)


def test_new_field_is_reported_and_a_missing_required_field_quarantined(
    store: Store, zendesk: FakeZendesk, httpserver: HTTPServer
) -> None:
    zendesk.put_ticket(5, T0 + timedelta(minutes=5), sentiment_score=0.4)
    zendesk.put_ticket(6, T0 + timedelta(minutes=6), created_at=None)
    report = sync_source(
        store, source_for("zendesk", httpserver, streams=["tickets"]), client_factory=fast_client()
    )
    assert (report.counts.accepted, report.counts.rejected) == (9, 1)
    assert any("sentiment_score" in w for w in report.warnings)
    assert json.loads(store.scalar("select new_fields from connector_runs")) == ["sentiment_score"]
    reason = store.scalar("select reason from quarantine where record_key = '6'")
    assert "created_at" in store.scalar("select field from quarantine where record_key = '6'") and reason


def test_events_and_ratings_follow_their_tickets(
    store: Store, zendesk: FakeZendesk, httpserver: HTTPServer
) -> None:
    zendesk.audits = [
        {"id": 70 + n, "ticket_id": n, "created_at": iso(T0 + timedelta(minutes=n, seconds=30)), "updater_id": 501,
         "event_type": "Audit", "child_events": [
             {"id": 700 + n, "event_type": "Change", "field_name": "status", "previous_value": "open", "value": "solved"},
             {"id": 800 + n, "event_type": "Change", "field_name": "tags", "previous_value": [], "value": ["x"]},
         ]}
        for n in (1, 2)
    ]  # fmt: skip
    zendesk.ratings = {
        n: {"id": n, "ticket_id": n, "requester_id": 9001, "assignee_id": 501, "score": "good" if n % 2 else "bad",
            "comment": "thanks", "created_at": iso(T0), "updated_at": iso(T0 + timedelta(minutes=n))}
        for n in range(1, 6)
    }  # fmt: skip
    report = sync_source(store, source_for("zendesk", httpserver), client_factory=fast_client())
    assert store.count("ticket_events") == 2 and store.count("feedback") == 5
    assert set(store.query_df("select event_type from ticket_events")["event_type"]) == {"resolved"}
    assert report.counts.rejected == 0
    cursor = read_cursor(store, "zendesk-test", "satisfaction_ratings")[0] or {}
    assert cursor["start_time"] == int((T0 + timedelta(minutes=5)).timestamp())


def test_a_sync_and_a_file_export_give_the_same_store(
    store: Store, zendesk: FakeZendesk, httpserver: HTTPServer, tmp_path: Path, duckdb_template: Path
) -> None:
    sync_source(store, source_for("zendesk", httpserver, streams=["tickets"]), client_factory=fast_client())
    export = tmp_path / "tickets.jsonl"
    with export.open("w") as out:
        for ticket in zendesk.tickets.values():
            metric = {"ticket_id": ticket["id"], "solved_at": None, "reopens": 0, "assignee_stations": 1,
                      "reply_time_in_minutes": {"calendar": 30}}  # fmt: skip
            out.write(json.dumps({**ticket, "metric_set": metric}) + "\n")
    other = tmp_path / "file.duckdb"
    shutil.copyfile(duckdb_template, other)
    with open_store(other) as from_file:
        ingest_file(from_file, export, "tickets", profile="zendesk")
        assert tickets_of(from_file) == tickets_of(store)
