"""Bundled helpdesk profiles on both engines: vendor-shaped fixtures ingest with the expected counts,
reasons and canonical values, and re-runs change nothing (mappings and retries: test_profile_mappings.py)."""

from __future__ import annotations

import pandas as pd

from tests.support.vendor_profiles import frame, ingest, rejects

# (kind, file, received, inserted, {record key or "line<n>": (field, words in the reason)}), in load order.
LOADS: dict[str, list[tuple[str, str, int, int, dict[str, tuple[str, str]]]]] = {
    "zendesk": [
        ("organisations", "organizations.jsonl", 3, 2, {"line3": ("(line)", "not a valid JSON object")}),
        ("customers", "users_end_users.jsonl", 4, 3, {"20978395": ("created_at", "not a valid timestamp")}),
        ("agents", "users_agents.jsonl", 4, 3, {"line4": ("id", "required id is missing")}),
        ("tickets", "tickets.jsonl", 6, 5, {"35440": ("status", "not a valid status")}),
        (
            "feedback",
            "satisfaction_ratings.jsonl",
            6,
            4,
            {
                "120005": ("ticket_id", "references unknown ticket_id 99999"),
                "120006": ("score", "not a number"),
            },
        ),
        ("interactions", "ticket_comments.jsonl", 6, 5, {"9006": ("ticket_id", "unknown ticket_id 88888")}),
    ],
    "freshdesk": [
        ("organisations", "companies.csv", 3, 2, {"line4": ("id", "required id is missing")}),
        ("customers", "contacts.csv", 4, 3, {"80004": ("created_at", "not a valid timestamp")}),
        ("agents", "agents.csv", 3, 2, {"70003": ("active", "not a boolean")}),
        ("tickets", "tickets.csv", 6, 5, {"1045": ("status", "not a valid status")}),
        (
            "feedback",
            "satisfaction_ratings.csv",
            5,
            4,
            {"5000105": ("score", "score is outside the csat scale 1-5")},
        ),
        ("interactions", "conversations.csv", 5, 4, {"42000005": ("ticket_id", "unknown ticket_id 1099")}),
    ],
    "jira": [
        ("customers", "customers.jsonl", 4, 3, {"line4": ("id", "required id is missing")}),
        ("agents", "agents.jsonl", 4, 3, {"5c1d2e3f4a5b6c7d8e9f0a1b": ("active", "not a boolean")}),
        ("tickets", "issues.csv", 6, 5, {"ITSD-105": ("status", "not a valid status")}),
        (
            "feedback",
            "issues_rated.csv",
            3,
            2,
            {"ITSD-102": ("score", "score is outside the csat scale 1-5")},
        ),
        ("interactions", "comments.jsonl", 5, 4, {"30005": ("author_role", "not a valid author_role")}),
    ],
}
# Physical line of each rejected CSV record (header = line 1; a quoted newline pushes later records down).
CSV_LINES = {("freshdesk", "1045"): 7, ("freshdesk", "5000105"): 6, ("jira", "ITSD-105"): 7}


def check_loads(store, vendor: str) -> None:
    """Each fixture: received = accepted + rejected, the expected inserts, and each reject's field and reason."""
    for kind, name, received, inserted, expected in LOADS[vendor]:
        result = ingest(store, vendor, kind, name)
        label = f"{vendor} {kind}"
        assert result.reconciles, label
        assert (result.received, result.rejected, result.inserted) == (received, len(expected), inserted), (
            label
        )
        assert result.accepted == inserted and result.warnings == [], label
        bad = rejects(store, result.batch_id)
        assert set(bad) == set(expected), label
        for key, (field, words) in expected.items():
            assert bad[key].field == field and words in bad[key].reason, (label, key, bad[key])
            if (vendor, key) in CSV_LINES:
                assert bad[key].line == CSV_LINES[(vendor, key)], (label, key)
        batch = store.query_df(
            "SELECT received, accepted, rejected, profile FROM ingest_batches WHERE batch_id = :b",
            {"b": result.batch_id},
        ).iloc[0]
        assert (batch.received, batch.accepted, batch.rejected, batch.profile) == (
            received,
            inserted,
            len(expected),
            vendor,
        )


def check_reingest_changes_nothing(store, vendor: str) -> None:
    counts = {kind: store.count(kind) for kind, *_ in LOADS[vendor]}
    for kind, name, _received, inserted, expected in LOADS[vendor]:
        again = ingest(store, vendor, kind, name)
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, inserted), (vendor, kind)
        assert again.rejected == len(expected) and again.stubs == {}, (vendor, kind)
    assert {kind: store.count(kind) for kind, *_ in LOADS[vendor]} == counts
    assert store.scalar("SELECT count(*) FROM record_history") == 0


def check_feedback_links_to_its_ticket(store) -> None:
    linked = store.query_df(
        "SELECT f.id, t.id AS ticket, f.customer_id, t.customer_id AS requester "
        "FROM feedback f LEFT JOIN tickets t ON t.id = f.ticket_id"
    )
    assert len(linked) == store.count("feedback") > 0
    assert linked["ticket"].notna().all()
    assert (linked["customer_id"] == linked["requester"]).all()


def check_zendesk_values(store) -> None:
    t = frame(
        store,
        "SELECT id, type, status, priority, channel, team_id, customer_id, agent_id, organisation_id, problem_id, "
        "created_at, first_response_at, resolved_at, closed_at, source_updated_at, reopen_count, "
        "reassignment_count FROM tickets",
    )
    assert t.loc["zendesk:35436", ["type", "status", "priority", "channel"]].tolist() == [
        "incident",
        "resolved",
        "high",
        "web",
    ]
    assert t.loc["zendesk:35438", ["type", "status", "priority", "channel"]].tolist() == [
        "problem",
        "on_hold",
        "critical",
        "phone",
    ]
    assert t.loc["zendesk:35439", ["type", "status", "channel"]].tolist() == ["other", "closed", "chat"]
    assert t.loc["zendesk:35441", ["type", "status", "channel"]].tolist() == [
        "service_request",
        "pending",
        "api",
    ]
    assert pd.isna(t.loc["zendesk:35441", "priority"])
    assert t.loc["zendesk:35437", "priority"] == "medium"
    row = t.loc["zendesk:35436"]
    assert row.created_at == pd.Timestamp("2026-03-02 08:15:00")
    assert row.first_response_at == pd.Timestamp("2026-03-02 08:57:00")  # + 42 calendar minutes
    assert row.resolved_at == pd.Timestamp("2026-03-02 11:40:00")
    assert (row.reopen_count, row.reassignment_count) == (1, 1)
    assert (row.customer_id, row.agent_id, row.team_id, row.organisation_id) == (
        "zendesk:20978392",
        "zendesk:235323",
        "zendesk:98738",
        "zendesk:509974",
    )
    assert t.loc["zendesk:35439", "closed_at"] == pd.Timestamp("2026-03-05 09:00:00")
    assert pd.isna(t.loc["zendesk:35437", "closed_at"]) and pd.isna(t.loc["zendesk:35437", "resolved_at"])
    assert t.loc["zendesk:35439", "problem_id"] == "zendesk:35438"
    # the agent who raised 35438 is not in the end-user export: a customer stub stands in
    assert store.scalar("SELECT count(*) FROM customers WHERE is_stub") == 1

    f = frame(
        store, "SELECT id, scale, score, scale_min, scale_max, sent_at, answered_at, ticket_id FROM feedback"
    )
    assert set(f["scale"]) == {"csat"} and set(f["scale_min"]) == {1} and set(f["scale_max"]) == {5}
    assert f.loc["zendesk:120001", "score"] == 5.0 and f.loc["zendesk:120002", "score"] == 1.0
    assert f.loc["zendesk:120001", "answered_at"] == pd.Timestamp("2026-03-02 13:10:00")
    offered, unoffered = f.loc["zendesk:120003"], f.loc["zendesk:120004"]
    assert pd.isna(offered.score) and pd.isna(offered.answered_at) and not pd.isna(offered.sent_at)
    assert pd.isna(unoffered.score) and pd.isna(unoffered.sent_at)

    i = frame(
        store, "SELECT id, author_role, customer_id, agent_id, channel, conversation_id FROM interactions"
    )
    assert i.loc["zendesk:9001", ["author_role", "customer_id", "channel"]].tolist() == [
        "customer",
        "zendesk:20978392",
        "web",
    ]
    assert i.loc["zendesk:9005", ["author_role", "agent_id"]].tolist() == ["agent", "zendesk:235324"]
    assert pd.isna(i.loc["zendesk:9005", "customer_id"])
    assert i.loc["zendesk:9004", "conversation_id"] == "zendesk:35437"

    c = frame(store, "SELECT id, language, timezone, organisation_id FROM customers WHERE NOT is_stub")
    assert c.loc["zendesk:20978393", ["language", "timezone"]].tolist() == ["en", "America/New_York"]
    assert c.loc["zendesk:20978394", "language"] == "zh"
    emails = set(store.query_df("SELECT value FROM customer_contacts WHERE kind = 'email'")["value"])
    assert "hanna.berger@example.de" in emails
    a = frame(store, "SELECT id, team_id, active FROM agents")
    assert a.loc["zendesk:235325", "active"] == False  # noqa: E712 (numpy bool)
    assert a.loc["zendesk:235324", "team_id"] == "zendesk:98739"


def check_freshdesk_values(store) -> None:
    t = frame(
        store,
        "SELECT id, type, status, priority, channel, product, first_response_at, resolved_at, closed_at, "
        "sla_response_breached, sla_resolution_breached, organisation_id FROM tickets",
    )
    expected = {
        "freshdesk:1041": ["service_request", "resolved", "high", "email"],
        "freshdesk:1042": ["incident", "open", "critical", "chat"],
        "freshdesk:1043": ["question", "closed", "low", "self_service"],
        "freshdesk:1044": ["other", "on_hold", "medium", "phone"],
        "freshdesk:1046": ["service_request", "pending", "low", "web"],
    }
    for ticket_id, values in expected.items():
        assert t.loc[ticket_id, ["type", "status", "priority", "channel"]].tolist() == values, ticket_id
    row = t.loc["freshdesk:1043"]
    assert row.first_response_at == pd.Timestamp("2026-03-05 16:10:00")
    assert row.closed_at == pd.Timestamp("2026-03-08 10:00:00")
    assert bool(row.sla_response_breached) and not bool(row.sla_resolution_breached)
    assert bool(t.loc["freshdesk:1042", "sla_resolution_breached"])
    assert t.loc["freshdesk:1042", "product"] == "5001"

    f = frame(store, "SELECT id, scale, score, answered_at, sent_at, ticket_id, agent_id FROM feedback")
    assert f["score"].to_dict() == {
        "freshdesk:5000101": 4.0,
        "freshdesk:5000102": 5.0,
        "freshdesk:5000103": 1.0,
        "freshdesk:5000104": 3.0,
    }
    assert f["sent_at"].isna().all() and f["answered_at"].notna().all()

    i = frame(store, "SELECT id, author_role, customer_id, agent_id FROM interactions")
    assert i.loc["freshdesk:42000002", ["author_role", "customer_id"]].tolist() == [
        "customer",
        "freshdesk:80001",
    ]
    assert i.loc["freshdesk:42000003", ["author_role", "agent_id"]].tolist() == ["agent", "freshdesk:70002"]

    a = frame(store, "SELECT id, name, team_id, hired_at FROM agents")
    assert a.loc["freshdesk:70001", ["name", "team_id"]].tolist() == ["Jonas Weber", "freshdesk:9001"]
    o = frame(store, "SELECT id, industry, tier FROM organisations")
    assert o.loc["freshdesk:60002", ["industry", "tier"]].tolist() == ["Manufacturing", "Basic"]
    emails = set(store.query_df("SELECT value FROM customer_contacts WHERE kind = 'email'")["value"])
    assert "tom@example.com" in emails


def check_jira_values(store) -> None:
    t = frame(
        store,
        "SELECT id, type, status, priority, category, service, resolution_code, customer_id, agent_id, "
        "created_at, resolved_at, source_updated_at FROM tickets",
    )
    expected = {
        "jira:ITSD-101": ["incident", "resolved", "high"],
        "jira:ITSD-102": ["service_request", "pending", "medium"],
        "jira:ITSD-103": ["incident", "open", "critical"],
        "jira:ITSD-104": ["service_request", "closed", "low"],
        "jira:ITSD-106": ["service_request", "cancelled", "low"],
    }
    for ticket_id, values in expected.items():
        assert t.loc[ticket_id, ["type", "status", "priority"]].tolist() == values, ticket_id
    row = t.loc["jira:ITSD-101"]
    # dd/MMM/yy h:mm a, 12-hour clock; the profile reads the export as UTC
    assert row.created_at == pd.Timestamp("2026-03-02 09:15:00")
    assert row.resolved_at == pd.Timestamp("2026-03-03 16:40:00")
    assert (row.category, row.service, row.resolution_code) == ("Report a system problem", "VPN", "Done")
    assert row.agent_id == "jira:557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"
    assert row.customer_id.startswith("jira:qm:")

    f = frame(store, "SELECT id, scale, score, ticket_id, answered_at FROM feedback")
    assert f["score"].to_dict() == {"jira:ITSD-101": 4.0, "jira:ITSD-104": 2.0}
    assert f.loc["jira:ITSD-104", "answered_at"] == pd.Timestamp("2026-02-28 10:10:00")

    i = frame(store, "SELECT id, author_role, customer_id, agent_id, occurred_at FROM interactions")
    assert i["author_role"].to_dict() == {
        "jira:30001": "customer",
        "jira:30002": "agent",
        "jira:30003": "bot",
        "jira:30004": "agent",
    }
    assert i.loc["jira:30002", "occurred_at"] == pd.Timestamp("2026-03-02 09:00:00")  # 10:00+0100
    assert pd.isna(i.loc["jira:30003", "agent_id"]) and pd.isna(i.loc["jira:30003", "customer_id"])

    a = frame(store, "SELECT id, is_bot, active FROM agents")
    assert bool(a.loc["jira:557058:automation", "is_bot"])
    assert not bool(a.loc["jira:5b10ac8d82e05b22cc7d4ef5", "is_bot"])
    c = frame(store, "SELECT id, timezone FROM customers")
    assert set(c["timezone"]) == {"America/Chicago", "Europe/Stockholm", "Africa/Accra"}


# One test per profile and engine, loading the fixtures once: the checks share the loaded store.
def test_zendesk_profile(store):
    check_loads(store, "zendesk")
    check_zendesk_values(store)
    check_feedback_links_to_its_ticket(store)
    check_reingest_changes_nothing(store, "zendesk")


def test_freshdesk_profile(store):
    check_loads(store, "freshdesk")
    check_freshdesk_values(store)
    check_feedback_links_to_its_ticket(store)
    check_reingest_changes_nothing(store, "freshdesk")


def test_jira_profile(store):
    check_loads(store, "jira")
    check_jira_values(store)
    check_feedback_links_to_its_ticket(store)
    check_reingest_changes_nothing(store, "jira")
