"""Ingestion behaviour on both engines: counts reconcile, bad rows are explained, re-runs change nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from insightdesk.ingest import IngestError, ingest_file
from insightdesk.ingest import quarantine as quarantine_service
from tests.support.ingest_files import FEEDBACK_CSV, TICKETS_CSV, write


def quarantined(store, batch_id):
    frame = store.query_df(
        "SELECT line, record_key, field, value, reason, raw, errors FROM quarantine WHERE batch_id = :b ORDER BY line",
        {"b": batch_id},
    )
    return {row.record_key or f"line{row.line}": row for row in frame.itertuples()}


def test_tickets_validate_and_reconcile(store, tmp_path):
    result = ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets")
    assert (result.received, result.accepted, result.rejected) == (6, 3, 3)
    assert result.reconciles and result.inserted == 3
    bad = quarantined(store, result.batch_id)
    assert bad["T3"].field == "channel" and bad["T3"].value == "pigeon" and bad["T3"].line == 4
    assert "expected one of email" in bad["T3"].reason
    assert bad["T4"].field == "created_at" and "timestamp" in bad["T4"].reason and bad["T4"].line == 5
    # the multi-line subject moves T5 to line 6 and its record ends on line 7
    assert bad["T5"].field == "reopen_count" and bad["T5"].value == "x" and bad["T5"].line == 6
    assert json.loads(bad["T5"].raw)["subject"] == "Multi\nline subject"
    stored = store.query_df("SELECT id, created_at, status, customer_id, team_id FROM tickets ORDER BY id")
    assert list(stored["id"]) == ["generic:T1", "generic:T2", "generic:T6"]
    assert stored.set_index("id").loc["generic:T6", "created_at"] == pd.Timestamp("2026-01-09 13:00:00")
    assert stored.set_index("id").loc["generic:T2", "created_at"] == pd.Timestamp("2026-01-06 10:00:00")
    # requesters and groups that no export has brought yet become stubs, flagged as such
    assert result.stubs == {"customers": 3, "teams": 2}
    assert store.scalar("SELECT count(*) FROM customers WHERE is_stub") == 3
    batch = store.query_df("SELECT * FROM ingest_batches WHERE batch_id = :b", {"b": result.batch_id}).iloc[0]
    assert (batch.received, batch.accepted, batch.inserted, batch.rejected) == (6, 3, 3, 3)


def test_every_error_of_a_row_is_listed(store, tmp_path):
    text = "id,type,channel,status,created_at,reopen_count\nA,incident,pigeon,weird,2026-01-01T00:00:00Z,-1\n"
    result = ingest_file(store, write(tmp_path, "t.csv", text), "tickets")
    row = quarantined(store, result.batch_id)["A"]
    fields = {e["field"] for e in json.loads(row.errors)}
    assert fields == {"channel", "status", "reopen_count"}


def test_feedback_scores_and_references(store, tmp_path):
    ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets")
    result = ingest_file(store, write(tmp_path, "feedback.csv", FEEDBACK_CSV), "feedback")
    assert (result.received, result.accepted, result.rejected) == (5, 3, 2)
    bad = quarantined(store, result.batch_id)
    assert bad["F2"].field == "score" and bad["F2"].reason == "score is outside the nps scale 0-10"
    assert bad["F3"].field == "ticket_id" and "references unknown ticket_id T99" in bad["F3"].reason
    scales = store.query_df(
        "SELECT id, scale, score, scale_min, scale_max, ticket_id FROM feedback ORDER BY id"
    )
    assert scales.set_index("id").loc["generic:F4"].tolist() == ["ces", 3.0, 1, 7, "generic:T2"]
    assert scales.set_index("id").loc["generic:F5"].tolist() == ["nps", 0.0, 0, 10, "generic:T6"]


def test_reingest_is_idempotent_and_updates_keep_history(store, tmp_path):
    path = write(tmp_path, "tickets.csv", TICKETS_CSV)
    first = ingest_file(store, path, "tickets")
    again = ingest_file(store, path, "tickets")
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 3)
    assert store.count("tickets") == 3 and store.count("record_history") == 0
    # the earlier run's open rejects are superseded by the re-run's
    assert store.scalar("SELECT count(*) FROM quarantine WHERE status = 'open'") == 3
    changed = write(tmp_path, "tickets2.csv", TICKETS_CSV.replace("Need access,open", "Need access,resolved"))
    third = ingest_file(store, changed, "tickets")
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    assert store.scalar("SELECT status FROM tickets WHERE id = 'generic:T2'") == "resolved"
    history = store.query_df("SELECT * FROM record_history")
    assert len(history) == 1 and history.iloc[0]["batch_id"] == first.batch_id
    assert json.loads(history.iloc[0]["record"])["status"] == "open"
    first_seen = store.scalar("SELECT first_seen_at FROM tickets WHERE id = 'generic:T2'")
    assert first_seen < store.scalar("SELECT last_changed_at FROM tickets WHERE id = 'generic:T2'")


def test_stub_is_filled_by_the_real_record(store, tmp_path):
    ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets")
    customers = "id,name,tier,email\nC1,Ada Lovelace,gold,ADA@example.org\nC2,Bob,silver,\n"
    result = ingest_file(store, write(tmp_path, "customers.csv", customers), "customers")
    assert (result.inserted, result.updated) == (2, 0)
    row = store.query_df("SELECT name, tier, is_stub FROM customers WHERE id = 'generic:C1'").iloc[0]
    assert (row["name"], row["tier"], bool(row["is_stub"])) == ("Ada Lovelace", "gold", False)
    contact = store.query_df("SELECT customer_id, kind, value FROM customer_contacts").iloc[0].tolist()
    assert contact == ["generic:C1", "email", "ada@example.org"]


def test_duplicate_ids_keep_the_last(store, tmp_path):
    text = (
        "id,type,status,created_at,subject\nD1,incident,open,2026-01-01T00:00:00Z,first\n"
        "D1,incident,open,2026-01-01T00:00:00Z,second\n"
    )
    result = ingest_file(store, write(tmp_path, "d.csv", text), "tickets")
    assert (result.inserted, result.rejected) == (1, 1)
    assert store.scalar("SELECT subject FROM tickets") == "second"
    row = quarantined(store, result.batch_id)["D1"]
    assert row.line == 2 and "duplicate id" in row.reason


def test_missing_required_column_is_a_clear_error_and_writes_nothing(store, tmp_path):
    path = write(tmp_path, "t.csv", "id,type,status\nA,incident,open\n")
    with pytest.raises(IngestError, match=r"lacks column\(s\) 'created_at'"):
        ingest_file(store, path, "tickets")
    assert store.count("ingest_batches") == 0 and store.count("tickets") == 0


def test_undecodable_byte_names_the_line(store, tmp_path):
    text = "id,type,status,created_at,subject\nA,incident,open,2026-01-01T00:00:00Z,Caf\u00e9\n"
    path = write(tmp_path, "latin.csv", text, encoding="latin-1")
    with pytest.raises(IngestError, match=r"line 2.*--encoding"):
        ingest_file(store, path, "tickets")
    assert store.count("tickets") == 0
    result = ingest_file(store, path, "tickets", encoding="latin-1")
    assert result.inserted == 1 and store.scalar("SELECT subject FROM tickets") == "Café"


def test_cp1252_is_transcoded(store, tmp_path):
    text = (
        "id;type;status;created_at;subject\nA;incident;open;2026-01-01T00:00:00Z;\u201cquoted\u201d \u20ac\n"
    )
    path = write(tmp_path, "win.csv", text, encoding="cp1252")
    result = ingest_file(store, path, "tickets", encoding="cp1252", delimiter=";")
    assert result.inserted == 1 and store.scalar("SELECT subject FROM tickets") == "\u201cquoted\u201d \u20ac"


def test_unparseable_lines_are_kept(store, tmp_path):
    text = (
        "id,type,status,created_at\nA,incident,open,2026-01-01T00:00:00Z\nB,incident,open,2026-01-01,extra\n"
    )
    result = ingest_file(store, write(tmp_path, "t.csv", text), "tickets")
    assert (result.received, result.accepted, result.rejected) == (2, 1, 1)
    row = quarantined(store, result.batch_id)["line3"]
    assert row.line == 3 and "too many columns" in row.reason
    assert json.loads(row.raw) == {"__line": "B,incident,open,2026-01-01,extra"}


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl_and_gzip(store, tmp_path, gz):
    lines = [
        {
            "id": "J1",
            "type": "incident",
            "status": "open",
            "created_at": "2026-02-01T10:00:00Z",
            "reopen_count": 2,
        },
        "this is not json",
        {
            "id": "J2",
            "type": "incident",
            "status": "open",
            "created_at": "2026-02-01T10:00:00Z",
            "priority": "p0",
        },
    ]
    text = "\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n"
    result = ingest_file(store, write(tmp_path, "t.jsonl", text, gz=gz), "tickets")
    assert (result.received, result.accepted, result.rejected) == (3, 1, 2)
    bad = quarantined(store, result.batch_id)
    assert bad["line2"].reason == "not a valid JSON object"
    assert bad["J2"].line == 3 and bad["J2"].field == "priority"
    assert store.scalar("SELECT reopen_count FROM tickets") == 2


def test_parquet(store, tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["P1", "P2"],
            "type": ["incident", "incident"],
            "status": ["open", "open"],
            "created_at": pd.to_datetime(["2026-03-01 10:00", "2026-03-02 11:00"]),
            "reopen_count": [0, -3],
        }
    )
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    result = ingest_file(store, path, "tickets")
    assert (result.received, result.accepted, result.rejected) == (2, 1, 1)
    assert quarantined(store, result.batch_id)["P2"].reason == "must not be negative"
    assert store.scalar("SELECT created_at FROM tickets") == pd.Timestamp("2026-03-01 10:00").to_pydatetime()


def test_quarantine_retry_after_the_reference_arrives(store, tmp_path):
    ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets")
    fb = ingest_file(store, write(tmp_path, "feedback.csv", FEEDBACK_CSV), "feedback")
    extra = "id,type,status,created_at\nT99,incident,open,2026-01-05T00:00:00Z\n"
    ingest_file(store, write(tmp_path, "more.csv", extra), "tickets")
    retried = quarantine_service.retry(store, fb.batch_id)
    assert (retried.received, retried.inserted, retried.rejected) == (2, 1, 1)
    statuses = dict(
        store.query_df(
            "SELECT record_key, status FROM quarantine WHERE batch_id = :b", {"b": fb.batch_id}
        ).itertuples(index=False)
    )
    assert statuses == {"F3": "resolved", "F2": "superseded"}
    again = store.query_df(
        "SELECT line, source_file, status FROM quarantine WHERE batch_id = :b", {"b": retried.batch_id}
    ).iloc[0]
    assert again["line"] == 3 and again["source_file"].endswith("feedback.csv") and again["status"] == "open"


def test_user_mapping_with_values_and_timezone(store, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "name: acme\nsource_system: acme\ntimezone: Europe/Berlin\n"
        "timestamp_formats: ['%d.%m.%Y %H:%M']\n"
        "kinds:\n  tickets:\n    id: Ticket\n    fields:\n      type: {value: incident}\n"
        "      status: {column: Zustand, values: {offen: open, erledigt: resolved}}\n"
        '      created_at: Erstellt\n      subject: {expr: "\\"Betreff\\" || \' (\' || \\"Ticket\\" || \')\'"}\n'
    )
    text = "Ticket,Zustand,Erstellt,Betreff\n7,offen,01.07.2026 12:00,Drucker\n8,kaputt,01.07.2026 12:00,X\n"
    result = ingest_file(store, write(tmp_path, "acme.csv", text), "tickets", mapping=mapping)
    assert (result.inserted, result.rejected) == (1, 1)
    row = store.query_df("SELECT id, status, created_at, subject FROM tickets").iloc[0]
    assert row["id"] == "acme:7" and row["status"] == "open" and row["subject"] == "Drucker (7)"
    assert row["created_at"] == pd.Timestamp("2026-07-01 10:00:00")  # CEST is UTC+2
    assert "kaputt" in quarantined(store, result.batch_id)["8"].value
