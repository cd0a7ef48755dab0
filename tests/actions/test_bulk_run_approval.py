"""A live run that would contact more customers than the bulk-run limit is held until a second person
(not the rule's activator) releases it; a rejected run is never acted on (both engines)."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.actions import (
    ActionsConfig,
    ActionsError,
    approve_run,
    dry_run,
    get_version,
    inbox,
    list_holds,
    reject_run,
    request_activation,
    run_rules,
    save_rule,
)
from insightdesk.governance import audit
from insightdesk.store.tables.actions import action_evaluations, action_tasks
from tests.actions.desk import T0, add_answers, add_desk, count

CALLBACK = """
rule: detractor-callback
event: feedback_received
when: {all: [{field: nps_category, op: eq, value: detractor}]}
actions:
  - {type: task, kind: callback, title: "Call back about ticket {ticket_id}", owner: team_lead}
"""
LIMIT_ONE = ActionsConfig(bulk_run_limit=1)


def test_bulk_run_is_held_until_someone_else_releases_it(store):
    add_desk(store, seen_at=T0)
    save_rule(store, CALLBACK, "ana")
    dry_run(store, "detractor-callback", actor="ana")
    assert get_version(store, "detractor-callback")["status"] == "draft"
    request_activation(store, "detractor-callback", 1, "ana")  # its dry-run contacted nobody: no approval
    assert get_version(store, "detractor-callback")["activated_by"] == "ana"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)
    # Detractors of c1 and c2 (contact consent) and c3 (none): two customers to call, over a limit of one.
    add_answers(store, [("1", "1", 3, "1"), ("2", "2", 2, "2"), ("3", "3", 1, "3")], seen_at=now)

    [run] = run_rules(store, now=now + dt.timedelta(minutes=1), config=LIMIT_ONE, actor="ana")
    assert run.held and run.evaluated == 0 and run.summary()["held"] == run.held
    assert count(store, action_tasks) == 0 and count(store, action_evaluations) == 0
    [hold] = list_holds(store)
    assert (hold["hold_id"], hold["contacts"], hold["activated_by"]) == (run.held, 2, "ana")
    # While it waits, later runs act on nothing and hold nothing more.
    [again] = run_rules(store, now=now + dt.timedelta(minutes=2), config=LIMIT_ONE)
    assert again.held == run.held and len(list_holds(store)) == 1 and count(store, action_tasks) == 0

    with pytest.raises(
        ActionsError, match=r"ana put this rule in force; a second person must approve .* \(2 customers\)"
    ):
        approve_run(store, run.held, "ana", config=LIMIT_ONE)
    released = approve_run(store, run.held, "bea", config=LIMIT_ONE)
    assert released.evaluated == 3 and released.summary()["skipped"] == {"no contact consent": 1}
    assert sorted(t["customer_id"] for t in inbox(store)) == ["test:c1", "test:c2"]
    assert list_holds(store, status="released")[0]["decided_by"] == "bea"
    with pytest.raises(ActionsError, match="already released by bea"):
        approve_run(store, run.held, "max", config=LIMIT_ONE)
    assert audit.query(store.engine, action="rules.release_run")[1] == 1

    # A next run evaluates nothing twice; a new bulk of answers is held again, and rejected this time.
    later = now + dt.timedelta(minutes=5)
    add_answers(store, [("4", "1", 0, "1"), ("5", "2", 4, "2")], seen_at=later)
    [second] = run_rules(store, now=later + dt.timedelta(minutes=1), config=LIMIT_ONE)
    assert second.held and second.held != run.held
    with pytest.raises(ActionsError, match="say why"):
        reject_run(store, second.held, "max", reason=" ")
    rejected = reject_run(store, second.held, "max", reason="Same customers called this morning")
    assert rejected["status"] == "rejected" and rejected["events"] == 2
    [after] = run_rules(store, now=later + dt.timedelta(minutes=2), config=LIMIT_ONE)
    assert after.evaluated == 0 and not after.held and count(store, action_tasks) == 2
