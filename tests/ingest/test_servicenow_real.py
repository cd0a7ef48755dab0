"""The real ServiceNow incident event log (UCI #498, CC BY 4.0) ingests with reconciled counts."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from insightdesk.ingest import ingest_file

LOG = "itsm_incident_event_log/incident_event_log_opened_2016-02-29_to_2016-04-30.csv.gz"


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_servicenow_log_folds_into_tickets(store, shared_data):
    path = shared_data / LOG
    with gzip.open(path, "rt") as fh:
        raw = pd.read_csv(fh, usecols=["number", "incident_state", "sys_updated_at"])
    result = ingest_file(store, path, "tickets", profile="servicenow")
    assert result.received == len(raw) == result.accepted + result.rejected
    assert result.inserted == raw["number"].nunique() - _rejected_incidents(store, result.batch_id)
    assert store.count("tickets") == result.inserted
    # every incident has a creation event and one event per state, group or assignee change
    events = store.query_df("SELECT ticket_id, event_type, seq FROM ticket_events")
    assert (events.groupby("ticket_id")["seq"].min() == 0).all()
    assert events["ticket_id"].nunique() == result.inserted
    assert set(events["event_type"]) >= {"created", "resolved", "closed", "reassignment", "status_change"}
    inc = store.query_df("SELECT * FROM tickets WHERE id = 'servicenow:INC0000045'").iloc[0]
    assert inc["created_at"] == pd.Timestamp("2016-02-29 01:16")
    assert inc["resolved_at"] == pd.Timestamp("2016-02-29 11:29")
    assert inc["closed_at"] == pd.Timestamp("2016-03-05 12:00")
    assert (inc["status"], inc["priority"], inc["channel"]) == ("closed", "medium", "phone")
    assert not inc["sla_resolution_breached"]
    # a second run of the same log changes nothing
    again = ingest_file(store, path, "tickets", profile="servicenow")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, result.inserted)
    assert again.derived["ticket_events"].inserted == 0


def _rejected_incidents(store, batch_id: str) -> int:
    keys = store.query_df("SELECT DISTINCT record_key FROM quarantine WHERE batch_id = :b", {"b": batch_id})
    accepted = set(store.query_df("SELECT source_id FROM tickets")["source_id"])
    return len(set(keys["record_key"]) - accepted)
