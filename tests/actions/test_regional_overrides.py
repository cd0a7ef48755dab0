"""Change control's regional overrides take effect: the overview filtered to a region shows that region's
active `kpi.targets` and `dashboard.min_n`; other regions and the unfiltered view keep the global values
(the app over the test's own store, both engines)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from insightdesk.actions import apply_due, propose_change, stage_change
from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.governance.settings import set_setting
from insightdesk.governance.tokens import create_token
from insightdesk.governance.users import Actor, create_user
from insightdesk.metrics.fixtures import insert

START = dt.datetime(2026, 11, 2, 9, 0)
ADMIN = Actor("cli:tests", "admin", "cli")


def _override(store, setting: str, value: object, region: str) -> None:
    change = propose_change(store, setting, value, "ana", region=region, effective_at=START)
    stage_change(store, change["change_id"], "max")
    apply_due(store, now=START)


def test_a_regional_override_changes_the_target_and_low_n_for_that_region_only(store):
    # Twenty resolved tickets per region over two weeks; one in four reopened.
    insert(store, "tickets", [
        {"source_id": f"{region}{i}", "type": "incident", "status": "resolved", "region": region,
         "created_at": START + dt.timedelta(hours=16 * i), "first_response_at": START + dt.timedelta(hours=16 * i, minutes=30),
         "resolved_at": START + dt.timedelta(hours=16 * i + 4), "reopen_count": int(i % 4 == 0)}
        for region in ("emea", "amer") for i in range(20)
    ])  # fmt: skip
    set_setting(store.engine, "kpi.targets", {"reopen_rate": 0.3}, actor=ADMIN)
    _override(store, "kpi.targets", {"reopen_rate": 0.1}, "EMEA")
    _override(store, "dashboard.min_n", 5, "emea")
    create_user(store.engine, "max", "correct-horse-battery", "admin", actor=ADMIN)
    token = create_token(store.engine, "max", actor=ADMIN, name="t", days=1)["token"]
    with TestClient(create_app(store, ServerSettings(warm_up=False))) as http:
        headers = {"Authorization": f"Bearer {token}"}

        def tile(**params: str) -> dict:
            found = http.get("/api/v1/overview", params=params, headers=headers)
            assert found.status_code == 200, found.text
            return next(t for t in found.json()["tiles"] if t["name"] == "reopen_rate")

        emea, amer, everywhere = tile(region="emea"), tile(region="amer"), tile()
        assert emea["value"] == amer["value"] == everywhere["value"] == 0.25
        assert emea["target"] == {"value": 0.1, "met": False}  # the region's own target
        assert amer["target"] == everywhere["target"] == {"value": 0.3, "met": True}  # the global one
        # Twenty tickets: under the global low-n threshold (30), above emea's override (5).
        assert (emea["n"], emea["low_n"], amer["low_n"]) == (20, False, True)
        assert '"low n" marks cells under 5' in http.get("/trends?kpi=csat&region=emea", headers=headers).text
        assert (
            '"low n" marks cells under 30' in http.get("/trends?kpi=csat&region=amer", headers=headers).text
        )
