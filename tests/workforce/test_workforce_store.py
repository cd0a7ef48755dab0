"""Forecast, staffing and tiers on a real store (both engines), and the CLI on DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.store import Store, open_store
from insightdesk.workforce import (
    Scenario,
    StaffingParams,
    escalation_summary,
    forecast_detail,
    run_forecast,
    run_staffing,
    staffing_detail,
    tier_paths,
)
from tests.support.stores import LoadedStores
from tests.support.wfm_desk import WFM_DESK, load_wfm_desk

MODELS = ("seasonal_naive", "auto_ets")


@pytest.fixture
def desk(engine: str, loaded_stores: LoadedStores, tmp_path: Path) -> Iterator[Store]:
    with loaded_stores.copy(WFM_DESK, engine, load_wfm_desk, tmp_path) as url, open_store(url) as store:
        yield store


def test_forecast_and_staffing_round_trip(desk: Store) -> None:
    forecast_id, result = run_forecast(desk, group_by="channel", horizon=7, windows=2, models=MODELS)
    assert set(result.chosen) == {"phone", "chat"}
    detail = forecast_detail(desk)
    assert detail["run"]["forecast_id"] == forecast_id
    kinds = detail["points"].groupby("kind").size().to_dict()
    assert kinds == {"history": 2 * 63, "backtest": 2 * 14, "forecast": 2 * 7}
    chosen = detail["backtests"][detail["backtests"]["chosen"]]
    assert sorted(chosen["series"]) == ["chat", "phone"] and (chosen["mase"] < 1).all()

    staffed = run_staffing(
        desk,
        params=StaffingParams(aht=600, model="erlang_a", patience=120),
        scenarios=[Scenario("deflect", deflection=0.15, deflection_series=("phone",))],
    )
    assert set(staffed.plan_ids) == {"base", "deflect"}
    stored = staffing_detail(desk, forecast_id)
    assert set(stored["plans"]["scenario"]) == {"base", "deflect"}
    intervals = stored["intervals"]
    assert len(intervals) == 2 * 2 * 7 and (intervals["agents"] >= 0).all()
    deflected = intervals[(intervals.scenario == "deflect") & (intervals.series == "chat")]
    assert (deflected["fte_delta"] == 0).all()


def test_nothing_is_stored_when_a_forecast_fails(desk: Store) -> None:
    with pytest.raises(ValueError, match="granularity"):
        run_forecast(desk, granularity="5min", models=MODELS)
    with pytest.raises(KeyError, match="no forecast yet"):
        run_staffing(desk, params=StaffingParams())
    assert desk.count("workforce_forecasts") == 0


def test_escalations_by_topic(desk: Store) -> None:
    summary = escalation_summary(tier_paths(desk, topic="category"), {"L1": 10, "L2": 30}).set_index("topic")
    assert summary.loc["network", "escalation_rate"] > 0.4
    assert summary.loc["password", "escalated"] == 0
    assert summary.loc["network", "hours_L2"] > 0 and summary.loc["network", "effort_hours"] > 0
    # Resolution level: password tickets all end in L1; escalated network tickets end in L2.
    assert summary.loc["password", "resolved_L1"] == 1.0
    network = summary.loc["network"]
    assert network["resolved_L2"] == pytest.approx(network["escalation_rate"])
    assert network["resolved_L1"] + network["resolved_L2"] == pytest.approx(1.0)  # no ticket reached L3
    # The desk's escalated tickets take gamma(2, 3) hours against gamma(2, 1): about 4 hours more.
    assert network["extra_hours_low"] < 4 < network["extra_hours_high"]
    assert network["extra_hours_low"] > 2
    assert network["extra_effort_hours"] == pytest.approx(30 / 60)  # one extra L2 touch of 30 minutes
    assert np.isnan(summary.loc["password", "extra_hours"])  # nothing escalated: no comparison


def test_cli(loaded_stores: LoadedStores, tmp_path: Path) -> None:
    runner = CliRunner()
    with loaded_stores.copy(WFM_DESK, "duckdb", load_wfm_desk, tmp_path) as url:
        events = tmp_path / "events.csv"
        events.write_text("date,name,kind\n2026-02-16,Holiday,closed\n")
        run = runner.invoke(
            app,
            [
                "forecast",
                "run",
                "--db",
                url,
                "--horizon",
                "7",
                "--windows",
                "1",
                "--model",
                "auto_ets",
                "--events",
                str(events),
                "-f",
                "json",
            ],
        )
        assert run.exit_code == 0, run.output
        assert '"model": "auto_ets"' in run.stdout
        plan = runner.invoke(
            app, ["staffing", "plan", "--db", url, "--aht", "600", "--scenario", "faster:aht=-0.1"]
        )
        assert plan.exit_code == 0, plan.output
        assert "faster" in plan.stdout
        tiers = runner.invoke(app, ["staffing", "tiers", "--db", url, "-f", "csv"])
        assert tiers.exit_code == 0 and "network" in tiers.stdout
        for bad, message in (
            (["forecast", "run", "--db", url, "--group-by", "nope"], "group_by 'nope' must be one of"),
            (["forecast", "show", "missing-id", "--db", url], "no forecast 'missing-id'"),
            (["staffing", "plan", "--db", url, "--shrinkage", "1.5"], "shrinkage 1.5"),
            (["staffing", "plan", "--db", url, "--scenario", "x:speed=2"], "is not one of deflection="),
        ):
            result = runner.invoke(app, bad)
            assert result.exit_code == 2, (bad, result.output)
            assert message in result.output and "Traceback" not in result.output
    calc = runner.invoke(
        app, ["staffing", "erlang", "--volume", "100", "--aht", "180", "--max-occupancy", "1"]
    )
    assert calc.exit_code == 0 and "14" in calc.stdout and "88.84%" in calc.stdout
