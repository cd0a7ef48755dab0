"""Control characters in any query or path parameter of any route: a 422 naming the parameter, never
a 500 (a NUL byte in a filter used to reach the store and fail there)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.http import http_get
from tests.support.web_server import LiveServer

BAD = "a\x00b"


def _requests(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, str], str]]:
    """(method, url, query, parameter) for every parameter of every operation, that one made bad."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = [p for p in operation.get("parameters", []) if p["in"] in ("query", "path")]
            for bad in params:
                url, query = path, {}
                for p in params:
                    value = BAD if p is bad else "x"
                    if p["in"] == "path":
                        url = url.replace("{" + p["name"] + "}", value.replace("\x00", "%00"))
                    elif p is bad:
                        query[p["name"]] = value
                found.append((method.upper(), url, query, bad["name"]))
    return found


@pytest.fixture
def served(engine: str, request: pytest.FixtureRequest) -> LiveServer:
    """The sample server on DuckDB, or a server over an empty PostgreSQL store (which refuses NUL in text)."""
    server: LiveServer = request.getfixturevalue("server" if engine == "duckdb" else "pg_server")
    return server


def test_a_control_character_in_any_parameter_is_a_422_naming_it(served: LiveServer) -> None:
    server = served
    spec = http_get(server.base_url + "/openapi.json").json()
    requests = _requests(spec)
    assert len(requests) > 60
    wrong = []
    with server.client("admin") as c:
        for method, url, query, name in requests:
            r = c.request(method, url, params=query, json={} if method != "GET" else None)
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            error = body.get("error", {})
            if (
                r.status_code != 422
                or error.get("code") != "invalid_character"
                or name not in error["message"]
            ):
                wrong.append(f"{method} {url} {query}: {r.status_code} {r.text[:200]}")
        # The other control characters too, in a parameter's name as well as its value, and on pages.
        for query in ({"channel": "chat\x1b[31m"}, {"channel": "\x7f"}, {"chan\x01nel": "chat"}):
            r = c.get("/api/v1/tickets", params=query)
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_character", r.text
        r = c.get("/tickets", params={"team": BAD}, headers={"Accept": "text/html"})
        assert r.status_code == 422 and "text/html" in r.headers["content-type"]
        assert c.get("/api/v1/tickets", params={"channel": "chat\tline"}).status_code == 422
        assert c.get("/api/v1/tickets", params={"channel": "Überweisung ✓"}).status_code == 200
    assert wrong == [], "\n".join(wrong[:20])


def test_a_nul_in_a_json_or_form_body_is_a_422_naming_the_field(served: LiveServer) -> None:
    """A NUL in a request body: 422 naming the field, on both engines (a NUL user name at the login,
    sent without an account, answered 500 on PostgreSQL). Line breaks and tabs in text still pass."""
    refused = {"in": "body", "character": "U+0000"}
    with served.client() as anonymous:
        r = anonymous.post("/api/v1/auth/login", json={"username": "a\x00b", "password": "x"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_character", r.text
        assert r.json()["error"]["detail"] == {"parameter": "body.username", **refused}
        r = anonymous.post("/api/v1/auth/login", json={"username": "a\tb\nc", "password": "x"})
        assert r.status_code == 401, r.text
        r = anonymous.post(
            "/login", data={"username": "a\x00b", "password": "x"}, headers={"Accept": "text/html"}
        )
        assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    with served.client("admin") as admin:
        r = admin.post("/api/v1/tokens", json={"name": "t", "days": 1, "more": [{"note": "x\x00"}]})
        assert r.status_code == 422 and r.json()["error"]["detail"] == {
            "parameter": "body.more[0].note",
            **refused,
        }
        assert admin.post("/api/v1/tokens", json={"name": "line\nbreak", "days": 1}).status_code == 201
