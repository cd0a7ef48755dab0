"""Mappings of the bundled profiles: a user's copy changes the export time zone, a fixed mapping re-runs
the rejects, a retry finds a ticket loaded since, and every profile and mapping key is documented."""

from __future__ import annotations

import json
import re
from dataclasses import fields as dataclass_fields
from pathlib import Path

import pandas as pd
import yaml

from insightdesk.ingest import available_profiles, ingest_file, load_profile
from insightdesk.ingest import quarantine as quarantine_service
from insightdesk.ingest.mapping import FieldSpec, FoldSpec, KindMapping, parse_mapping
from tests.support.vendor_profiles import FIXTURES, PROFILES_DIR, ROOT, frame, ingest, rejects


def _user_mapping(tmp_path: Path, name: str, edit) -> Path:
    data = yaml.safe_load((PROFILES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{name}-fixed.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_user_mapping_sets_the_export_time_zone(store, tmp_path):
    def berlin(data):
        data["name"] = "jira-berlin"
        data["timezone"] = "Europe/Berlin"

    mapping = _user_mapping(tmp_path, "jira", berlin)
    result = ingest_file(store, FIXTURES / "jira" / "issues.csv", "tickets", mapping=mapping)
    assert result.inserted == 5
    t = frame(store, "SELECT id, created_at, resolved_at FROM tickets")
    # 9:15 AM in Berlin in March (CET, UTC+1) is 08:15 UTC
    assert t.loc["jira:ITSD-101", "created_at"] == pd.Timestamp("2026-03-02 08:15:00")
    assert t.loc["jira:ITSD-104", "resolved_at"] == pd.Timestamp("2026-02-27 14:30:00")


def test_fixed_mapping_reruns_rejected_rows(store, tmp_path):
    ingest(store, "jira", "customers", "customers.jsonl")
    first = ingest(store, "jira", "tickets", "issues.csv")
    assert rejects(store, first.batch_id)["ITSD-105"].value == "Triage"

    def map_triage(data):
        data["kinds"]["tickets"]["fields"]["status"]["values"]["triage"] = "new"

    fixed = _user_mapping(tmp_path, "jira", map_triage)
    retry = quarantine_service.retry(store, first.batch_id, mapping=fixed)
    assert (retry.received, retry.accepted, retry.rejected, retry.inserted) == (1, 1, 0, 1)
    assert store.scalar("SELECT status FROM tickets WHERE id = 'jira:ITSD-105'") == "new"
    assert rejects(store, first.batch_id)["ITSD-105"].status == "resolved"
    created = store.scalar("SELECT created_at FROM tickets WHERE id = 'jira:ITSD-105'")
    assert pd.Timestamp(created) == pd.Timestamp("2026-03-06 13:15:00")


def test_loading_the_missing_ticket_then_retrying(store, tmp_path):
    ingest(store, "zendesk", "tickets", "tickets.jsonl")
    first = ingest(store, "zendesk", "feedback", "satisfaction_ratings.jsonl")
    ticket = json.loads((FIXTURES / "zendesk" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()[0])
    ticket["id"] = 99999
    missing = tmp_path / "tickets-99999.jsonl"
    missing.write_text(json.dumps(ticket) + "\n", encoding="utf-8")
    assert ingest_file(store, missing, "tickets", profile="zendesk").inserted == 1

    retry = quarantine_service.retry(store, first.batch_id)  # the batch's own profile
    assert (retry.received, retry.accepted, retry.rejected) == (2, 1, 1)
    assert store.scalar("SELECT ticket_id FROM feedback WHERE id = 'zendesk:120005'") == "zendesk:99999"
    old = rejects(store, first.batch_id)
    assert (old["120005"].status, old["120006"].status) == ("resolved", "superseded")
    again = rejects(store, retry.batch_id)
    assert set(again) == {"120006"} and again["120006"].line == 6 and again["120006"].status == "open"


def test_zendesk_tickets_without_metric_sets(store, tmp_path):
    """A plain ticket export (no include=metric_sets) loads; the metric fields stay empty, with a warning."""
    lines = (FIXTURES / "zendesk" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    plain = []
    for line in lines:
        record = json.loads(line)
        record.pop("metric_set")
        plain.append(json.dumps(record))
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(plain) + "\n", encoding="utf-8")
    result = ingest_file(store, path, "tickets", profile="zendesk")
    assert (result.received, result.inserted, result.rejected) == (6, 5, 1)
    assert any("metric_set" in w for w in result.warnings)
    t = frame(store, "SELECT id, channel, status, resolved_at, first_response_at, reopen_count FROM tickets")
    assert t.loc["zendesk:35436", ["channel", "status"]].tolist() == ["web", "resolved"]
    assert t[["resolved_at", "first_response_at", "reopen_count"]].isna().all().all()


def test_every_bundled_profile_parses():
    names = available_profiles()
    assert {"generic", "servicenow", "zendesk", "freshdesk", "jira"} <= set(names)
    for name in names:
        mapping = load_profile(name)
        assert mapping.name == name and mapping.source_system and mapping.kinds, name
        text = (PROFILES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        assert text.startswith("#"), f"{name}.yaml must open with a comment naming its source fields"


def test_docs_describe_every_mapping_key_and_profile():
    docs = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    keys = {f.name for f in dataclass_fields(FieldSpec)} - {"name", "formats"}
    keys |= {"format", "formats"}
    keys |= {f.name for f in dataclass_fields(KindMapping)} - {"kind"}
    keys |= {f.name for f in dataclass_fields(FoldSpec)}
    keys |= {"name", "source_system", "description", "timezone", "timestamp_formats", "null_values", "csv"}
    keys |= {"kinds", "documentation", "delimiter", "encoding"}
    missing = sorted(k for k in keys if f"`{k}`" not in docs)
    assert not missing, f"docs/mappings.md does not describe: {missing}"
    for name in available_profiles():
        assert f"`{name}`" in docs, f"docs/mappings.md does not describe profile {name}"
    for policy in ("reject", "stub", "ignore"):
        assert f"`{policy}`" in docs
    assert "insightdesk quarantine retry --batch" in docs
    # the complete example at the top is a valid mapping
    example = re.search(r"```yaml\n(.*?)```", docs, re.S)
    assert example and parse_mapping(yaml.safe_load(example.group(1)), origin="docs").kinds
