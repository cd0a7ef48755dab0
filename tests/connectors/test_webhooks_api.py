"""Webhook receivers and the sync-status route over a real app, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.config import reset_settings
from insightdesk.connectors.runs import register_source
from insightdesk.connectors.sources import load_sources
from insightdesk.connectors.webhooks import zendesk_signature
from insightdesk.governance import tokens, users
from insightdesk.ingest import ingest_file
from insightdesk.store import open_store

SOURCES = """
sources:
  zd-emea:
    vendor: zendesk
    base_url: https://emea.zendesk.example
    owner: admin
    department: generic:40
    auth: {type: basic, user: bot@example.com/token, secret_env: ZD_TOKEN}
    webhook_secret_env: ZD_WEBHOOK_SECRET
  sn-itsm:
    vendor: servicenow
    base_url: https://acme.service-now.example
    owner: admin
    department: it
    auth: {type: basic, user: insightdesk, secret_env: SN_PASSWORD}
    webhook_secret_env: SN_WEBHOOK_SECRET
"""


def _zendesk(client: TestClient, body: bytes, *, secret: str = "zd-signing-secret", age_s: int = 0) -> int:
    stamp = (datetime.now(UTC) - timedelta(seconds=age_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "X-Zendesk-Webhook-Signature": zendesk_signature(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }
    answer = client.post("/api/v1/webhooks/zendesk/zd-emea", content=body, headers=headers)
    return answer.status_code if answer.status_code != 202 else 202 + int(answer.json()["duplicate"])


def test_webhooks_verify_refuse_replays_and_status_is_scoped(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "connectors.yaml"
    config.write_text(SOURCES)
    monkeypatch.setenv("INSIGHTDESK_CONNECTORS_FILE", str(config))
    monkeypatch.setenv("ZD_WEBHOOK_SECRET", "zd-signing-secret")
    monkeypatch.setenv("SN_WEBHOOK_SECRET", "sn-shared-secret")
    reset_settings()
    teams_csv = tmp_path / "teams.csv"
    teams_csv.write_text("id,name,parent_team_id\n40,EMEA desk,\n41,EMEA L2,40\n")
    with open_store(store_url) as store:
        ingest_file(store, teams_csv, "teams", profile="generic")
        for source in load_sources().values():
            register_source(store, source)
        actor = users.Actor("cli:test")
        users.create_user(store.engine, "root", "a-long-password", "admin", actor=actor)
        users.create_user(
            store.engine, "lead", "a-long-password", "team_lead", actor=actor, team_ids=["generic:41"]
        )
        admin = tokens.create_token(store.engine, "root", actor=actor, days=1)["token"]
        lead = tokens.create_token(store.engine, "lead", actor=actor, days=1)["token"]
    with TestClient(create_app(store_url, ServerSettings(warm_up=False))) as client:
        event = (
            b'{"id": "01HX-event-1", "type": "zen:event-type:ticket.status_changed", "detail": {"id": "7"}}'
        )
        assert _zendesk(client, event) == 202
        assert _zendesk(client, event) == 203  # the same event id again: acknowledged, not recorded
        assert _zendesk(client, event, secret="guessed") == 401
        assert _zendesk(client, b'{"id": "01HX-event-2"}', age_s=600) == 401  # outside the replay window
        assert _zendesk(client, b"not json") == 400
        assert client.post("/api/v1/webhooks/zendesk/nope", content=event).status_code == 404
        assert client.post("/api/v1/webhooks/servicenow/zd-emea", content=event).status_code == 404
        sn_body = b'{"event_id": "abc-3", "table": "incident"}'
        wrong = client.post(
            "/api/v1/webhooks/servicenow/sn-itsm", content=sn_body, headers={"X-InsightDesk-Secret": "x"}
        )
        assert wrong.status_code == 401 and "sn-shared-secret" not in wrong.text
        right = client.post(
            "/api/v1/webhooks/servicenow/sn-itsm",
            content=sn_body,
            headers={"X-InsightDesk-Secret": "sn-shared-secret"},
        )
        assert right.status_code == 202 and right.json() == {
            "source": "sn-itsm",
            "event_id": "abc-3",
            "duplicate": False,
        }
        everything = client.get("/api/v1/sources", headers={"Authorization": f"Bearer {admin}"}).json()
        assert [s["source"] for s in everything["sources"]] == ["sn-itsm", "zd-emea"]
        assert everything["lagging"] == ["sn-itsm", "zd-emea"]  # never synced: flagged
        scoped = client.get("/api/v1/sources", headers={"Authorization": f"Bearer {lead}"}).json()
        assert [s["source"] for s in scoped["sources"]] == ["zd-emea"]  # team 41 sits under department 40
        page = client.get("/sources", headers={"Authorization": f"Bearer {lead}", "accept": "text/html"})
        assert page.status_code == 200 and "zd-emea" in page.text and "sn-itsm" not in page.text
        assert 'data-testid="sync-lag-alert"' in page.text  # never synced: the lag alert shows
    with open_store(store_url) as store:
        assert store.count("connector_webhook_events") == 2
