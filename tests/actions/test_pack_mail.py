"""Review packs by e-mail through a real SMTP server on loopback (aiosmtpd), on both engines: a held
pack is never sent, the sign-off needs a second person, each recipient gets one HTML + text message
whatever the repeats, and a transient refusal is retried by the outbox worker with the same message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from insightdesk.actions import (
    ActionsError,
    build_pack,
    deliver_due,
    list_messages,
    list_packs,
    send_pack,
    sign_off,
)
from insightdesk.config import reset_settings
from insightdesk.store.tables.actions import action_tasks
from insightdesk.store.tables.canonical import tickets
from tests.actions.desk import add_critical_painpoint, lineage
from tests.surveys.smtp import SmtpServer, body_of

NOW = dt.datetime(2026, 11, 30, 12, 0)  # a Monday


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    monkeypatch.setenv("INSIGHTDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("INSIGHTDESK_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("INSIGHTDESK_SMTP_STARTTLS", "false")
    monkeypatch.setenv("INSIGHTDESK_SMTP_FROM", "InsightDesk <reports@desk.example>")
    reset_settings()
    smtp.mailbox.clear()
    yield smtp
    reset_settings()


def _week(store, start: dt.datetime, days: int, prefix: str) -> None:
    """Four tickets a day for `days` days from `start`."""
    rows = [
        {**lineage("t", f"{prefix}-{i}", start + dt.timedelta(hours=6 * i)), "type": "incident",
         "status": "open", "created_at": start + dt.timedelta(hours=6 * i)}
        for i in range(4 * days)
    ]  # fmt: skip
    with store.begin() as conn:
        conn.execute(tickets.insert(), rows)


def test_held_pack_is_never_mailed_and_a_signed_off_one_reaches_each_recipient_once(store, mail):
    add_critical_painpoint(store, at=NOW - dt.timedelta(days=3))
    _week(store, NOW - dt.timedelta(days=14), 8, "old")  # stops six days before the period's end
    held = build_pack(store, "team_lead", NOW, days=7, actor="ana")
    assert held["status"] == "held"
    with pytest.raises(
        ActionsError,
        match=r"is held \(stale: newest ticket 6 d 6 h before the period.s end \(limit 2 d\); incomplete: no tickets on",
    ):
        send_pack(store, held["pack_id"], ["lead@desk.example"], "ana")
    assert mail.mailbox.messages == [] and list_messages(store) == []
    [row] = list_packs(store, roles=["team_lead"])
    assert row["status"] == "held" and row["held_reason"].startswith("stale:")
    assert list_packs(store, roles=["viewer"]) == []

    _week(store, NOW - dt.timedelta(days=7), 7, "new")
    with store.begin() as conn:  # two open call-backs, 3 and 5 days old at the period's end; one later
        conn.execute(action_tasks.insert(), [
            {"task_id": f"task-{d}", "kind": "callback", "title": "Call back", "status": "open",
             "due_at": NOW, "created_at": NOW - dt.timedelta(days=d), "updated_at": NOW} for d in (3, 5, -1)])  # fmt: skip
    pack = build_pack(store, "team_lead", NOW, days=7, require_signoff=True, actor="ana")
    assert pack["status"] == "awaiting_signoff"
    with pytest.raises(ActionsError, match="awaits sign-off by a second person"):
        send_pack(store, pack["pack_id"], ["lead@desk.example"], "ana")
    with pytest.raises(ActionsError, match="ana built it; a second person must sign it off"):
        sign_off(store, pack["pack_id"], "ana")
    assert sign_off(store, pack["pack_id"], "max")["status"] == "ready"
    with pytest.raises(ActionsError, match="'lead@' is not an e-mail address"):
        send_pack(store, pack["pack_id"], ["lead@"], "max")

    first = send_pack(store, pack["pack_id"], ["Lead@desk.example", "ops@desk.example"], "max")
    assert first["status"] == "sent"
    assert [(r["to"], r["status"]) for r in first["recipients"]] == [
        ("lead@desk.example", "delivered"),
        ("ops@desk.example", "delivered"),
    ]
    [message] = mail.mailbox.to("lead@desk.example")
    assert message["Subject"] == "[InsightDesk] Review pack for team_lead, 2026-11-23 to 2026-11-30"
    text, html = body_of(message, "plain"), body_of(message, "html")
    assert "1. Double charges (new)" in text and "Signed off by max." in text
    assert "Open actions: 2 open, the oldest 5 days old" in text
    assert "callback: 2 open, median 4 days, oldest 5 days" in text
    assert "<td>Double charges</td>" in html and "Wilson" in html

    again = send_pack(store, pack["pack_id"], ["lead@desk.example", "head@desk.example"], "max")
    assert [(r["to"], r["status"]) for r in again["recipients"]] == [
        ("head@desk.example", "delivered"),
        ("lead@desk.example", "already_sent"),
    ]
    assert len(mail.mailbox.messages) == 3 and len(mail.mailbox.to("lead@desk.example")) == 1
    assert {m["idempotency_key"] for m in list_messages(store)} == {
        f"pack:{pack['pack_id']}:{a}" for a in ("lead@desk.example", "ops@desk.example", "head@desk.example")
    }
    with pytest.raises(ActionsError, match="was sent; it is not rebuilt"):
        build_pack(store, "team_lead", NOW, days=7)


def test_a_transient_refusal_is_retried_by_the_outbox_worker(store, mail):
    _week(store, NOW - dt.timedelta(days=7), 7, "w")
    pack = build_pack(store, "analyst", NOW, days=7)
    mail.mailbox.refuse["busy@desk.example"] = "451 try again later"
    result = send_pack(store, pack["pack_id"], ["busy@desk.example"], "max")
    [outcome] = result["recipients"]
    assert outcome["status"] == "retrying" and "451" in outcome["error"]
    assert mail.mailbox.messages == []
    mail.mailbox.refuse.clear()
    # The worker delivers the same message (subject and HTML kept) once its backoff has passed.
    report = deliver_due(
        store, {}, now=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
    )
    assert report.delivered == 1
    [message] = mail.mailbox.to("busy@desk.example")
    assert message["Subject"].startswith("[InsightDesk] Review pack for analyst")
    assert "<h1>Review pack for analyst</h1>" in body_of(message, "html")
    repeat = send_pack(store, pack["pack_id"], ["busy@desk.example"], "max")
    assert repeat["recipients"][0]["status"] == "already_sent" and len(mail.mailbox.messages) == 1
