"""Change control of configuration: a draft is diffed, staged by a second person, in force on its date;
regional overrides only where a setting allows them (both engines)."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.actions import (
    ActionsError,
    apply_due,
    diff_change,
    in_force,
    propose_change,
    stage_change,
    withdraw_change,
)
from insightdesk.governance import audit

JAN = dt.datetime(2027, 1, 1)


def test_staged_change_takes_effect_on_its_date_with_a_diff(store):
    change = propose_change(store, "kpi.targets", {"csat": 0.85, "fcr": 0.7}, "ana", effective_at=JAN)
    assert diff_change(store, change["change_id"])["changes"] == [
        {"key": "csat", "from": None, "to": 0.85}, {"key": "fcr", "from": None, "to": 0.7}]  # fmt: skip
    with pytest.raises(ActionsError, match="second person"):
        stage_change(store, change["change_id"], "ana")
    stage_change(store, change["change_id"], "max")
    assert apply_due(store, now=JAN - dt.timedelta(days=1)) == []  # not yet
    assert in_force(store, "kpi.targets") == {}
    assert apply_due(store, now=JAN) == [change["change_id"]]
    assert in_force(store, "kpi.targets") == {"csat": 0.85, "fcr": 0.7}
    assert audit.query(store.engine, action="settings.change")[1] == 1

    emea = propose_change(
        store, "kpi.targets", {"csat": 0.9, "fcr": 0.7}, "ana", region="EMEA", effective_at=JAN
    )
    assert diff_change(store, emea["change_id"])["changes"] == [{"key": "csat", "from": 0.85, "to": 0.9}]
    stage_change(store, emea["change_id"], "max")
    apply_due(store, now=JAN + dt.timedelta(days=1))
    assert in_force(store, "kpi.targets", "emea")["csat"] == 0.9
    assert in_force(store, "kpi.targets", "apac")["csat"] == 0.85  # no override: the global value


def test_locked_settings_and_bad_values_are_refused(store):
    with pytest.raises(ActionsError, match="locked globally"):
        propose_change(store, "display.currency", "EUR", "ana", region="emea")
    with pytest.raises(ActionsError, match="unknown KPI"):
        propose_change(store, "kpi.targets", {"nope": 1}, "ana")
    with pytest.raises(ActionsError, match="unknown setting"):
        propose_change(store, "no.such", 1, "ana")
    draft = propose_change(store, "dashboard.min_n", 50, "ana")
    assert withdraw_change(store, draft["change_id"], "ana")["status"] == "withdrawn"
    with pytest.raises(ActionsError, match="only a draft"):
        stage_change(store, draft["change_id"], "max")
