"""A rebounding theme reopens its verified pain point, and a weekly pack is held when its data is stale
(done-when, both engines); unowned backlog entries age into escalation."""

from __future__ import annotations

import datetime as dt
import json

from insightdesk.actions import build_pack, mark_sent, recurrence_watch, sign_off, unowned_queue
from insightdesk.insights.painpoints import backlog_entry, backlog_history
from insightdesk.store.tables.canonical import tickets
from insightdesk.store.tables.insights import painpoint_backlog
from insightdesk.store.tables.text import text_analyses
from tests.actions.desk import add_critical_painpoint, lineage

NOW = dt.datetime(2026, 11, 30, 12, 0)  # a Monday


def _tickets(store, n: int, themed: int, start: dt.datetime, days: int) -> None:
    """`n` tickets spread over `days` days from `start`; the first `themed` carry theme T0001."""
    rows, texts = [], []
    for i in range(n):
        at = start + dt.timedelta(hours=24 * days * i / n)
        rows.append(
            {**lineage("t", f"{start:%m%d}-{i}", at), "type": "incident", "status": "open", "created_at": at}
        )
        if i < themed:
            texts.append({"entity": "tickets", "record_id": f"test:t{start:%m%d}-{i}", "field": "description",
                          "text_sha256": "x", "theme_id": "T0001", "ticket_id": f"test:t{start:%m%d}-{i}",
                          "occurred_at": at, "model_name": "test", "model_version": "1", "analysed_at": at})  # fmt: skip
    with store.begin() as conn:
        conn.execute(tickets.insert(), rows)
        if texts:
            conn.execute(text_analyses.insert(), texts)


def test_rebounding_theme_reopens_its_verified_painpoint(store):
    add_critical_painpoint(store, at=NOW - dt.timedelta(days=60))
    verification = {"volume_share": {"after": 0.05, "n_after": 400}, "verdict": "improved"}
    with store.begin() as conn:
        conn.execute(painpoint_backlog.update().values(
            status="verified", shipped_at=NOW - dt.timedelta(days=45), verification=json.dumps(verification)))  # fmt: skip
    _tickets(store, 120, 30, NOW - dt.timedelta(days=14), 14)  # 25% of tickets now, 5% after the fix
    [watch] = recurrence_watch(store, now=NOW, actor="ana")
    assert watch.reopened and watch.share_now == 0.25 and watch.p_value < 0.001
    entry = backlog_entry(store, "theme:T0001") or {}
    assert entry["status"] == "under_review" and "recurrence watch" in entry["note"]
    assert "under_review" in set(backlog_history(store, "theme:T0001").new_value)
    assert recurrence_watch(store, now=NOW) == []  # no longer verified: nothing to watch


def test_steady_theme_stays_verified(store):
    add_critical_painpoint(store, at=NOW - dt.timedelta(days=60))
    with store.begin() as conn:
        conn.execute(painpoint_backlog.update().values(
            status="verified", verification=json.dumps({"volume_share": {"after": 0.05, "n_after": 400}})))  # fmt: skip
    _tickets(store, 120, 6, NOW - dt.timedelta(days=14), 14)  # 5%: as after the fix
    [watch] = recurrence_watch(store, now=NOW)
    assert not watch.reopened and (backlog_entry(store, "theme:T0001") or {})["status"] == "verified"
    queue = unowned_queue(store, now=NOW)
    assert queue == []  # verified entries are not in the unowned queue


def test_weekly_pack_is_held_when_its_data_is_stale(store):
    add_critical_painpoint(store, at=NOW - dt.timedelta(days=3))
    _tickets(store, 30, 3, NOW - dt.timedelta(days=14), 9)  # stops five days before the period ends
    held = build_pack(store, "team_lead", NOW, days=7)
    assert held["status"] == "held"
    assert (
        not held["quality"]["checks"]["fresh"]["ok"] and held["quality"]["checks"]["fresh"]["lag_hours"] > 48
    )
    assert held["quality"]["checks"]["complete"]["days_without_tickets"]
    # With the week's tickets loaded the same pack passes the gate and waits for its sign-off.
    _tickets(store, 40, 4, NOW - dt.timedelta(days=7), 7)
    ready = build_pack(store, "team_lead", NOW, days=7, require_signoff=True)
    assert ready["status"] == "awaiting_signoff"
    assert ready["content"]["painpoints"][0]["key"] == "theme:T0001"
    assert sign_off(store, ready["pack_id"], "max")["status"] == "ready"
    assert mark_sent(store, ready["pack_id"], "max")["status"] == "sent"
    # Unowned since Friday noon: 5 + 3 business hours by Monday noon, two levels at one per 4 hours.
    queue = unowned_queue(store, now=NOW, escalate_every_hours=4)
    assert queue == [
        {"painpoint_key": "theme:T0001", "status": "new", "age_business_hours": 8.0, "escalation_level": 2}
    ]
