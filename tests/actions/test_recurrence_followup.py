"""A rebounding theme reopens its verified pain point and invites the customers it affected to a
follow-up survey, through the surveys feature: consent and fatigue decide who is asked (both engines)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from insightdesk.actions import ActionsError, recurrence_watch
from insightdesk.governance import audit
from insightdesk.governance.privacy import record_consent
from insightdesk.insights.painpoints import backlog_entry
from insightdesk.store.tables.canonical import customer_contacts, customers, tickets
from insightdesk.store.tables.insights import painpoint_backlog
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.store.tables.text import text_analyses
from insightdesk.surveys import publish, save_definition
from tests.actions.desk import add_critical_painpoint, lineage

NOW = dt.datetime(2026, 11, 30, 12, 0)
FOLLOW_UP = """
survey: rebound-followup
name: Is it fixed for you?
languages: [en]
fallback_language: en
channel: email
trigger:
  events: []          # sent only when a feature asks: here, the recurrence watch
fatigue:
  max_invitations: 1
  per_days: 30
  suppress_while_open_ticket: false
invitation:
  subject: {en: "Is it fixed for you?"}
  intro: {en: "You told us about a problem we had fixed. Two questions."}
questions:
  - {id: csat, type: csat, required: true, text: {en: "How satisfied are you now?"}}
"""


def _rebounding_desk(store) -> None:
    """A verified fix (5% of tickets after it) and 120 tickets of the last 14 days, 30 on the theme (25%)
    from customers c1, c2 (survey consent) and c3 (none); every customer has an e-mail address."""
    add_critical_painpoint(store, at=NOW - dt.timedelta(days=60))
    verification = {"volume_share": {"after": 0.05, "n_after": 400}, "verdict": "improved"}
    with store.begin() as conn:
        conn.execute(
            painpoint_backlog.update().values(status="verified", verification=json.dumps(verification))
        )
        conn.execute(
            customers.insert(), [{**lineage("c", c, NOW), "is_stub": False, "timezone": "UTC"} for c in "123"]
        )
        conn.execute(customer_contacts.insert(), [
            {**lineage("cc", c, NOW), "customer_id": f"test:c{c}", "kind": "email", "value": f"c{c}@example.com",
             "is_primary": True} for c in "123"])  # fmt: skip
        for c in ("test:c1", "test:c2"):
            record_consent(conn, c, "survey", True, "import", "test", at=NOW - dt.timedelta(days=90))
        rows, texts = [], []
        for i in range(120):
            at = NOW - dt.timedelta(days=14) + dt.timedelta(hours=2.8 * i)
            themed = i < 30
            rows.append({**lineage("t", str(i), at), "type": "incident", "status": "resolved", "created_at": at,
                         "customer_id": f"test:c{i % 3 + 1}" if themed else None})  # fmt: skip
            if themed:
                texts.append({"entity": "tickets", "record_id": f"test:t{i}", "field": "description",
                              "text_sha256": "x", "theme_id": "T0001", "ticket_id": f"test:t{i}", "occurred_at": at,
                              "model_name": "test", "model_version": "1", "analysed_at": at})  # fmt: skip
        conn.execute(tickets.insert(), rows)
        conn.execute(text_analyses.insert(), texts)


def test_rebound_invites_the_affected_customers_who_consent(store):
    _rebounding_desk(store)
    with pytest.raises(ActionsError, match="follow-up survey 'rebound-followup' does not exist"):
        recurrence_watch(store, now=NOW, follow_up_survey="rebound-followup")
    saved = save_definition(store.engine, FOLLOW_UP)
    with pytest.raises(ActionsError, match="has no published version"):
        recurrence_watch(store, now=NOW, follow_up_survey="rebound-followup")
    assert (backlog_entry(store, "theme:T0001") or {})["status"] == "verified"  # refused before any change
    publish(store.engine, saved.survey_id, saved.version)

    [watch] = recurrence_watch(store, now=NOW, actor="ana", follow_up_survey="rebound-followup")
    assert watch.reopened and watch.follow_up is not None
    assert watch.follow_up["customers"] == 3 and watch.follow_up["scheduled"] == 2
    assert watch.follow_up["suppressed"] == {"no_consent": 1}
    with store.engine.connect() as conn:
        invited = {r.customer_id: (r.status, r.reason) for r in conn.execute(sa.select(survey_invitations))}
    assert invited == {"test:c1": ("scheduled", None), "test:c2": ("scheduled", None),
                       "test:c3": ("suppressed", "no_consent")}  # fmt: skip
    assert audit.query(store.engine, action="backlog.follow_up_survey")[1] == 1


def test_follow_up_honours_the_fatigue_cap(store):
    """A customer asked by another survey this month is not asked again (the survey's cap, 1 per 30 days)."""
    _rebounding_desk(store)
    saved = save_definition(store.engine, FOLLOW_UP)
    publish(store.engine, saved.survey_id, saved.version)
    with store.begin() as conn:
        conn.execute(survey_invitations.insert().values(
            invitation_id="inv-earlier", survey_id="other", version=1, trigger="resolved", customer_id="test:c1",
            channel="email", language="en", status="sent", event_at=NOW - dt.timedelta(days=3),
            created_at=NOW - dt.timedelta(days=3), sent_at=NOW - dt.timedelta(days=3), attempts=1))  # fmt: skip
    [watch] = recurrence_watch(store, now=NOW, follow_up_survey="rebound-followup")
    assert watch.follow_up is not None
    assert watch.follow_up["scheduled"] == 1 and watch.follow_up["suppressed"] == {
        "fatigue_cap": 1,
        "no_consent": 1,
    }
