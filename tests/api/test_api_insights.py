"""Insight results over real HTTP: pain points and their backlog, drivers, risk in scope, alerts, impact."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.web_server import LiveServer


def test_pain_points_rank_with_explanations_for_every_role(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        body = c.get("/api/v1/insights/painpoints", params={"limit": 5}).json()
    assert body["computed"] and len(body["items"]) == 5
    ranks = [p["rank"] for p in body["items"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    scores = [p["score"] for p in body["items"]]
    assert scores == sorted(scores, reverse=True)
    top = body["items"][0]
    assert top["explanation"] and all(e["text"] and e["factor"] for e in top["explanation"])
    # The documented model (docs/insights.md): product of (floor + (1 - floor) F) ^ weight over factors.
    from insightdesk.insights.painpoints.config import PainpointConfig

    cfg = PainpointConfig()
    expected = 1.0
    for factor in ("severity", "frequency", "business_impact"):
        lifted = cfg.factor_floor + (1 - cfg.factor_floor) * top[factor]
        expected *= lifted ** cfg.factor_weights[factor]
    assert top["score"] == pytest.approx(expected, rel=1e-3)
    with insights_server.client("viewer") as c:
        detail = c.get(f"/api/v1/insights/painpoints/{top['painpoint_key']}").json()
        missing = c.get("/api/v1/insights/painpoints/category:no such thing")
    assert detail["metrics"]["kpis"]["csat"]["n"] > 0 and "ci_low" in detail["metrics"]["kpis"]["csat"]
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_backlog_changes_are_kept_with_their_author_and_audited(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        key = c.get("/api/v1/insights/painpoints", params={"limit": 1}).json()["items"][0]["painpoint_key"]
        refused = c.patch(f"/api/v1/insights/backlog/{key}", json={"status": "under_review"})
    assert refused.status_code == 403
    with insights_server.client("analyst") as c:
        bad = c.patch(f"/api/v1/insights/backlog/{key}", json={"status": "fixed-ish"})
        assert bad.status_code == 422 and "status" in bad.json()["error"]["message"]
        ok = c.patch(f"/api/v1/insights/backlog/{key}", json={"status": "under_review", "owner": "analyst"})
        assert ok.status_code == 200, ok.text
        detail = c.get(f"/api/v1/insights/painpoints/{key}").json()
    assert detail["backlog"]["status"] == "under_review" and detail["backlog"]["owner"] == "analyst"
    changes = {(h["field"], h["new_value"], h["actor"]) for h in detail["history"]}
    assert {("status", "under_review", "analyst"), ("owner", "analyst", "analyst")} <= changes
    with insights_server.client("admin") as c:
        audit = c.get("/api/v1/audit", params={"action": "painpoint.update"}).json()["items"]
    assert audit and json.loads(audit[0]["record_ids"]) == [key] and audit[0]["actor"] == "analyst"


def test_drivers_carry_intervals(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        body = c.get("/api/v1/insights/drivers").json()
    drivers = body["outcomes"]["low_csat"]["drivers"]
    assert drivers and all(d["ci_low"] <= d["effect"] <= d["ci_high"] for d in drivers)
    assert any(d["significant"] for d in drivers)


def test_risk_reports_auc_and_shows_tickets_only_in_scope(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        viewer = c.get("/api/v1/insights/risk").json()
    assert 0.5 < viewer["model"]["auc"] <= 1 and viewer["model"]["auc_ci_low"] < viewer["model"]["auc"]
    assert viewer["tickets"] is None  # aggregates only
    with insights_server.client("analyst") as c:
        everyone = c.get("/api/v1/insights/risk", params={"limit": 500}).json()["tickets"]
    with insights_server.client("team_lead") as c:
        lead = c.get("/api/v1/insights/risk", params={"limit": 500}).json()["tickets"]
    assert everyone and everyone[0]["score"] >= everyone[-1]["score"] and everyone[0]["top_factors"]
    lead_ids = {t["ticket_id"] for t in lead}
    assert (
        lead
        and lead_ids != {t["ticket_id"] for t in everyone}
        and insights_server.other_ticket not in lead_ids
    )
    with insights_server.client("team_lead") as c:
        for t in lead[:5]:
            assert c.get(f"/api/v1/tickets/{t['ticket_id']}").status_code == 200  # within the lead's scope


def test_alerts_have_evidence_and_a_status_workflow(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        items = c.get("/api/v1/insights/alerts", params={"status": "all"}).json()["items"]
        assert items
        alert = items[0]
        assert (
            c.patch(f"/api/v1/insights/alerts/{alert['alert_id']}", json={"status": "closed"}).status_code
            == 403
        )
    evidence = alert["evidence"]
    assert evidence["method"] and "expected_range" in evidence and alert["observed"] is not None
    with insights_server.client("team_lead") as c:
        r = c.patch(f"/api/v1/insights/alerts/{alert['alert_id']}", json={"status": "acknowledged"})
        assert r.status_code == 200 and r.json()["status"] == "acknowledged"
        assert c.patch("/api/v1/insights/alerts/nope", json={"status": "closed"}).status_code == 404
        acknowledged = c.get("/api/v1/insights/alerts", params={"status": "acknowledged"}).json()["items"]
    assert alert["alert_id"] in {a["alert_id"] for a in acknowledged}


def test_impact_analyses_are_listed(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        items = c.get("/api/v1/insights/impact").json()["items"]
        assert items and items[0]["name"] == "chat macro" and items[0]["method"] == "did"
        one = c.get(f"/api/v1/insights/impact/{items[0]['analysis_id']}").json()
    assert one["ci_low"] <= one["effect"] <= one["ci_high"] and one["n_treated"] > 0


def test_insight_pages_render(insights_server: LiveServer) -> None:
    with insights_server.client("analyst") as c:
        key = c.get("/api/v1/insights/painpoints", params={"limit": 1}).json()["items"][0]["painpoint_key"]
        timings = {}
        for path in ("/painpoints", f"/painpoints/detail?key={key}", "/insights", "/alerts"):
            c.get(path)  # first request warms the caches
            started = time.perf_counter()
            r = c.get(path)
            timings[path] = time.perf_counter() - started
            assert r.status_code == 200, (path, r.text[:300])
        assert 'data-testid="painpoints"' in c.get("/painpoints").text
        assert 'data-testid="risk-tickets"' in c.get("/insights").text
    with insights_server.client("viewer") as c:
        page = c.get("/insights").text
    assert 'data-testid="risk-model"' in page and 'data-testid="risk-tickets"' not in page
    assert max(timings.values()) < 2.0, timings  # generous: CI shares two cores with the suite


def test_a_change_injected_into_the_bundled_sample_is_recovered(sample_db: Path, tmp_path: Path) -> None:
    """The sample's web tickets answer 6 hours slower from 2020-04-06 on; email tickets do not change."""
    import shutil

    import sqlalchemy as sa

    from insightdesk.insights.impact.service import estimate_impact
    from insightdesk.store import open_store

    db = tmp_path / "sample.duckdb"
    shutil.copyfile(sample_db, db)
    with open_store(db) as store:
        with store.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE tickets SET first_response_at = first_response_at + INTERVAL '6 hours' "
                    "WHERE channel = 'web' AND created_at >= TIMESTAMP '2020-04-06' "
                    "AND first_response_at IS NOT NULL"
                )
            )
        result = estimate_impact(
            store,
            "first_response_hours",
            "2020-04-06",
            {"channel": "web"},
            {"channel": "chat"},
            window_days=28,
        )
    assert result.method == "did" and result.ci_low < 6 < result.ci_high, result.as_dict()
    assert result.n_treated > 100 and result.n_control > 100
