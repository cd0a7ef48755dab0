"""What the workforce and QA web tests need on the shared live server (`server`, the bundled sample):
a forecast, a staffing plan with a scenario and a rubric, made through the API once per session, as
`insightdesk forecast run`, `staffing plan` and `qa rubric save` would."""

from __future__ import annotations

from typing import Any

from tests.support.web_server import LiveServer

RUBRIC: dict[str, Any] = {
    "id": "support",
    "name": "Support conversation",
    "sections": [
        {"name": "Care", "criteria": [{"id": "tone", "label": "Empathetic tone", "points": 4, "weight": 2}]},
        {
            "name": "Accuracy",
            "criteria": [{"id": "fix", "label": "Right fix", "points": 2, "weight": 3, "auto_fail": True}],
        },
    ],
}


def prepare(server: LiveServer) -> None:
    with server.client("admin") as c:
        # Other tests on this server may have run a forecast of their own (the role walk's example
        # uses seasonal naive only): make ours unless the latest is already one of ours.
        latest = c.get("/api/v1/workforce/forecasts/latest")
        ours = latest.status_code == 200 and "auto_ets" in {b["model"] for b in latest.json()["backtests"]}
        if not ours:
            made = c.post(
                "/api/v1/workforce/forecasts",
                json={"horizon": 7, "windows": 2, "max_series": 2, "models": ["auto_ets"]},
            )
            assert made.status_code == 200, made.text
            staffed = c.post(
                "/api/v1/workforce/staffing",
                json={"aht": 600, "scenarios": [{"name": "faster", "aht_change": -0.1}]},
            )
            assert staffed.status_code == 200, staffed.text
        saved = c.post("/api/v1/qa/rubrics", json=RUBRIC)
        assert saved.status_code == 200, saved.text
