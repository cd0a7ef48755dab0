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
        tiers = c.get("/api/v1/workforce/tiers").json()["rows"]
        assert tiers and all("extra_hours" in r for r in tiers)
        assert any(k.startswith("resolved_") for k in tiers[0])
        assert c.post("/api/v1/workforce/forecasts", json={}).status_code == 403
        page = c.get("/workforce")
        assert (
            page.status_code == 200
            and 'data-testid="forecast-chart"' in page.text
            and 'data-testid="staffing-chart"' in page.text
            and 'data-testid="tiers"' in page.text
        )


def test_pool_simulation(prepared: LiveServer) -> None:
    body = {
        "skills": [
            {"name": "password", "arrivals_per_hour": 40, "aht": 360},
            {"name": "network", "arrivals_per_hour": 40, "aht": 360},
        ],
        "groups": [
            {"name": "l1", "agents": 4, "skills": ["password"]},
            {"name": "l2", "agents": 4, "skills": ["network"]},
            {"name": "both", "agents": 2, "skills": ["password", "network"]},
        ],
        "hours": 40,
        "replications": 3,
    }
    with prepared.client("viewer") as c:
        answer = c.post("/api/v1/workforce/pools", json=body)
        assert answer.status_code == 200, answer.text
        rows = {(r["name"], r["metric"]): r for r in answer.json()["rows"]}
        assert 0 < rows[("password", "service_level")]["value"] < 1
        assert rows[("both", "occupancy")]["low"] <= rows[("both", "occupancy")]["value"]
        agents = {
            r["pool"]: r["agents"] for r in answer.json()["erlang_c"] if r["skill"] in ("all", "password")
        }
        assert agents["pooled"] < 2 * agents["dedicated"]
        body["groups"][0]["skills"] = ["vpn"]
        bad = c.post("/api/v1/workforce/pools", json=body)
        assert bad.status_code == 422 and "unknown skill vpn" in bad.json()["error"]["message"]
        big = c.post("/api/v1/workforce/pools", json=body | {"hours": 2000, "replications": 20})
        assert big.status_code == 422 and "over the limit" in big.json()["error"]["message"]


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
