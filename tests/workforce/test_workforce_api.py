"""The workforce API and page on a live server: reading needs aggregates, running needs insights.manage."""

from __future__ import annotations

import pytest

from tests.support.web_server import LiveServer
from tests.support.wfm_server import prepare


@pytest.fixture(scope="module")
def prepared(server: LiveServer) -> LiveServer:
    prepare(server)
    return server


def test_forecast_and_staffing_reads(prepared: LiveServer) -> None:
    with prepared.client("viewer") as c:
        latest = c.get("/api/v1/workforce/forecasts/latest")
        assert latest.status_code == 200, latest.text
        body = latest.json()
        kinds = {p["kind"] for p in body["points"]}
        assert kinds == {"history", "backtest", "forecast"}
        assert any(b["chosen"] for b in body["backtests"]) and {b["model"] for b in body["backtests"]} >= {
            "seasonal_naive",
            "auto_ets",
        }
        staffing = c.get("/api/v1/workforce/staffing").json()
        assert {p["scenario"] for p in staffing["plans"]} == {"base", "faster"}
        assert sum(w["fte_delta"] for w in staffing["weekly"] if w["scenario"] == "faster") <= 0
        calc = c.get(
            "/api/v1/workforce/erlang",
            params={"volume": 100, "aht": 180, "interval": 1800, "max_occupancy": 1},
        ).json()
        assert calc["agents"] == 14 and abs(calc["service_level"] - 0.88835) < 1e-4
        assert c.get("/api/v1/workforce/tiers").json()["rows"]
        assert c.post("/api/v1/workforce/forecasts", json={}).status_code == 403
        page = c.get("/workforce")
        assert (
            page.status_code == 200
            and 'data-testid="forecast-chart"' in page.text
            and 'data-testid="staffing-chart"' in page.text
        )


def test_runs_and_refusals(prepared: LiveServer) -> None:
    with prepared.client("analyst") as c:
        bad = c.post("/api/v1/workforce/forecasts", json={"granularity": "5min"})
        assert bad.status_code == 422
        missing = c.get("/api/v1/workforce/forecasts/forecast-nope")
        assert missing.status_code == 404 and "no forecast" in missing.json()["error"]["message"]
        wrong = c.post("/api/v1/workforce/staffing", json={"scenarios": [{"name": "x", "deflection": 2}]})
        assert wrong.status_code == 422
        plan = c.post(
            "/api/v1/workforce/staffing",
            json={
                "model": "erlang_a",
                "patience": 90,
                "scenarios": [{"name": "sla", "service_level": 0.9, "target": 30}],
            },
        )
        assert plan.status_code == 200, plan.text
        assert {p["scenario"] for p in plan.json()["plans"]} == {"base", "sla"}
