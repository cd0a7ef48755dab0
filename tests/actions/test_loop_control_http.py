"""Review packs, configuration changes and acknowledgements over the API and the pages, on both engines
(the app over the test's own store; mail to a real SMTP server on loopback): roles reach their own
audience's packs, reads are audited, a held pack is never mailed, sign-off and staging need a second
person, a locked setting refuses a regional value, and an acknowledged notification stops escalating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from insightdesk.actions import escalate_due
from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.config import reset_settings
from insightdesk.governance.tokens import create_token
from insightdesk.governance.users import Actor, create_user
from insightdesk.store.tables.actions import action_notifications
from insightdesk.store.tables.canonical import tickets
from insightdesk.store.tables.governance import audit_log
from insightdesk.store.tables.people import teams
from tests.actions.desk import add_critical_painpoint, lineage
from tests.surveys.smtp import SmtpServer

END = dt.date(2026, 11, 30)
ACCOUNTS = (("ana", "analyst"), ("max", "admin"), ("lea", "team_lead"), ("vic", "viewer"))


@pytest.fixture
def client(store, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, SmtpServer]]:
    add_critical_painpoint(store, at=dt.datetime(2026, 11, 27))
    start = dt.datetime.combine(END, dt.time()) - dt.timedelta(days=7)
    rows = [{**lineage("t", str(i), start + dt.timedelta(hours=6 * i)), "type": "incident", "status": "open",
             "created_at": start + dt.timedelta(hours=6 * i)} for i in range(28)]  # fmt: skip
    with store.begin() as conn:
        conn.execute(tickets.insert(), rows)
        conn.execute(
            teams.insert().values(**lineage("team", "billing", start), name="billing", is_stub=False)
        )
    actor, tokens = Actor("cli:tests", "admin", "cli"), {}
    for name, role in ACCOUNTS:
        teams_of = ["test:teambilling"] if role == "team_lead" else None
        create_user(store.engine, name, "correct-horse-battery", role, actor=actor, team_ids=teams_of)
        tokens[name] = create_token(store.engine, name, actor=actor, name="t", days=1)["token"]
    with SmtpServer() as smtp:
        monkeypatch.setenv("INSIGHTDESK_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("INSIGHTDESK_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("INSIGHTDESK_SMTP_STARTTLS", "false")
        reset_settings()
        with TestClient(create_app(store, ServerSettings(warm_up=False))) as http:
            http.tokens = tokens  # type: ignore[attr-defined]
            yield http, smtp
    reset_settings()


def _as(http: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {http.tokens[name]}"}  # type: ignore[attr-defined]


def test_packs_over_the_api_and_pages(client, store):
    http, smtp = client
    held = http.post(
        "/api/v1/actions/packs", json={"role": "viewer", "period_end": "2026-12-31"}, headers=_as(http, "ana")
    )
    assert held.status_code == 201 and held.json()["status"] == "held"
    assert held.json()["held_reason"].startswith("stale: newest ticket")
    refused = http.post(f"/api/v1/actions/packs/{held.json()['pack_id']}/send", json={"recipients": ["v@desk.example"]},
                        headers=_as(http, "ana"))  # fmt: skip
    assert refused.status_code == 422 and "a held pack is never sent" in refused.json()["error"]["message"]
    page = http.get(f"/packs/{held.json()['pack_id']}", headers=_as(http, "vic"))
    assert page.status_code == 200 and "Held by the data-quality gate: stale" in page.text

    body = {"role": "team_lead", "period_end": END.isoformat(), "require_signoff": True}
    lead = http.post("/api/v1/actions/packs", json=body, headers=_as(http, "lea")).json()
    assert lead["status"] == "awaiting_signoff" and lead["built_by"] == "lea"
    assert lead["content"]["painpoints"][0]["label"] == "Double charges"
    own = http.post(f"/api/v1/actions/packs/{lead['pack_id']}/sign-off", headers=_as(http, "lea"))
    assert own.status_code == 422 and "a second person must sign it off" in own.json()["error"]["message"]
    # A team lead builds only their own audience's packs, and reads only those.
    assert (
        http.post(
            "/api/v1/actions/packs", json={**body, "role": "admin"}, headers=_as(http, "lea")
        ).status_code
        == 403
    )
    assert [
        p["role"] for p in http.get("/api/v1/actions/packs", headers=_as(http, "lea")).json()["items"]
    ] == ["team_lead"]
    assert (
        http.get(f"/api/v1/actions/packs/{held.json()['pack_id']}", headers=_as(http, "lea")).status_code
        == 404
    )
    assert len(http.get("/api/v1/actions/packs", headers=_as(http, "max")).json()["items"]) == 2

    signed = http.post(f"/packs/{lead['pack_id']}/sign-off", headers=_as(http, "max"))
    assert signed.status_code == 200 and "Signed off by max" in signed.text
    sent = http.post(f"/api/v1/actions/packs/{lead['pack_id']}/send",
                     json={"recipients": ["lead@desk.example", "ops@desk.example"]}, headers=_as(http, "ana")).json()  # fmt: skip
    assert sent["status"] == "sent" and {r["status"] for r in sent["recipients"]} == {"delivered"}
    again = http.post(
        f"/packs/{lead['pack_id']}/send", data={"recipients": "lead@desk.example"}, headers=_as(http, "max")
    )
    assert again.status_code == 200 and "already sent" in again.text
    assert len(smtp.mailbox.messages) == 2
    detail = http.get(f"/api/v1/actions/packs/{lead['pack_id']}", headers=_as(http, "lea")).json()
    assert detail["signed_off_by"] == "max" and detail["quality"]["checks"]["fresh"]["ok"]
    with store.engine.connect() as conn:
        reads = (
            conn.execute(
                sa.select(audit_log.c.actor)
                .where(audit_log.c.action == "packs.read")
                .order_by(audit_log.c.seq)
            )
            .scalars()
            .all()
        )
    assert reads == ["vic", "max", "max", "lea"]  # each page or API read; a refused one is none


def test_change_control_and_acknowledgement_over_the_api_and_pages(client, store):
    http, _ = client
    proposed = http.post("/api/v1/actions/changes", json={"setting": "kpi.targets", "value": {"csat": 0.9},
                                                          "region": "EMEA"}, headers=_as(http, "ana"))  # fmt: skip
    assert proposed.status_code == 201
    change = proposed.json()["change"]["change_id"]
    assert proposed.json()["diff"] == [{"key": "csat", "in_force": None, "proposed": 0.9}]
    locked = http.post("/api/v1/actions/changes", json={"setting": "display.currency", "value": "EUR", "region": "emea"},
                       headers=_as(http, "ana"))  # fmt: skip
    assert locked.status_code == 422 and "locked globally" in locked.json()["error"]["message"]
    page = http.post("/changes/propose", data={"setting": "display.currency", "value": '"EUR"', "region": "emea"},
                     headers=_as(http, "max"))  # fmt: skip
    assert "setting display.currency is locked globally" in page.text
    assert http.post(f"/api/v1/actions/changes/{change}/stage", headers=_as(http, "ana")).status_code == 403
    mine = http.post(
        "/api/v1/actions/changes", json={"setting": "dashboard.min_n", "value": 40}, headers=_as(http, "max")
    )
    refused = http.post(
        "/changes/stage", data={"change_id": mine.json()["change"]["change_id"]}, headers=_as(http, "max")
    )
    assert "max proposed it; a second person must stage it" in refused.text
    listing = http.get("/changes", headers=_as(http, "ana"))
    assert listing.status_code == 200 and f'data-testid="diff-{change}"' in listing.text
    assert (
        http.post(f"/api/v1/actions/changes/{change}/stage", headers=_as(http, "max")).json()["status"]
        == "staging"
    )
    assert http.post("/api/v1/actions/changes/apply", headers=_as(http, "max")).json() == {
        "applied": [change]
    }
    assert http.get(f"/api/v1/actions/changes/{change}", headers=_as(http, "ana")).json()["in_force"] == {
        "csat": 0.9
    }

    sent = dt.datetime(2026, 11, 30, 9, 0)
    with store.begin() as conn:
        conn.execute(action_notifications.insert().values(
            notification_id="ev-1:0:0", subject="ev-1", rule_id="critical-alerts", level=0,
            recipient="head@desk.example", channel="email", escalate_after_hours=2, sent_at=sent))  # fmt: skip
    waiting = http.get("/api/v1/actions/notifications", headers=_as(http, "lea")).json()["items"]
    assert [(n["notification_id"], n["state"]) for n in waiting] == [("ev-1:0:0", "waiting")]
    assert "Acknowledge" in http.get("/notifications", headers=_as(http, "lea")).text
    acked = http.post("/api/v1/actions/notifications/ev-1:0:0/acknowledge", headers=_as(http, "lea"))
    assert acked.json()["acknowledged_by"] == "lea"
    twice = http.post(
        "/notifications/acknowledge", data={"notification_id": "ev-1:0:0"}, headers=_as(http, "max")
    )
    assert "already acknowledged by lea" in twice.text
    assert escalate_due(store, now=sent + dt.timedelta(days=3)) == []  # acknowledged: escalates no further
    assert http.get("/api/v1/actions/notifications", headers=_as(http, "vic")).status_code == 403
