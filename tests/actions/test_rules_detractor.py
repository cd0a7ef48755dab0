"""A detractor's answer creates a follow-up task for the right owner (done-when, both engines)."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.actions import (
    ActionsError,
    dry_run,
    get_task,
    inbox,
    request_activation,
    run_rules,
    save_rule,
    update_task,
)
from insightdesk.governance import audit
from insightdesk.store.tables.actions import action_evaluations, action_tasks
from tests.actions.desk import T0, add_answers, add_desk, count

CALLBACK = """
rule: detractor-callback
event: feedback_received
when:
  all:
    - {field: nps_category, op: eq, value: detractor}
actions:
  - {type: task, kind: callback, title: "Call back about ticket {ticket_id} (score {score})",
     owner: team_lead, due_business_hours: 8}
"""


def test_detractor_answer_creates_a_task_for_the_team_lead(store):
    add_desk(store, seen_at=T0)
    save_rule(store, CALLBACK, "ana")
    summary = dry_run(store, "detractor-callback", actor="ana")
    assert summary["events"] == 0  # nothing answered yet: the dry-run says so rather than guessing
    request_activation(store, "detractor-callback", 1, "ana")
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)
    # f1: detractor of the billing team (lead bea); f2: promoter; f3: detractor of a customer without
    # contact consent; f4: detractor of the logistics team (lead lou).
    add_answers(
        store,
        [("1", "1", 3, "1"), ("2", "1", 10, "1"), ("3", "3", 2, "3"), ("4", "2", 6, "2")],
        seen_at=after,
    )
    runs = run_rules(store, now=after + dt.timedelta(minutes=1), actor="ana")
    assert runs[0].summary()["matched"] == 3
    assert runs[0].summary()["skipped"] == {"no contact consent": 1}
    bea, lou = inbox(store, owner="bea"), inbox(store, owner="lou")
    assert [t["feedback_id"] for t in bea] == ["test:f1"] and [t["feedback_id"] for t in lou] == ["test:f4"]
    task = bea[0]
    assert task["kind"] == "callback" and task["title"] == "Call back about ticket test:t1 (score 3.0)"
    assert task["context"]["customer"]["tier"] == "gold" and task["team_id"] == "test:teambilling"
    # Due in 8 business hours: the answer arrived on a weekday; due is never on a weekend.
    assert task["due_at"] > task["created_at"] and task["due_at"].weekday() < 5

    # A second run evaluates nothing again: one task per answer whatever the re-runs.
    run_rules(store, now=after + dt.timedelta(minutes=2))
    assert count(store, action_tasks) == 2 and count(store, action_evaluations) == 4
    assert audit.query(store.engine, action="rules.evaluate")[1] >= 1

    with pytest.raises(ActionsError, match="outcome"):
        update_task(store, task["task_id"], actor="bea", status="done")
    update_task(
        store, task["task_id"], actor="bea", status="done", outcome="Called, refunded the fee", recovered=True
    )
    assert get_task(store, task["task_id"])["status"] == "done"


ROUTING = """
rule: billing-theme
event: feedback_received
when:
  all:
    - {field: theme_id, op: eq, value: T0001}
actions:
  - {type: task, kind: knowledge_gap, title: "Article for {theme_id}", owner: ana}
  - {type: task, kind: restricted_escalation, title: "Legal review of {feedback_id}", owner: max,
     restricted_to: [admin]}
"""


def test_theme_feedback_flags_a_knowledge_gap_and_escalates_to_named_roles_only(store):
    import sqlalchemy as sa

    from insightdesk.store.tables.text import text_analyses, themes

    add_desk(store, seen_at=T0)
    save_rule(store, ROUTING, "ana")
    dry_run(store, "billing-theme", actor="ana")
    request_activation(store, "billing-theme", 1, "ana")
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)
    add_answers(store, [("9", "1", 1, "1")], seen_at=after)
    with store.begin() as conn:
        conn.execute(sa.insert(themes).values(
            theme_id="T0001", label="double charge", auto_label="double charge", label_source="auto",
            keywords='["charged", "twice", "refund"]', quotes='["I was charged twice for one order"]',
            status="active", created_at=T0, updated_at=T0))  # fmt: skip
        conn.execute(sa.insert(text_analyses).values(
            entity="feedback", record_id="test:f9", field="comment", text_sha256="x", theme_id="T0001",
            ticket_id="test:t1", occurred_at=T0, model_name="test", model_version="1", analysed_at=T0))  # fmt: skip
    run_rules(store, now=after + dt.timedelta(seconds=1))
    [gap] = inbox(store, owner="ana")
    outline = gap["context"]["outline"]
    assert outline["title"] == "How to: double charge"
    assert outline["sections"][0]["points"] == ['"I was charged twice for one order"']
    assert outline["evidence"]["tickets"] == 1 and outline["evidence"]["example_tickets"] == ["test:t1"]
    assert [t["kind"] for t in inbox(store, owner="max", role="admin")] == ["restricted_escalation"]
    assert inbox(store, owner="max", role="analyst") == []  # a restricted task is invisible to other roles
