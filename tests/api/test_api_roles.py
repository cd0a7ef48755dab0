"""Every route against the role matrix, over real HTTP, for every role and for no account.

A route without a rule fails here (test_every_route_declares_a_rule), and so does a route
without an example request below, so nothing new slips past the matrix.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import pytest

from insightdesk.api.app import PUBLIC_PATHS, create_app, route_rules
from insightdesk.api.state import ServerSettings
from insightdesk.governance.roles import MATRIX, Permission, Role
from tests.support.scoped_texts import MARKER, seed_scoped_texts
from tests.support.web_server import ROLES, LiveServer, live_server

Routes = tuple[list[tuple[str, str, Permission | None]], list[str]]


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Routes:
    app = create_app(str(tmp_path_factory.mktemp("routes") / "empty.duckdb"), ServerSettings(warm_up=False))
    try:
        return route_rules(app)
    finally:
        app.state.insightdesk.close()


def _upload() -> dict[str, tuple[str, bytes, str]]:
    team = f"T-{uuid.uuid4().hex[:8]}"
    body = f"id,name,support_tier\n{team},Route test team,L1\n".encode()
    return {"file": ("teams.csv", body, "text/csv")}


def example(method: str, path: str, s: LiveServer) -> dict[str, object] | None:
    """A real request for the route (None: no example yet, which fails the test)."""
    ids = {
        "{kpi}": "csat",
        "{ticket_id}": s.scope["ticket_id"],
        "{customer_id}": s.scope["customer_id"],
        "{token_id}": "tok_doesnotexist",
        "{username}": "viewer",
        "{name}": "dashboard.min_n",
        "{key:path}": "category:none",
        "{alert_id}": "no-such-alert",
        "{analysis_id}": "no-such-analysis",
        "{theme_id}": "T0002",  # a theme on the derived server (tests/support/scoped_texts.py); none on others
        "{request_id}": "req-doesnotexist",
        "{survey_id}": "no-such-survey",
        "{token}": "not-a-signed-link",
        "{forecast_id}": "no-such-forecast",
        "{rubric_id}": "no-such-rubric",
        "{calibration_id}": "no-such-round",
        "{plan_id}": "no-such-plan",
        "{source}": "no-such-source",
        "{upload_id}": "no-such-upload",
        "{batch_id}": "999999",
        "{pair_id}": "no-such-pair",
        "{person_id}": "no-such-person",
        "{rule_id}": "no-such-rule",
        "{version}": "1",
        "{step}": "shadow",
        "{task_id}": "no-such-task",
        "{pack_id}": "no-such-pack",
        "{change_id}": "no-such-change",
        "{notification_id}": "no-such-notification",
        "{hold_id}": "no-such-hold",
        "{clock}": "acknowledgement",
    }
    url = path
    for k, v in ids.items():
        url = url.replace(k, v)
    if "{" in url:
        return None
    bodies: dict[tuple[str, str], dict[str, object]] = {
        ("POST", "/api/v1/auth/login"): {"json": {"username": "nobody", "password": "not-a-password"}},
        ("POST", "/api/v1/auth/logout"): {},
        ("POST", "/api/v1/identity/review/{pair_id}"): {"json": {"decision": "reject"}},
        ("POST", "/api/v1/identity/persons/{person_id}/unmerge"): {"json": {}},
        ("POST", "/identity/review"): {"data": {"pair_id": "no-such-pair", "decision": "reject"}},
        ("POST", "/api/v1/actions/rules"): {"json": {"spec": "rule: route-test\n"}},
        ("POST", "/api/v1/actions/rules/{rule_id}/dry-run"): {"json": {"days": 7}},
        ("POST", "/api/v1/actions/rules/{rule_id}/versions/{version}/{step}"): {},
        ("POST", "/api/v1/actions/rules/{rule_id}/rollback"): {},
        ("PATCH", "/api/v1/actions/tasks/{task_id}"): {"json": {"status": "in_progress"}},
        ("POST", "/tasks/update"): {"data": {"task_id": "no-such-task", "status": "in_progress"}},
        ("POST", "/rules/save"): {"data": {"spec": "rule: route-test\n"}},
        ("POST", "/rules/step"): {"data": {"rule_id": "no-such-rule", "version": "1", "step": "shadow"}},
        ("POST", "/api/v1/actions/packs"): {"json": {"role": "nobody"}},
        ("POST", "/api/v1/actions/packs/{pack_id}/sign-off"): {},
        ("POST", "/api/v1/actions/packs/{pack_id}/send"): {"json": {"recipients": ["route@desk.example"]}},
        ("POST", "/api/v1/actions/changes"): {"json": {"setting": "no.such.setting", "value": 1}},
        ("POST", "/api/v1/actions/changes/apply"): {},
        ("POST", "/api/v1/actions/changes/{change_id}/stage"): {},
        ("POST", "/api/v1/actions/changes/{change_id}/withdraw"): {},
        ("POST", "/api/v1/actions/notifications/{notification_id}/acknowledge"): {},
        ("POST", "/packs/build"): {"data": {"role": "nobody", "period_end": "2026-11-30"}},
        ("POST", "/packs/{pack_id}/sign-off"): {},
        ("POST", "/packs/{pack_id}/send"): {"data": {"recipients": "route@desk.example"}},
        ("POST", "/changes/propose"): {"data": {"setting": "no.such.setting", "value": "1"}},
        ("POST", "/changes/stage"): {"data": {"change_id": "no-such-change"}},
        ("POST", "/changes/withdraw"): {"data": {"change_id": "no-such-change"}},
        ("POST", "/changes/apply"): {},
        ("POST", "/notifications/acknowledge"): {"data": {"notification_id": "no-such-notification"}},
        ("POST", "/api/v1/actions/cases/{task_id}/clocks/{clock}/stop"): {},
        ("POST", "/api/v1/actions/holds/{hold_id}/approve"): {},
        ("POST", "/api/v1/actions/holds/{hold_id}/reject"): {"json": {"reason": "route test"}},
        ("POST", "/cases/{task_id}/stop-clock"): {"data": {"clock": "acknowledgement"}},
        ("POST", "/rules/holds/approve"): {"data": {"hold_id": "no-such-hold"}},
        ("POST", "/rules/holds/reject"): {"data": {"hold_id": "no-such-hold", "reason": "route test"}},
        ("POST", "/api/v1/tokens"): {"json": {"name": "route test", "days": 1}},
        ("DELETE", "/api/v1/tokens/{token_id}"): {},
        ("POST", "/api/v1/users"): {
            "json": {"username": f"u{uuid.uuid4().hex[:10]}", "password": "a-long-password", "role": "viewer"}
        },
        ("PATCH", "/api/v1/users/{username}"): {"json": {}},
        ("POST", "/api/v1/ingest"): {"files": _upload(), "data": {"kind": "teams", "profile": "generic"}},
        ("POST", "/login"): {"data": {"username": "nobody", "password": "x", "csrf_token": "x"}},
        ("POST", "/logout"): {},
        ("POST", "/upload"): {"files": _upload(), "data": {"kind": "teams", "profile": "generic"}},
        ("POST", "/admin/users"): {"data": {"action": "enable", "username": "viewer"}},
        ("PUT", "/api/v1/settings/{name}"): {"json": {"value": 30}},
        ("DELETE", "/api/v1/settings/{name}"): {},
        ("POST", "/admin/settings"): {"data": {"name": "dashboard.min_n", "value": "30"}},
        ("PATCH", "/api/v1/insights/backlog/{key:path}"): {"json": {"note": "route test"}},
        ("PATCH", "/api/v1/insights/alerts/{alert_id}"): {"json": {"status": "closed"}},
        ("POST", "/alerts/status"): {"data": {"alert_id": "no-such-alert", "status": "closed"}},
        ("POST", "/painpoints/detail"): {"data": {"key": "category:none", "note": "x"}},
        ("POST", "/api/v1/themes/{theme_id}/rename"): {"json": {"label": "route test"}},
        ("POST", "/api/v1/themes/{theme_id}/merge"): {"json": {"into": "T9999"}},
        ("POST", "/api/v1/themes/{theme_id}/split"): {"json": {"parts": 2}},
        ("POST", "/themes/{theme_id}/rename"): {"data": {"label": "route test"}},
        ("POST", "/themes/{theme_id}/merge"): {"data": {"into": "T9999"}},
        ("POST", "/themes/{theme_id}/split"): {"data": {"parts": "2"}},
        ("POST", "/api/v1/text/labels"): {
            "json": {
                "entity": "tickets",
                "record_id": "none",
                "field": "body",
                "kind": "risk",
                "value": "high",
            }
        },
        ("POST", "/api/v1/text/classifier/train"): {},
        ("POST", "/api/v1/privacy/requests"): {"json": {"kind": "export", "email": "nobody@example.org"}},
        ("POST", "/api/v1/privacy/requests/{request_id}/run"): {},
        ("POST", "/api/v1/privacy/requests/{request_id}/verify"): {},
        ("POST", "/api/v1/privacy/requests/{request_id}/approve"): {},
        ("POST", "/api/v1/privacy/requests/{request_id}/refuse"): {"json": {"reason": "route test"}},
        ("POST", "/privacy"): {"data": {"action": "verify", "request_id": "req-doesnotexist"}},
        ("POST", "/api/v1/surveys"): {"json": {"definition": "survey: route-test\n"}},
        ("POST", "/api/v1/surveys/{survey_id}/publish"): {},
        ("POST", "/api/v1/surveys/events"): {"json": {"ticket_id": "none", "event": "resolved"}},
        ("POST", "/api/v1/s/{token}"): {"json": {"cursor": 0, "answers": {}}},
        ("POST", "/s/{token}"): {"data": {"cursor": "0"}},
        ("POST", "/s/unsubscribe/{token}"): {},
        ("POST", "/surveys/editor"): {"data": {"definition": "survey: route-test\n", "action": "save"}},
        ("POST", "/api/v1/privacy/consent"): {
            "json": {"customer_id": "nobody", "purpose": "survey", "granted": False}
        },
        ("POST", "/api/v1/workforce/forecasts"): {
            "json": {"models": ["seasonal_naive"], "horizon": 7, "windows": 1, "max_series": 1}
        },
        ("POST", "/api/v1/workforce/staffing"): {"json": {"forecast_id": "no-such-forecast"}},
        ("POST", "/api/v1/qa/rubrics"): {"json": {"id": "Bad Id", "name": "x", "sections": []}},
        ("POST", "/api/v1/qa/samples"): {"json": {"size": 5}},
        ("POST", "/api/v1/qa/evaluations"): {
            "json": {"rubric_id": "no-such-rubric", "ticket_id": "x", "answers": {}}
        },
        ("POST", "/api/v1/qa/calibrations"): {
            "json": {"name": "x", "rubric_id": "none", "ticket_ids": ["a", "b"]}
        },
        ("POST", "/api/v1/qa/calibrations/{calibration_id}/analyse"): {},
        ("POST", "/api/v1/qa/coaching"): {"json": {"agent_id": "nobody", "goal": "x", "target": 50}},
        ("POST", "/api/v1/qa/coaching/{plan_id}/sessions"): {"json": {"held_at": "2026-12-04"}},
        ("POST", "/api/v1/qa/coaching/{plan_id}/status"): {"json": {"status": "cancelled"}},
        ("POST", "/qa/coaching/{plan_id}/status"): {"data": {"status": "cancelled"}},
        ("POST", "/api/v1/workforce/pools"): {
            "json": {
                "skills": [{"name": "a", "arrivals_per_hour": 10, "aht": 300}],
                "groups": [{"name": "g", "agents": 2, "skills": ["a"]}],
                "hours": 5,
                "replications": 2,
            }
        },
        ("POST", "/qa/rubrics"): {"data": {"definition": "id: ["}},
        ("POST", "/qa/evaluate"): {"data": {"rubric_id": "none", "ticket_id": "none"}},
        ("POST", "/qa/calibrations"): {"data": {"name": "x", "rubric_id": "none", "ticket_ids": "a,b"}},
        ("POST", "/qa/calibrations/{calibration_id}/analyse"): {},
        ("POST", "/qa/coaching"): {"data": {"agent_id": "nobody", "goal": "x", "target": "50"}},
        ("POST", "/qa/coaching/{plan_id}/sessions"): {"data": {"held_at": "2026-12-04"}},
        ("POST", "/api/v1/webhooks/zendesk/{source}"): {"json": {"id": "route-test"}},
        ("POST", "/api/v1/webhooks/servicenow/{source}"): {"json": {"event_id": "route-test"}},
    }
    if method == "GET":
        return {"url": url}
    if (method, path) not in bodies:
        return None
    return {"url": url, **bodies[(method, path)]}


def test_every_route_declares_a_rule(routes: Routes) -> None:
    api, others = routes
    assert len(api) > 30
    missing = [f"{m} {p}" for m, p, rule in api if rule is None]
    assert missing == [], f"routes without Depends(require(...)): {missing}"
    assert set(others) <= PUBLIC_PATHS, (
        f"non-API routes outside the public list: {set(others) - PUBLIC_PATHS}"
    )


def test_every_route_has_an_example(routes: Routes, server: LiveServer) -> None:
    missing = [f"{m} {p}" for m, p, _ in routes[0] if example(m, p, server) is None]
    assert missing == [], f"add an example request for: {missing}"


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_route_answers_each_role_as_the_matrix_says(
    role: str | None, routes: list[object], server: LiveServer
) -> None:
    wrong = []
    with server.client(role, follow_redirects=False) as client:
        for method, path, rule in routes[0]:
            req = example(method, path, server)
            assert req is not None
            url = req.pop("url")
            response = client.request(method, str(url), headers={"accept": "application/json"}, **req)  # type: ignore[arg-type]
            status = response.status_code
            if status >= 500:
                wrong.append(f"{role} {method} {path}: {status} {response.text[:200]}")
            elif rule is Permission.PUBLIC:
                if status == 403 and path != "/login":
                    wrong.append(f"{role} {method} {path}: public route answered 403")
            elif role is None:
                if status != 401:
                    wrong.append(f"anonymous {method} {path}: {status}, expected 401")
            elif rule in MATRIX[Role(role)]:
                if status in (401, 403):
                    wrong.append(f"{role} {method} {path}: {status} but the matrix grants {rule.value}")
            elif status != 403:
                wrong.append(f"{role} {method} {path}: {status} but the matrix denies {rule.value}")
            elif response.json()["error"]["code"] != "forbidden":
                wrong.append(f"{role} {method} {path}: refused without the error shape")
    assert wrong == []


def test_static_assets_and_docs_are_served_locally(server: LiveServer) -> None:
    with server.client() as client:
        for path in (
            "/static/vendor/vega.min.js",
            "/static/vendor/vega-lite.min.js",
            "/static/vendor/vega-embed.min.js",
            "/static/app.js",
            "/static/app.css",
            "/static/vendor/swagger-ui-bundle.js",
            "/openapi.json",
        ):
            assert client.get(path).status_code == 200, path
        docs = client.get("/docs").text
        assert "/static/vendor/swagger-ui-bundle.js" in docs
        assert "cdn" not in docs.lower()
    templates = Path(__file__).resolve().parents[2] / "src" / "insightdesk" / "web" / "templates"
    for page in templates.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, f"{page.name} points outside the app"


def test_unauthenticated_page_redirects_to_login(server: LiveServer) -> None:
    with server.client(follow_redirects=False) as client:
        r = client.get("/trends", headers={"accept": "text/html"})
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


# --- derived data: theme quotes, insight results, exports stay within the row scope ----------------

# Routes whose answers are numbers from the metrics engine: no text or record can reach them.
NUMBERS_ONLY = {
    "/api/v1/kpis",
    "/api/v1/kpis/{kpi}",
    "/api/v1/overview",
    "/api/v1/compare/{kpi}",
    "/api/v1/dimensions",
    "/",
    "/trends",
    "/compare",
}


@pytest.fixture(scope="module")
def derived_server(sample_db: Path) -> LiveServer:
    """A server on the sample whose every text names its record (tests/support/scoped_texts.py)."""
    return live_server("derived", warm_up=False, prepare=seed_scoped_texts)


def _reach(s: LiveServer, role: str) -> set[tuple[str, str]] | None:
    """(entity, id) of the texts a role may read, in plain SQL on the snapshot (None: all of them)."""
    if role in ("admin", "analyst"):
        return None
    if role == "viewer":
        return set()
    own = "team_id = $x" if role == "team_lead" else "agent_id = $x"
    about = " or agent_id = $x" if role == "agent" else ""
    x = s.scope["team_id"] if role == "team_lead" else s.scope["agent_id"]
    with duckdb.connect(str(s.snapshot), read_only=True) as con:
        found = con.execute(
            f"with t as (select id from tickets where {own}) "
            "select 'tickets', id from t union all "
            f"select 'feedback', id from feedback where ticket_id in (select id from t){about} union all "
            "select 'interactions', id from interactions where ticket_id in (select id from t)",
            {"x": x},
        ).fetchall()
    return {(e, i) for e, i in found}


@pytest.mark.parametrize("role", ROLES)
def test_derived_text_never_leaves_the_roles_row_scope(
    role: str, routes: Routes, derived_server: LiveServer
) -> None:
    """Every GET route (theme quotes, pain points, alerts, risk, records, exports) as each role: a text
    of a record outside the role's scope is a leak; a role with text still sees quotes of its own."""
    reach = _reach(derived_server, role)
    leaks, shown = [], set()
    with derived_server.client(role, follow_redirects=False) as client:
        for method, path, _ in routes[0]:
            if method != "GET" or path in NUMBERS_ONLY:
                continue
            # The seeded themes are T0001-T0003: a theme's own page shows its quotes and tickets.
            req = example(method, path.replace("{theme_id}", "T0001"), derived_server)
            assert req is not None, f"add an example request for GET {path}"
            accept = "application/json" if path.startswith("/api/") else "text/html"
            r = client.get(str(req["url"]), headers={"accept": accept})
            assert r.status_code < 500, f"{role} {path}: {r.status_code}"
            for entity, rid in MARKER.findall(r.text):
                shown.add((entity, rid))
                if reach is not None and (entity, rid) not in reach:
                    leaks.append(f"{path}: {entity} {rid}")
        themes = client.get("/api/v1/themes").json()["themes"]
    assert leaks == [], f"{role} was shown texts outside its scope: {leaks[:10]}"
    if role == "viewer":
        assert shown == set() and all(t["quotes"] == [] for t in themes)
    else:  # each theme shows quotes from the role's own reach (the scoped ones refilled from it)
        assert all(t["quotes"] for t in themes), themes
