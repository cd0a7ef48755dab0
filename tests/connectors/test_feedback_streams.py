"""Feedback and long threads pulled into a real store on both engines: Zendesk's late CSAT answers,
Freshdesk's conversations past page 1 and satisfaction ratings, Jira Service Management's CSAT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Response

from insightdesk.connectors.cursors import read_cursor
from insightdesk.connectors.sync import sync_source
from insightdesk.store import Store
from tests.connectors.fakes import FakeZendesk, fast_client, iso, source_for
from tests.connectors.fakes_more import FakeFreshdesk, FakeJira
from tests.connectors.test_vendor_sync import T0, fd_ticket, jira_issue


def test_zendesk_rating_answered_long_after_it_was_offered(store: Store, httpserver: HTTPServer) -> None:
    fake = FakeZendesk(httpserver)
    fake.put_ticket(1, T0)
    offered = {"id": 7, "ticket_id": 1, "requester_id": 9001, "assignee_id": 501, "group_id": 40,
               "score": "offered", "comment": None, "created_at": iso(T0), "updated_at": iso(T0)}  # fmt: skip
    fake.ratings = {7: offered}
    source = source_for("zendesk", httpserver)
    sync_source(store, source, client_factory=fast_client())
    row = store.query_df("select score, sent_at, answered_at from feedback")
    assert row["score"].isna().all() and row["answered_at"].isna().all()  # offered, not answered
    # Weeks later (now, as Zendesk records it), the customer answers: the rating is updated, not
    # created, so the creation-filtered list (start_time past its creation) no longer returns it.
    answered_at = datetime.now(UTC).replace(microsecond=0)
    fake.answer(7, "bad", answered_at, comment="took weeks")
    report = sync_source(store, source, client_factory=fast_client())
    assert report.counts.rejected == 0, store.query_df(
        "select kind, field, reason from quarantine"
    ).to_string()
    row = store.query_df("select id, score, comment, sent_at, answered_at from feedback")
    assert len(row) == 1 and row["id"][0] == "zendesk:7"
    assert (row["score"][0], row["comment"][0]) == (1.0, "took weeks")
    assert row["sent_at"][0] == T0.replace(tzinfo=None)  # kept: the rating read by id is whole
    assert row["answered_at"][0] == answered_at.replace(tzinfo=None)
    ratings_calls = [path for path, _ in fake.calls if path.startswith("/api/v2/satisfaction_ratings/")]
    assert ratings_calls == ["/api/v2/satisfaction_ratings/7"]
    cursor = read_cursor(store, "zendesk-test", "satisfaction_ratings")[0] or {}
    assert cursor["answers_since"] >= int(answered_at.timestamp())
    again = sync_source(store, source, client_factory=fast_client())  # the answer is behind the cursor
    assert again.counts.updated == 0


def conversation(ticket: int, n: int) -> dict[str, Any]:
    return {"id": ticket * 1000 + n, "ticket_id": ticket, "user_id": 70 if n % 2 else 80,
            "body_text": f"reply {n}", "incoming": bool(n % 2), "private": False, "source": 0,
            "created_at": iso(T0 + timedelta(minutes=n)), "updated_at": iso(T0 + timedelta(minutes=n))}  # fmt: skip


def test_freshdesk_long_threads_and_satisfaction_ratings(store: Store, httpserver: HTTPServer) -> None:
    fake = FakeFreshdesk(httpserver)
    fake.tickets = {n: fd_ticket(n, T0 + timedelta(minutes=n)) for n in (1, 2)}
    fake.conversations = {1: [conversation(1, n) for n in range(1, 231)], 2: [conversation(2, 1)]}
    # A 429 in the middle of ticket 1's thread: waited out (Retry-After), then the paging goes on.
    fake.faults["conversations"] = []
    slept: list[float] = []
    fake.ratings = [
        {"id": 500 + n, "survey_id": 3, "user_id": 70, "agent_id": 80, "group_id": 90, "ticket_id": n,
         "feedback": "ok", "ratings": {"default_question": code}, "created_at": iso(T0 + timedelta(hours=n)),
         "updated_at": iso(T0 + timedelta(hours=n))}
        for n, code in ((1, 103), (2, -103))
    ]  # fmt: skip
    source = source_for(
        "freshdesk", httpserver, streams=["tickets", "conversations", "satisfaction_ratings"], page_size=1
    )
    calls_before = len(fake.calls)
    fake.faults["conversations"].append(Response("", status=429, headers={"Retry-After": "2"}))
    report = sync_source(store, source, client_factory=fast_client(slept))
    assert report.counts.rejected == 0, report.warnings
    assert store.count("interactions") == 231 and 2.0 in slept
    pages = [a.get("page") for p, a in fake.calls[calls_before:] if p == "/api/v2/tickets/1/conversations"]
    assert pages == ["1", "1", "2", "3"]  # 100 + 100 + 30: the short page ends the thread
    scores = dict(store.query_df("select id, score from feedback").values)
    assert scores == {"freshdesk:501": 5.0, "freshdesk:502": 1.0}
    # Listed newest first: only the last page moves the cursor, to the newest creation seen.
    cursor = read_cursor(store, "freshdesk-test", "satisfaction_ratings")[0]
    assert cursor == {"created_since": iso(T0 + timedelta(hours=2))}


def test_jira_service_management_csat(store: Store, httpserver: HTTPServer) -> None:
    fake = FakeJira(httpserver)
    fake.issues = {f"SD-{n}": jira_issue(n, T0 + timedelta(minutes=n)) for n in (1, 2, 3)}
    rated_at = "2026-03-02T11:00:00.000+0000"
    fake.issues["SD-1"]["fields"] |= {"customfield_10040": {"rating": 4}, "customfield_10041": rated_at}
    fake.issues["SD-2"]["fields"] |= {"customfield_10040": {"rating": 1}, "customfield_10041": rated_at}
    source = source_for(
        "jira", httpserver, streams=["issues", "satisfaction"],
        options={"satisfaction_field": "customfield_10040", "satisfaction_date_field": "customfield_10041"},
    )  # fmt: skip
    report = sync_source(store, source, client_factory=fast_client())
    assert report.counts.rejected == 0, report.warnings
    rows = store.query_df("select id, score, ticket_id, customer_id, answered_at from feedback order by id")
    assert list(rows["id"]) == ["jira:SD-1", "jira:SD-2"] and list(rows["score"]) == [4.0, 1.0]
    assert rows["ticket_id"][0] == "jira:SD-1" and rows["customer_id"][0] == "jira:acc-cust"
    assert rows["answered_at"][0] == datetime(2026, 3, 2, 11, 0)
    searches = [a["jql"] for p, a in fake.calls if p == "/rest/api/2/search"]
    assert any("cf[10040] is not EMPTY" in jql for jql in searches)
