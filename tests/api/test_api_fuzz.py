"""Schema-driven fuzzing: Schemathesis generates requests from /openapi.json; no answer may be a 5xx.

Runs as every role and without an account, against its own server and store copy, since fuzzed
uploads and account changes write to the store. Bounded and reproducible: a fixed number of examples
per operation and role (fewer where most answers are a 401 or 403), derandomized.
"""

from __future__ import annotations

import pytest

from tests.support.web_server import ROLES, LiveServer, live_server

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")
hypothesis = pytest.importorskip("hypothesis")

# Operations whose every example computes many KPIs cold: fewer examples keep the run short.
HEAVY = {
    "/api/v1/overview",
    "/api/v1/overview/movers",
    "/api/v1/alerts",
    "/api/v1/pain-points",
    "/api/v1/compare/{kpi}",
    # Scorecards and skill gaps compute KPIs per agent; forecasts backtest; a dry-run replays history.
    "/api/v1/qa/skill-gaps",
    "/api/v1/qa/scorecards",
    "/api/v1/qa/team-scores",
    "/api/v1/qa/samples",
    "/api/v1/workforce/forecasts",
    "/api/v1/workforce/staffing",
    "/api/v1/workforce/tiers",
    "/api/v1/workforce/pools",  # each example simulates a queue for up to a couple of seconds
    "/api/v1/actions/rules/{rule_id}/dry-run",
    "/api/v1/actions/kpis",
    "/api/v1/surveys/health",
    "/api/v1/privacy/requests/{request_id}/run",
    # About 0.5 s an example as admin (nested rubric bodies; the whole tickets table as CSV).
    "/api/v1/qa/rubrics",
    "/api/v1/export/tickets.csv",
}
# Each login attempt hashes a password (argon2, on purpose slow), and answers alike whoever asks.
SLOW = {"/api/v1/auth/login"}
# Examples per operation (light, heavy or slow) for each role; None is a caller without an account.
EXAMPLES: dict[str | None, tuple[int, int]] = {
    "admin": (10, 2),
    "analyst": (3, 1),
    "team_lead": (2, 1),
    "agent": (2, 1),
    "viewer": (2, 1),
    None: (3, 1),
}
assert set(EXAMPLES) == {*ROLES, None}


@pytest.fixture(scope="module")
def fuzz_server() -> LiveServer:
    return live_server("fuzz", warm_up=False)


@pytest.mark.parametrize("role", list(EXAMPLES), ids=lambda r: r or "anonymous")
def test_no_operation_answers_a_server_error(fuzz_server: LiveServer, role: str | None) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_server.base_url}/openapi.json")
    headers = {"Authorization": f"Bearer {fuzz_server.tokens[role]}"} if role else {}
    light, heavy = EXAMPLES[role]
    failures: list[str] = []
    answered: list[int] = []
    seen = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=heavy if operation.path in HEAVY | SLOW else light,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case: object) -> None:
            response = case.call(base_url=fuzz_server.base_url, headers=headers, timeout=60)  # type: ignore[attr-defined]
            answered.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"  # type: ignore[attr-defined]
                )
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and {"status", "code", "message"} <= set(body["error"])

        run()
        seen += 1
    assert seen >= 25
    # It got past validation and authorisation (admin everywhere; the others where their role reaches).
    assert sum(s < 300 for s in answered) > (50 if role == "admin" else 0), sorted(set(answered))
    if role is None:
        assert {s for s in answered if s >= 400} <= {401, 404, 405, 413, 415, 422, 429}, sorted(set(answered))
    assert failures == [], "\n".join(failures[:20])
