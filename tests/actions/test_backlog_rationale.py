"""Won't-fix and deprioritised pain points carry a required rationale: refused without one, stored on
the entry, kept in the trail, shown with the status (both engines)."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.insights.painpoints import (
    BacklogError,
    backlog_entry,
    backlog_history,
    list_painpoints,
    update_painpoint,
)
from tests.actions.desk import add_critical_painpoint

AT = dt.datetime(2026, 11, 2, 10, 0)
KEY = "theme:T0001"


def test_wont_fix_needs_a_rationale_which_is_stored_audited_and_shown(store):
    add_critical_painpoint(store, KEY, at=AT)
    with pytest.raises(
        BacklogError, match=r"theme:T0001: wont_fix needs a rationale: say why it will not be fixed"
    ):
        update_painpoint(store, KEY, status="wont_fix")
    with pytest.raises(BacklogError, match="needs a rationale"):
        update_painpoint(store, KEY, status="deprioritised", rationale="   ")
    with pytest.raises(BacklogError, match="a rationale goes with status wont_fix or deprioritised, not new"):
        update_painpoint(store, KEY, note="looked at it", rationale="because")
    assert (backlog_entry(store, KEY) or {})["status"] == "new"  # nothing was written by the refusals

    why = "Double charges come from the card network's retry; fixed upstream in Q1, not by us."
    result = update_painpoint(store, KEY, status="wont_fix", rationale=why)
    assert result.entry["status"] == "wont_fix" and result.entry["rationale"] == why
    assert [(e["field"], e["new_value"]) for e in result.events] == [
        ("status", "wont_fix"),
        ("rationale", why),
    ]
    shown = list_painpoints(store).iloc[0]
    assert shown["status"] == "wont_fix" and shown["rationale"] == why

    # The decision is reconsidered: the entry drops the rationale, the trail keeps it.
    update_painpoint(store, KEY, status="under_review", note="the network fix slipped")
    entry = backlog_entry(store, KEY) or {}
    assert entry["status"] == "under_review" and entry["rationale"] is None
    trail = backlog_history(store, KEY)
    assert list(trail[trail.field == "rationale"].new_value) == [why, None]

    # Deprioritised, then its reason updated while it holds; deprioritised cannot jump to fix_shipped.
    update_painpoint(store, KEY, status="deprioritised", rationale="Affects 0.3% of tickets this quarter")
    later = update_painpoint(store, KEY, rationale="Affects 0.3% of tickets; review after the Q1 release")
    assert [e["field"] for e in later.events] == ["rationale"] and later.entry["status"] == "deprioritised"
    with pytest.raises(BacklogError, match="cannot go from deprioritised to fix_shipped"):
        update_painpoint(store, KEY, status="fix_shipped")
