"""Agents per interval, the chat and email approximations, FTE, and scenarios side by side."""

from __future__ import annotations

import pandas as pd
import pytest

from insightdesk.workforce import Scenario, StaffingParams, agents_for_interval, erlang_c_metrics
from insightdesk.workforce.scenarios import compare_scenarios
from insightdesk.workforce.staffing import staff_intervals, weekly_fte


def test_agents_are_the_fewest_meeting_the_target() -> None:
    params = StaffingParams(aht=180, service_level=0.8, target=20, max_occupancy=1.0)
    m = agents_for_interval(100, 1800, params)
    assert m is not None and m.agents == 14 and m.service_level >= 0.8
    assert erlang_c_metrics(10.0, 13, 180, 20).service_level < 0.8


def test_the_occupancy_cap_can_bind() -> None:
    loose = agents_for_interval(1000, 1800, StaffingParams(aht=180, max_occupancy=1.0))
    capped = agents_for_interval(1000, 1800, StaffingParams(aht=180, max_occupancy=0.85))
    assert loose is not None and capped is not None
    assert loose.occupancy > 0.85 and capped.occupancy <= 0.85 and capped.agents > loose.agents


def test_erlang_a_needs_fewer_agents_than_erlang_c_when_callers_abandon() -> None:
    c = agents_for_interval(300, 1800, StaffingParams(aht=300, model="erlang_c"))
    a = agents_for_interval(300, 1800, StaffingParams(aht=300, model="erlang_a", patience=60))
    assert a is not None and c is not None and a.agents <= c.agents and a.p_abandon > 0


def test_chat_email_and_fte() -> None:
    demand = pd.DataFrame(
        {
            "series": ["x", "x"],
            "ds": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:30"]),
            "volume": [60.0, 0.0],
        }
    )
    live = staff_intervals(demand, StaffingParams(aht=600), 1800)
    chat = staff_intervals(demand, StaffingParams(aht=600, channel_mode="chat", concurrency=3), 1800)
    email = staff_intervals(demand, StaffingParams(aht=600, channel_mode="email", max_occupancy=0.8), 1800)
    assert chat["agents"][0] == -(-live["agents"][0] // 3)
    assert email["agents"][0] == 25  # 60 x 600 s / 1800 s = 20 agents of work at 80% occupancy
    assert list(live["agents"])[1] == 0
    assert live["fte"][0] == pytest.approx(live["agents"][0] / 0.7)
    week = weekly_fte(live, StaffingParams(aht=600), 1800)
    assert week["agent_hours"][0] == pytest.approx(live["agents"].sum() * 0.5)


def test_scenarios_side_by_side() -> None:
    stamps = pd.date_range("2026-01-05 08:00", periods=8, freq="30min")
    demand = pd.concat(
        [
            pd.DataFrame({"series": s, "ds": stamps, "volume": v})
            for s, v in (("password", 80.0), ("billing", 40.0))
        ],
        ignore_index=True,
    )
    base = StaffingParams(aht=300)
    scenarios = [
        Scenario("deflect", deflection=0.15, deflection_series=("password",)),
        Scenario("faster", aht_change=-0.10),
        Scenario("sla", service_level=0.9, target=30),
    ]
    per_interval, per_week = compare_scenarios(demand, base, scenarios, 1800)
    deltas = per_week.groupby("scenario")["fte_delta"].sum()
    assert deltas["base"] == 0 and deltas["deflect"] < 0 and deltas["faster"] < 0 and deltas["sla"] > 0
    deflected = per_interval[(per_interval.scenario == "deflect") & (per_interval.series == "billing")]
    assert (deflected["agents_delta"] == 0).all()  # deflection only touches password resets
    assert scenarios[0].describe() == "15% of password deflected"


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"shrinkage 1\.2"):
        StaffingParams(shrinkage=1.2)
    with pytest.raises(ValueError, match="deflection"):
        Scenario("x", deflection=1.5)
