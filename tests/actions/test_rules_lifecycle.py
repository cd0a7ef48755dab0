"""A rule can be dry-run, shadowed, approved, activated and rolled back (done-when, both engines)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from insightdesk.actions import (
    ActionsError,
    RuleSpecError,
    approve_activation,
    dry_run,
    inbox,
    parse_rule,
    request_activation,
    rollback_rule,
    rule_versions,
    run_rules,
    save_rule,
    shadow_rule,
)
from insightdesk.store.tables.actions import action_evaluations
from tests.actions.desk import T0, add_answers, add_desk, count

V1 = """
rule: low-score
event: feedback_received
when: {all: [{field: score, op: le, value: 3}]}
actions:
  - {type: task, kind: callback, title: "Call {customer_id}", owner: team_lead, due_business_hours: 4}
"""
V2 = V1.replace("value: 3", "value: 6")
BULK = {"bulk_contact_limit": 1}


def _now(seconds: float = 0) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=seconds)


def test_dry_run_shadow_approve_activate_and_roll_back(store):
    from insightdesk.actions import ActionsConfig

    add_desk(store, seen_at=T0)
    add_answers(store, [("1", "1", 2, "1"), ("2", "2", 5, "2"), ("3", "3", 9, "3")], seen_at=T0)
    cfg = ActionsConfig(**BULK)
    save_rule(store, V1, "ana")
    with pytest.raises(ActionsError, match="dry-run"):
        request_activation(store, "low-score", 1, "ana", cfg)  # not before a dry-run
    history = dry_run(store, "low-score", actor="ana")
    assert (history["events"], history["matched"], history["actions"]) == (3, 1, {"task": 1})
    assert history["examples"][0]["event_key"] == "feedback_received:test:f1"
    assert (
        request_activation(store, "low-score", 1, "ana", cfg)["status"] == "active"
    )  # 1 customer: no approval

    save_rule(store, V2, "ana")
    with pytest.raises(ActionsError, match="already says this"):
        save_rule(store, V2, "ana")
    wider = dry_run(store, "low-score", version=2, actor="ana")
    assert (wider["matched"], wider["customers"]) == (2, 2)
    shadow_rule(store, "low-score", 2, "ana")
    later = _now(1)
    add_answers(store, [("4", "2", 5, "2"), ("5", "1", 1, "1")], seen_at=later)
    run_rules(store, now=_now(2))
    with store.engine.connect() as conn:
        modes = dict(conn.execute(sa.select(action_evaluations.c.mode, sa.func.count()).where(
            action_evaluations.c.matched.is_(True)).group_by(action_evaluations.c.mode)).all())  # fmt: skip
    assert modes == {"live": 1, "shadow": 2}  # v1 acted on f5; v2 only recorded f4 and f5
    assert [t["feedback_id"] for t in inbox(store)] == ["test:f5"]

    # Two customers in its dry-run is over the bulk limit: a second person must approve v2.
    assert request_activation(store, "low-score", 2, "ana", cfg)["status"] == "awaiting_approval"
    with pytest.raises(ActionsError, match="second person"):
        approve_activation(store, "low-score", 2, "ana")
    approve_activation(store, "low-score", 2, "bea")
    assert [(v["version"], v["status"]) for v in rule_versions(store, "low-score")] == [
        (1, "retired"),
        (2, "active"),
    ]
    rolled = rollback_rule(store, "low-score", "max")
    assert rolled["version"] == 1 and rolled["status"] == "active"
    assert [v["status"] for v in rule_versions(store, "low-score")] == ["active", "retired"]
    with pytest.raises(ActionsError, match="no version was active before"):
        rollback_rule(store, "low-score", "max")
    assert count(store, action_evaluations) >= 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rule: x!\nevent: feedback_received\nactions: [{type: task, kind: callback, title: t}]",
            "field rule",
        ),
        ("rule: ok\nevent: nope\nactions: [{type: task, kind: callback, title: t}]", "unknown event"),
        (
            "rule: ok\nevent: feedback_received\nwhen: {all: [{field: colour, op: eq, value: 1}]}\n"
            "actions: [{type: task, kind: callback, title: t}]",
            "no attribute 'colour'",
        ),
        (
            "rule: ok\nevent: feedback_received\nactions: [{type: task, kind: callback, title: '{score:>99999}'}]",
            "format spec",
        ),
        (
            "rule: ok\nevent: feedback_received\nactions: [{type: notify, message: 'We guarantee a fix',"
            " levels: [{to: a@example.com}]}]",
            "forbidden phrase",
        ),
        ("rule: ok\nevent: feedback_received\nactions: []", "actions"),
        ("rule: [unclosed", "not valid YAML"),
    ],
)
def test_bad_rules_are_refused_with_the_field_named(text, message):
    with pytest.raises(RuleSpecError, match=message):
        parse_rule(text)
