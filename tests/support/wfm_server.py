"""A live server for the workforce and QA web tests: the bundled sample with a forecast, a staffing
plan with a scenario and a rubric already stored (what `insightdesk forecast run`, `staffing plan` and
`qa rubric save` would leave)."""

from __future__ import annotations

from pathlib import Path

from tests.support.web_server import LiveServer, live_server

RUBRIC = {
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


def _prepare(db: Path) -> None:
    from insightdesk.quality import save_rubric
    from insightdesk.store import open_store
    from insightdesk.workforce import Scenario, StaffingParams, run_forecast, run_staffing

    with open_store(db) as store:
        run_forecast(store, group_by="channel", horizon=7, windows=2, max_series=2, models=("auto_ets",))
        run_staffing(store, params=StaffingParams(aht=600), scenarios=[Scenario("faster", aht_change=-0.1)])
        save_rubric(store, RUBRIC, created_by="tests")


def wfm_server() -> LiveServer:
    return live_server("wfmqa", prepare=_prepare)
