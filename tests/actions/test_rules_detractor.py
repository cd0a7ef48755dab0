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
