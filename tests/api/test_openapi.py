"""The OpenAPI document describes every answer: each JSON route names a response model, and the
models match what the routes really send (no key dropped, none added, no type changed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from tests.support.web_server import LiveServer


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = create_app(str(tmp_path_factory.mktemp("openapi") / "desk.duckdb"), ServerSettings(warm_up=False))
    yield app
    app.state.insightdesk.close()


def _api_routes(app: FastAPI) -> list[Any]:
    """Every API route (path, path_regex, methods, response_model), as api.app.route_rules walks them."""
    # FastAPI keeps included routers whole: their routes are reached through their contexts.
    found: list[Any] = []
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        found += [c for c in contexts if isinstance(c, APIRoute) or hasattr(c, "dependant")]
    return found


def _json_responses(app: FastAPI) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, status, schema) of every successful JSON answer in the OpenAPI document."""
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if status.startswith("2") and "application/json" in content:
                    yield method.upper(), path, status, content["application/json"].get("schema", {})


def test_every_json_route_declares_a_response_model(app: FastAPI) -> None:
    answers = list(_json_responses(app))
    assert len(answers) > 30
    # A named model is a $ref; no annotation gives {}, and `dict[str, Any]` an anonymous object.
    unnamed = [f"{m} {p} {s}" for m, p, s, schema in answers if "$ref" not in schema]
    assert not unnamed, f"JSON routes without a response model: {unnamed}"
    schemas = app.openapi()["components"]["schemas"]
    for _, _, _, schema in answers:
        assert schema["$ref"].rsplit("/", 1)[1] in schemas


def test_routes_without_a_json_answer_are_files_pages_or_empty(app: FastAPI) -> None:
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            ok = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
            for status, response in ok.items():
                content = response.get("content", {})
                assert (
                    "application/json" in content
                    or status == "204"
                    or (content and set(content) <= {"text/csv", "application/x-ndjson"})
                ), f"{method.upper()} {path} {status}: {sorted(content)}"
    # Pages are HTML and left out of the API's document.
    assert not [p for p in app.openapi()["paths"] if not p.startswith("/api/")]


def _model_of(app: FastAPI, method: str, path: str) -> type[BaseModel]:
    for route in _api_routes(app):
        if method in route.methods and route.path_regex.match(path) and route.response_model:
            model = route.response_model
            assert isinstance(model, type) and issubclass(model, BaseModel), route.path
            return model
    raise AssertionError(f"no route with a response model answers {method} {path}")


def _same_answer(model: type[BaseModel], body: Any) -> None:
    # Unset fields stay out, as the routes send them; as JSON text, 3 and 3.0 differ too.
    again = model.model_validate(body).model_dump(mode="json", exclude_unset=True)
    assert json.dumps(again, sort_keys=True) == json.dumps(body, sort_keys=True), model.__name__


def _requests(server: LiveServer) -> list[tuple[str, str]]:
    """(role, path) of one answer per GET route, on the insights server's data."""
    with server.client("admin") as c:
        ticket = c.get("/api/v1/tickets", params={"limit": 1}).json()["items"][0]["id"]
        detail = c.get(f"/api/v1/tickets/{ticket}").json()
        painpoint = c.get("/api/v1/insights/painpoints", params={"limit": 1}).json()["items"][0]
        impact = c.get("/api/v1/insights/impact").json()["items"][0]
        theme = c.get("/api/v1/themes", params={"limit": 1}).json()["themes"][0]["theme_id"]
    customer = detail["ticket"]["customer_id"]
    # An upload of a header-only file (nothing stored but its batch) to follow by its upload_id.
    with server.client("admin") as c:
        posted = c.post(
            "/api/v1/ingest",
            data={"kind": "teams", "upload_id": "openapi-check"},
            files={"file": ("teams.csv", b"id,name,support_tier\n", "text/csv")},
        )
        assert posted.status_code == 201, posted.text
    made = _feature_objects(server, agent=detail["ticket"].get("agent_id"))
    admin = [
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/kpis",
        "/api/v1/kpis/csat?by=channel&grain=month",
        "/api/v1/kpis/nps",
        "/api/v1/overview",
        "/api/v1/overview/movers?grain=week",
        "/api/v1/compare/csat?by=channel",
        "/api/v1/compare/fcr?against=previous&grain=week",
        "/api/v1/dimensions",
        "/api/v1/themes?sort=-negative_share&limit=3",
        f"/api/v1/themes/{theme}",
        "/api/v1/pain-points",
        "/api/v1/alerts",
        "/api/v1/tickets?limit=3",
        f"/api/v1/tickets/{ticket}",
        "/api/v1/feedback?limit=3&with_comment=true",
        f"/api/v1/customers/{customer}",
        "/api/v1/users",
        "/api/v1/settings",
        "/api/v1/audit?limit=3",
        "/api/v1/audit/verify",
        "/api/v1/insights/painpoints?limit=5",
        f"/api/v1/insights/painpoints/{painpoint['painpoint_key']}",
        "/api/v1/insights/drivers",
        "/api/v1/insights/risk",
        "/api/v1/insights/alerts?status=all",
        "/api/v1/insights/impact",
        f"/api/v1/insights/impact/{impact['analysis_id']}",
        "/api/v1/identity/status",
        "/api/v1/identity/review?status=rejected",
        "/api/v1/text/labels?kind=sentiment",
        "/api/v1/text/classifier",
        "/api/v1/text/review-queue?below=0.9",
        "/api/v1/sources",
        "/api/v1/ingest/progress/openapi-check",
        "/api/v1/actions/kpis",
        "/api/v1/actions/rules",
        f"/api/v1/actions/rules/{made['rule']}",
        "/api/v1/actions/tasks",
        "/api/v1/actions/packs",
        f"/api/v1/actions/packs/{made['pack']}",
        "/api/v1/actions/changes",
        f"/api/v1/actions/changes/{made['change']}",
        "/api/v1/actions/notifications?waiting=false",
        "/api/v1/actions/cases?closed=true",
        "/api/v1/actions/cases/task-openapi-case",  # tests.actions.case_seed, on the insights server
        "/api/v1/actions/holds?status=all",
        f"/api/v1/privacy/consent/{customer}",
        "/api/v1/privacy/requests",
        "/api/v1/qa/calibrations",
        "/api/v1/qa/coaching",
        f"/api/v1/qa/coaching/{made['plan']}",
        "/api/v1/qa/evaluations",
        "/api/v1/qa/rubrics",
        f"/api/v1/qa/rubrics/{made['rubric']}",
        "/api/v1/qa/scorecards",
        "/api/v1/qa/skill-gaps",
        "/api/v1/qa/segment-scores?by=channel",
        "/api/v1/qa/team-scores",
        "/api/v1/s/not-a-signed-link",  # a link that fails its signature: the form says so (200)
        "/api/v1/surveys",
        "/api/v1/surveys/health",
        f"/api/v1/surveys/{made['survey']}",
        "/api/v1/workforce/erlang?volume=100&aht=300&interval=1800",
        "/api/v1/workforce/forecasts",
        f"/api/v1/workforce/forecasts/{made['forecast']}",
        f"/api/v1/workforce/staffing?forecast_id={made['forecast']}",
        "/api/v1/workforce/tiers",
    ]
    # Answers whose shape depends on the role: no identity, no risk tickets, nothing computed.
    others = [
        ("analyst", f"/api/v1/tickets/{ticket}"),
        ("viewer", "/api/v1/insights/risk"),
        ("viewer", "/api/v1/insights/risk?target=detractor"),
        ("agent", "/api/v1/tickets?limit=3"),
        ("viewer", f"/api/v1/themes/{theme}"),
    ]
    return [("admin", p) for p in admin] + others


RULE = """rule: openapi-check
event: feedback_received
when: {all: [{field: nps_category, op: eq, value: detractor}]}
actions: [{type: task, kind: callback, title: "Call {customer_id}"}]
"""
RUBRIC = {
    "id": "openapi-check",
    "name": "Support",
    "sections": [{"name": "Care", "criteria": [{"id": "tone", "label": "Tone", "points": 4}]}],
}


def _feature_objects(server: LiveServer, agent: str | None) -> dict[str, str]:
    """One object of each newer feature, so their GET-by-id routes have something to answer."""
    from importlib.resources import files

    survey = (files("insightdesk.surveys") / "examples" / "post_resolution.yaml").read_text(encoding="utf-8")
    with server.client("admin") as c:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            r = c.post(path, json=body)
            assert r.status_code in (200, 201), f"{path}: {r.text[:300]}"
            return dict(r.json())

        post("/api/v1/actions/rules", {"spec": RULE})
        rubric = post("/api/v1/qa/rubrics", RUBRIC)["id"]
        saved = post("/api/v1/surveys", {"definition": survey})["survey_id"]
        forecast = post(
            "/api/v1/workforce/forecasts",
            {"models": ["seasonal_naive"], "horizon": 7, "windows": 1, "max_series": 1},
        )["run"]["forecast_id"]
        plan = post("/api/v1/qa/coaching", {"agent_id": agent or "none", "goal": "tone", "target": 80})
        pack = post("/api/v1/actions/packs", {"role": "admin", "period_end": "2026-11-30"})["pack_id"]
        change = post(
            "/api/v1/actions/changes", {"setting": "kpi.targets", "value": {"csat": 0.8}, "region": "emea"}
        )
    return {
        "rule": "openapi-check",
        "rubric": rubric,
        "survey": saved,
        "forecast": forecast,
        "plan": plan["plan_id"],
        "pack": pack,
        "change": change["change"]["change_id"],
    }


def test_response_models_describe_the_real_answers(app: FastAPI, insights_server: LiveServer) -> None:
    requests = _requests(insights_server)
    seen = set()
    for role, path in requests:
        with insights_server.client(role) as c:
            r = c.get(path)
        assert r.status_code == 200, f"{role} {path}: {r.text[:300]}"
        _same_answer(_model_of(app, "GET", path.split("?")[0]), r.json())
        seen.add(path.split("?")[0])
    # Every GET route with a JSON answer is checked (a new route needs a line above).
    templates = {p for m, p, _, _ in _json_responses(app) if m == "GET"}
    checked = {t for t in templates if any(_matches(app, t, path) for path in seen)}
    assert checked == templates, f"GET routes not checked: {sorted(templates - checked)}"


def _matches(app: FastAPI, template: str, path: str) -> bool:
    # The document writes {key:path} parameters as {key}, as the route's path_format does.
    return any(r.path_format == template and r.path_regex.match(path) for r in _api_routes(app))


def test_a_model_that_dropped_a_key_would_be_caught() -> None:
    from insightdesk.api.schemas import TicketPage

    row = {"id": "t1", "created_at": None, "status": "open", "type": "incident", "channel": "chat"}
    row |= dict.fromkeys(("team", "product", "category", "priority", "region", "language"))
    row |= {"agent_id": None, "problem_id": None, "resolved_at": None}
    body = {"items": [{**row, "secret": "x"}], "total": 1, "limit": 50, "offset": 0, "next": None}
    with pytest.raises(AssertionError):
        _same_answer(TicketPage, body)
    _same_answer(TicketPage, {**body, "items": [row]})


def test_the_document_is_served(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    spec = TestClient(app).get("/openapi.json").json()
    assert spec["paths"]["/api/v1/overview"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Overview"}
