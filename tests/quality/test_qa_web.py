"""QA on a live server: the API's scopes and audit, and the whole flow in a browser (rubric, scoring a
ticket beside its transcript, a calibration round, a coaching plan with a session)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import expect, launched_chromium, login
from tests.support.web_server import LiveServer
from tests.support.wfm_server import prepare


@pytest.fixture(scope="module")
def prepared(server: LiveServer) -> LiveServer:
    prepare(server)
    return server


def _score(c: Any, ticket: str, tone: int, fix: int, **extra: Any) -> Any:
    return c.post(
        "/api/v1/qa/evaluations",
        json={"rubric_id": "support", "ticket_id": ticket, "answers": {"tone": tone, "fix": fix}, **extra},
    )


def test_api_scopes_and_audit(prepared: LiveServer) -> None:
    ticket, other, agent = prepared.scope["ticket_id"], prepared.other_ticket, prepared.scope["agent_id"]
    with prepared.client("analyst") as c:
        assert _score(c, ticket, 3, 2).status_code == 200
        assert _score(c, other, 1, 0).json()["auto_failed"] is True
        bad = _score(c, ticket, 9, 2)
        assert bad.status_code == 422 and "'tone'" in bad.json()["error"]["message"]
        sample = c.post("/api/v1/qa/samples", json={"size": 20, "method": "risk", "seed": 3})
        assert sample.status_code == 200 and all(t["weight"] >= 1 for t in sample.json()["tickets"])
    with prepared.client("agent") as c:
        own = c.get("/api/v1/qa/evaluations").json()["evaluations"]
        assert own and {e["agent_id"] for e in own} == {agent}
        answer = c.get("/api/v1/qa/scorecards")
        assert answer.status_code == 200, answer.text
        cards = answer.json()["rows"]
        assert {r["agent_id"] for r in cards} == {agent}
        assert c.post("/api/v1/qa/rubrics", json={}).status_code in (403, 422)
    with prepared.client("viewer") as c:
        assert c.get("/api/v1/qa/scorecards").status_code == 403
    with prepared.client("team_lead") as c:
        assert _score(c, other, 2, 2).status_code == 404  # outside the lead's team: not found
    with prepared.client("admin") as c:
        log = c.get("/api/v1/audit", params={"action": "qa.*", "actor": "agent"})
        assert log.status_code == 200 and {e["action"] for e in log.json()["items"]} >= {
            "qa.evaluations.read",
            "qa.scorecards.read",
        }


def test_segments_gaps_and_plan_status_api(prepared: LiveServer) -> None:
    ticket, agent = prepared.scope["ticket_id"], prepared.scope["agent_id"]
    with prepared.client("analyst") as c:
        assert _score(c, ticket, 3, 2).status_code == 200
        seg = c.get("/api/v1/qa/segment-scores", params={"by": "channel"})
        assert seg.status_code == 200 and seg.json()["by"] == "channel", seg.text
        rows = seg.json()["segments"]
        assert rows and all(r["n"] >= 1 and 0 <= r["weighted"] <= 100 for r in rows)
        assert c.get("/api/v1/qa/segment-scores", params={"by": "agent"}).status_code == 422
        gaps = c.get("/api/v1/qa/skill-gaps", params={"topic": "theme"})
        assert gaps.status_code == 200 and gaps.json()["topic"] == "theme", gaps.text
        assert {g["topic_kind"] for g in gaps.json()["gaps"]} <= {"theme"}
        plan = c.post(
            "/api/v1/qa/coaching", json={"agent_id": agent, "goal": "Close the loop", "target": 100}
        )
        assert plan.status_code == 200, plan.text
        url = f"/api/v1/qa/coaching/{plan.json()['plan_id']}/status"
        refused = c.post(url, json={"status": "achieved"})
        assert (
            refused.status_code == 422 and "cannot be marked achieved" in refused.json()["error"]["message"]
        )
        assert c.post(url, json={"status": "finished"}).status_code == 422
        moved = c.post(url, json={"status": "cancelled", "note": "moved to another team"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["plan"]["status"] == "cancelled"
        assert moved.json()["status_history"][-1] | {"at": None} == moved.json()["status_history"][-1] | {
            "at": None,
            "from": "open",
            "to": "cancelled",
            "note": "moved to another team",
            "by": "analyst",
        }
    with prepared.client("agent") as c:
        assert c.post(url, json={"status": "open"}).status_code == 403


@pytest.fixture(scope="module")
def page(prepared: LiveServer) -> Iterator[Any]:
    with launched_chromium() as browser:  # skips the browser test without Chromium (not the API's)
        context = browser.new_context(base_url=prepared.base_url)
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        login(tab, "admin")
        yield tab
        assert not errors, errors


def test_the_qa_flow_in_a_browser(page: Any, prepared: LiveServer) -> None:
    ticket, other = prepared.scope["ticket_id"], prepared.other_ticket
    page.goto("/qa")
    page.click("[data-testid=rubric-form] >> xpath=..//summary")
    page.fill(
        "textarea[name=definition]",
        "id: flow\nname: Flow check\nsections:\n  - name: Care\n    criteria:\n      - {id: tone, label: Tone, points: 4}\n      - {id: id_check, label: Identity check, auto_fail: true, allow_na: true}\n",
    )
    page.click("[data-testid=rubric-form] button[type=submit]")
    expect(page.locator("[data-testid=qa-message]")).to_contain_text("rubric flow saved as version 1")

    page.fill("[data-testid=evaluate-form] input[name=ticket_id]", ticket)
    page.select_option("[data-testid=evaluate-form] select[name=rubric_id]", "flow")
    page.click("[data-testid=evaluate-form] button[type=submit]")
    expect(page.locator("[data-testid=transcript]")).to_be_visible()
    page.select_option("[data-testid=criterion-tone]", "3")
    page.select_option("[data-testid=criterion-id_check]", "na")
    page.click("[data-testid=score-form] button[type=submit]")
    expect(page.locator("[data-testid=qa-message]")).to_contain_text("saved: 75.0")

    page.fill("[data-testid=round-form] input[name=name]", "December round")
    page.select_option("[data-testid=round-form] select[name=rubric_id]", "flow")
    page.fill("[data-testid=round-form] input[name=ticket_ids]", f"{ticket}, {other}")
    page.click("[data-testid=round-form] button[type=submit]")
    page.wait_for_url("**/qa/calibrations/*")
    round_url = page.url
    calibration_id = round_url.rsplit("/", 1)[1]
    for reviewer, tone in (("analyst", 2), ("team_lead", 3)):
        with prepared.client(reviewer) as c:
            for t in (ticket, other):
                c.post(
                    "/api/v1/qa/evaluations",
                    json={
                        "rubric_id": "flow",
                        "ticket_id": t,
                        "answers": {"tone": tone, "id_check": 1},
                        "calibration_id": calibration_id,
                    },
                )
    page.click("text=score it >> nth=0")
    page.select_option("[data-testid=criterion-tone]", "4")
    page.click("[data-testid=score-form] button[type=submit]")
    page.click("text=Compute agreement")
    expect(page.locator("[data-testid=qa-message]")).to_contain_text("agreement computed")
    expect(page.locator("[data-testid=agreement]")).to_be_visible()
    expect(page.locator("[data-testid=drift]")).to_be_visible()

    page.goto("/qa")
    page.fill("[data-testid=plan-form] input[name=agent_id]", prepared.scope["agent_id"])
    page.fill("[data-testid=plan-form] input[name=goal]", "Warmer tone on password resets")
    page.fill("[data-testid=plan-form] input[name=target]", "85")
    page.click("[data-testid=plan-form] button[type=submit]")
    expect(page.locator("[data-testid=follow-up]")).to_be_visible()
    page.fill("[data-testid=session-form] input[name=held_at]", "2026-12-04")
    page.fill("[data-testid=session-form] input[name=notes]", "listened to two calls together")
    page.click("[data-testid=session-form] button[type=submit]")
    expect(page.locator("[data-testid=sessions]")).to_contain_text("listened to two calls together")
    page.select_option("[data-testid=status-form] select[name=status]", "not_achieved")
    page.fill("[data-testid=status-form] input[name=note]", "no reviews since")
    page.click("[data-testid=status-form] button[type=submit]")
    expect(page.locator("[data-testid=qa-message]")).to_contain_text("status now not_achieved")
    assert "no reviews since" in page.inner_text("[data-testid=status-history]")

    page.goto("/qa?segment_by=channel&gap_topic=theme")
    assert page.is_visible("[data-testid=segments]") and page.is_visible("[data-testid=skill-gaps]")
    assert "weighted" in page.inner_text("[data-testid=segments]")
