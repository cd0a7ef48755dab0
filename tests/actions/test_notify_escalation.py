"""Notify and escalate: an alert reaches a Slack-compatible webhook; unacknowledged after its business
hours it goes by e-mail (a real SMTP server on loopback) to the next level; an acknowledged one stays."""

from __future__ import annotations

import datetime as dt
import email
import json
import socket

from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer

from insightdesk.actions import (
    acknowledge,
    deliver_due,
    dry_run,
    escalate_due,
    list_messages,
    load_destinations,
    request_activation,
    run_rules,
    save_rule,
)
from insightdesk.actions.config import DeliveryPolicy
from insightdesk.store.tables.actions import action_notifications
from insightdesk.store.tables.insights import alerts
from tests.actions.desk import count

RULE = """
rule: critical-alerts
event: alert_raised
when: {all: [{field: severity, op: eq, value: critical}]}
actions:
  - type: notify
    message: "Alert {alert_id}: {series} {direction} ({observed} vs {expected})"
    levels:
      - {to: "webhook:ops", after_business_hours: 2}
      - {to: head-of-support@example.com}
"""
MONDAY = dt.datetime(2026, 11, 30, 9, 30)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


def _alert(store, alert_id: str, at: dt.datetime) -> None:
    with store.begin() as conn:
        conn.execute(alerts.insert().values(
            alert_id=alert_id, kind="anomaly", rule="seasonal", series="kpi:csat", segment="all", period=at,
            direction="drop", observed=0.61, expected=0.8, severity="critical", status="open", created_at=at,
            updated_at=at))  # fmt: skip


def test_alert_notifies_a_webhook_then_escalates_by_email(
    store, tmp_path, monkeypatch, httpserver: HTTPServer
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    monkeypatch.setenv("INSIGHTDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("INSIGHTDESK_SMTP_PORT", str(port))
    monkeypatch.setenv("INSIGHTDESK_SMTP_STARTTLS", "false")
    try:
        httpserver.expect_request("/hooks/ops", method="POST").respond_with_data("ok")
        (tmp_path / "d.yaml").write_text(
            f"ops:\n  kind: webhook\n  url: {httpserver.url_for('/hooks/ops')}\n"
        )
        destinations = load_destinations(tmp_path / "d.yaml")
        save_rule(store, RULE, "ana")
        dry_run(store, "critical-alerts", actor="ana")
        request_activation(store, "critical-alerts", 1, "ana")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        _alert(store, "al-1", now + dt.timedelta(seconds=1))
        _alert(store, "al-2", now + dt.timedelta(seconds=1))
        run_rules(store, now=now + dt.timedelta(seconds=2))
        policy = DeliveryPolicy(lease_seconds=4, timeout_seconds=2)
        assert (
            deliver_due(
                store, destinations, policy=policy, now=lambda: now + dt.timedelta(seconds=3)
            ).delivered
            == 2
        )
        request, _ = httpserver.log[0]
        body = json.loads(request.data)
        assert body["text"].startswith("Alert al-") and body["blocks"][0]["type"] == "section"
        assert request.headers["Idempotency-Key"].startswith("notify:")

        with store.engine.connect() as conn:
            ids = sorted(conn.execute(action_notifications.select()).scalars())
            conn.execute(action_notifications.update().values(sent_at=MONDAY))
            conn.commit()
        acknowledge(store, ids[0], "bea")
        assert escalate_due(store, now=MONDAY + dt.timedelta(hours=1)) == []  # within its two hours
        escalated = escalate_due(store, now=MONDAY + dt.timedelta(hours=3))
        assert len(escalated) == 1 and escalated[0].endswith(":1")  # only the unacknowledged one
        assert escalate_due(store, now=MONDAY + dt.timedelta(hours=30)) == []  # the last level stops
        assert (
            deliver_due(
                store, destinations, policy=policy, now=lambda: MONDAY + dt.timedelta(hours=31)
            ).delivered
            == 1
        )
        [mail] = mailbox.messages
        assert mail["To"] == "head-of-support@example.com" and "Escalated (unacknowledged)" in mail["Subject"]
        assert mail["Message-ID"].endswith("@insightdesk.local>")
        assert count(store, action_notifications) == 3
        assert {m["status"] for m in list_messages(store)} == {"delivered"}
    finally:
        smtp.stop()
