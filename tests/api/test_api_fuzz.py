"""Schema-driven fuzzing: Schemathesis generates requests from /openapi.json; no answer may be a 5xx.

Runs as an admin (every operation reachable) against its own server and store copy, since fuzzed
uploads and account changes write to the store.
"""

from __future__ import annotations

import pytest

from tests.support.web_server import LiveServer, live_server

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")
hypothesis = pytest.importorskip("hypothesis")

# Operations whose every example computes many KPIs cold: fewer examples keep the run short.
HEAVY = {"/api/v1/overview", "/api/v1/alerts", "/api/v1/pain-points", "/api/v1/compare/{kpi}"}


@pytest.fixture(scope="module")
def fuzz_server() -> LiveServer:
    return live_server("fuzz", warm_up=False)


def test_no_operation_answers_a_server_error(fuzz_server: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_server.base_url}/openapi.json")
    headers = {"Authorization": f"Bearer {fuzz_server.tokens['admin']}"}
    failures: list[str] = []
    answered: list[int] = []
    seen = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        examples = 3 if operation.path in HEAVY else 12

        @hypothesis.settings(
            max_examples=examples,
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
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
                )  # type: ignore[attr-defined]
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and {"status", "code", "message"} <= set(body["error"])

        run()
        seen += 1
    assert seen >= 25
    assert sum(s < 300 for s in answered) > 50, sorted(set(answered))  # it got past validation and auth
    assert failures == [], "\n".join(failures[:20])
