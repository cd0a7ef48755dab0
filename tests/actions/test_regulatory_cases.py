"""A rule opens a regulatory-complaint case with its regulator's clocks (due times on the business
calendar), shows breaches, stops clocks by hand and on closing, and hides the case from other roles."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.actions import (
    ActionsConfig,
    ActionsError,
    BusinessCalendar,
    NotFound,
    RuleSpecError,
    add_business_days,
    case_clocks,
    dry_run,
    inbox,
    parse_rule,
    regulatory_cases,
    request_activation,
    run_rules,
    save_rule,
    stop_clock,
    update_task,
)
from insightdesk.actions.regimes import BUILTIN_REGIMES, Clock, RegulatoryRegime
from insightdesk.governance import audit
from tests.actions.desk import T0, add_answers, add_desk

FCA_RULE = """
rule: fca-complaints
event: feedback_received
when: {all: [{field: satisfaction, op: eq, value: low}]}
actions:
  - {type: task, kind: regulatory_complaint, regime: uk-fca-disp, title: "Complaint on {ticket_id}", owner: max}
"""


def test_business_days_count_like_the_regulator():
    cal = BusinessCalendar(
        timezone="Europe/London", holidays=frozenset({dt.date(2026, 12, 25), dt.date(2026, 12, 28)})
    )
    monday = dt.datetime(2026, 11, 2, 10, 0)  # GMT: UTC = London
    assert add_business_days(monday, 3, cal) == dt.datetime(2026, 11, 5, 17, 0)  # Thursday's close
    saturday = dt.datetime(2026, 11, 7, 12, 0)
    assert add_business_days(saturday, 3, cal) == dt.datetime(2026, 11, 11, 17, 0)  # Wednesday's close
    # Received on Christmas Eve: the 25th (holiday), the weekend and the 28th (holiday) do not count.
    assert add_business_days(dt.datetime(2026, 12, 24, 9, 0), 1, cal) == dt.datetime(2026, 12, 29, 17, 0)
    final = BUILTIN_REGIMES["uk-fca-disp"].clocks[-1]
    assert final.name == "final_response" and final.due(monday, cal) == monday + dt.timedelta(weeks=8)
    with pytest.raises(ValueError, match="restricted_to"):
        RegulatoryRegime("internal", "Internal", (Clock("reply", 5, "business_days"),), restricted_to=())


def test_a_regulatory_complaint_names_a_known_regime():
    with pytest.raises(RuleSpecError, match=r"actions.0.regime: a regulatory_complaint names its regime"):
        parse_rule(FCA_RULE.replace("regime: uk-fca-disp, ", ""))
    with pytest.raises(
        RuleSpecError, match=r"unknown regime 'ombudsman'; regimes: uk-fca-disp, uk-fca-psd, us-cfpb"
    ):
        parse_rule(FCA_RULE.replace("uk-fca-disp", "ombudsman"))
    custom = RegulatoryRegime("ombudsman", "Ombudsman", (Clock("reply", 10, "calendar_days"),), ("admin",))
    assert (
        parse_rule(FCA_RULE.replace("uk-fca-disp", "ombudsman"), regimes=["ombudsman"]).actions[0].regime
        == "ombudsman"
    )
    assert ActionsConfig(regimes={"ombudsman": custom}).regimes["ombudsman"].clocks[0].amount == 10


def test_rule_opens_a_restricted_case_whose_clocks_breach_stop_and_close(store):
    add_desk(store, seen_at=T0)
    save_rule(store, FCA_RULE, "ana")
    dry = dry_run(store, "fca-complaints", actor="ana")
    assert dry["events"] == 0
    request_activation(store, "fca-complaints", 1, "ana")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    add_answers(store, [("1", "1", 2, "1"), ("2", "2", 9, "2")], seen_at=now + dt.timedelta(seconds=1))
    [run] = run_rules(store, now=now + dt.timedelta(minutes=1))
    assert run.summary()["actions"] == {"task": 1}

    # The complaint arrived Monday T0 10:00: acknowledgement by Tuesday's close, summary resolution
    # window to Thursday's close, final response eight weeks on; the task is due at the first deadline.
    [case] = regulatory_cases(store, role="admin", now=T0 + dt.timedelta(hours=1))
    clocks = {c["clock"]: c for c in case["clocks"]}
    assert clocks["acknowledgement"]["due_at"] == dt.datetime(2026, 11, 3, 17, 0)
    assert clocks["summary_resolution"]["due_at"] == dt.datetime(2026, 11, 5, 17, 0)
    assert clocks["final_response"]["due_at"] == T0 + dt.timedelta(days=56)
    assert case["regime"] == "uk-fca-disp" and case["due_at"] == dt.datetime(2026, 11, 3, 17, 0)
    assert {c["status"] for c in case["clocks"]} == {"running"} and not case["breached"]

    # Restricted: the regime's roles (admin) alone see it, in the case list, the inbox and by id.
    assert case["restricted_to"] == ["admin"]
    assert regulatory_cases(store, role="analyst") == [] and inbox(store, owner="max", role="analyst") == []
    with pytest.raises(NotFound):
        case_clocks(store, case["task_id"], role="team_lead")

    # Wednesday: the acknowledgement is late (a breach), the summary window still open.
    wednesday = dt.datetime(2026, 11, 4, 12, 0)
    [late] = regulatory_cases(store, breached_only=True, now=wednesday)
    status = {c["clock"]: c["status"] for c in late["clocks"]}
    assert status == {
        "acknowledgement": "breached",
        "summary_resolution": "running",
        "final_response": "running",
    }
    stopped = stop_clock(store, case["task_id"], "acknowledgement", actor="max", role="admin", at=wednesday)
    assert stopped["status"] == "met_late" and stopped["stopped_by"] == "max"
    assert audit.query(store.engine, action="cases.stop_clock")[1] == 1
    with pytest.raises(ActionsError, match="already stopped"):
        stop_clock(store, case["task_id"], "acknowledgement", actor="max")
    with pytest.raises(ActionsError, match="has no clock 'reply'; its clocks: acknowledgement"):
        stop_clock(store, case["task_id"], "reply", actor="max")

    # Closing with the final response stops the remaining clocks; the late acknowledgement stays a breach.
    update_task(store, case["task_id"], actor="max", status="done", outcome="Final response sent",
                root_cause="Fee charged twice by the billing batch")  # fmt: skip
    closed = {c["clock"]: c["status"] for c in case_clocks(store, case["task_id"])}
    assert closed["final_response"] == "met" and closed["acknowledgement"] == "met_late"
    assert closed["summary_resolution"] == "lapsed"  # closed after the third business day
    assert regulatory_cases(store) == []  # closed cases are left out unless asked for
    assert regulatory_cases(store, include_closed=True, breached_only=True)[0]["task_id"] == case["task_id"]
