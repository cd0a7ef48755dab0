"""The vendor HTTP client against a real loopback server: retries, rate limits, one-sentence errors."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from insightdesk.connectors import (
    Credentials,
    RetryPolicy,
    TerminalVendorError,
    TransientVendorError,
    VendorClient,
)

SECRET = "s3cr3t-token-value"


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(httpserver: HTTPServer, slept: list[float]) -> Iterator[VendorClient]:
    with VendorClient(
        httpserver.url_for("/"),
        vendor="Zendesk",
        auth=Credentials.basic("agent@example.com/token", SECRET, name="INSIGHTDESK_ZENDESK_TOKEN"),
        timeout=2.0,
        retry=RetryPolicy(max_attempts=3, base_delay=0.5),
        sleep=slept.append,
        jitter=lambda: 1.0,
    ) as made:
        yield made


def test_sends_basic_auth_and_parses_json_and_link(httpserver: HTTPServer, client: VendorClient) -> None:
    httpserver.expect_request("/api/v2/x", headers={"Accept": "application/json"}).respond_with_json(
        {"ok": 1}, headers={"Link": '<https://example.com/p2>; rel="next"'}
    )
    page = client.get("/api/v2/x")
    assert page.data == {"ok": 1} and page.next_link == "https://example.com/p2"
    sent = httpserver.log[0][0].headers["Authorization"]
    assert sent.startswith("Basic ") and SECRET not in repr(client.auth)


def test_500_then_success_backs_off(httpserver: HTTPServer, client: VendorClient, slept: list[float]) -> None:
    httpserver.expect_ordered_request("/x").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/x").respond_with_data("oops", status=502)
    httpserver.expect_ordered_request("/x").respond_with_json([1])
    assert client.get("/x").data == [1]
    assert slept == [0.5, 1.0]  # full jitter at its top: base * 2**attempt


def test_500_until_exhausted_is_transient(httpserver: HTTPServer, client: VendorClient) -> None:
    httpserver.expect_request("/x").respond_with_data("oops", status=503)
    with pytest.raises(TransientVendorError) as raised:
        client.get("/x", params={"token": SECRET})
    assert raised.value.status == 503 and "tried 3 times" in str(raised.value)
    assert SECRET not in str(raised.value) and "\n" not in str(raised.value)


def test_429_burst_honours_retry_after(
    httpserver: HTTPServer, client: VendorClient, slept: list[float]
) -> None:
    for wait in ("7", "3", "1"):
        httpserver.expect_ordered_request("/x").respond_with_data(
            "", status=429, headers={"Retry-After": wait}
        )
    httpserver.expect_ordered_request("/x").respond_with_json({"done": True})
    assert client.get("/x").data == {"done": True}
    assert slept == [7.0, 3.0, 1.0]


def test_retry_after_beyond_patience_is_transient(httpserver: HTTPServer, client: VendorClient) -> None:
    httpserver.expect_request("/x").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(TransientVendorError, match="asked to wait 3600 s"):
        client.get("/x")


def test_exhausted_rate_limit_window_waits_for_reset(
    httpserver: HTTPServer, client: VendorClient, slept: list[float]
) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "12"}
    httpserver.expect_ordered_request("/x").respond_with_json({"n": 1}, headers=headers)
    httpserver.expect_ordered_request("/x").respond_with_json({"n": 2})
    client.get("/x")
    assert slept == []
    client.get("/x")
    assert len(slept) == 1 and 11.0 < slept[0] <= 12.0


@pytest.mark.parametrize(("status", "word"), [(401, "refused"), (403, "lacks the permission")])
def test_401_and_403_name_the_credential(
    httpserver: HTTPServer, client: VendorClient, status: int, word: str
) -> None:
    httpserver.expect_request("/x").respond_with_json({"error": "Couldn't authenticate you"}, status=status)
    with pytest.raises(TerminalVendorError) as raised:
        client.get("/x")
    message = str(raised.value)
    assert raised.value.credential == "INSIGHTDESK_ZENDESK_TOKEN" and "INSIGHTDESK_ZENDESK_TOKEN" in message
    assert word in message and SECRET not in message and len(httpserver.log) == 1


def test_other_4xx_is_terminal_without_retry(httpserver: HTTPServer, client: VendorClient) -> None:
    httpserver.expect_request("/x").respond_with_json({"error": "nope"}, status=422)
    with pytest.raises(TerminalVendorError, match="answered 422"):
        client.get("/x")
    assert len(httpserver.log) == 1


def test_malformed_json_is_terminal(httpserver: HTTPServer, client: VendorClient) -> None:
    httpserver.expect_request("/x").respond_with_data(
        '{"tickets": [{"id": 1', content_type="application/json"
    )
    with pytest.raises(TerminalVendorError, match="not valid JSON"):
        client.get("/x")


def test_body_cut_short_is_retried(httpserver: HTTPServer, client: VendorClient) -> None:
    body = json.dumps({"tickets": []}).encode()
    calls = iter([True, False])

    def handler(request: Request) -> Response:
        if next(calls):  # promise more bytes than are sent: the connection ends mid-body
            return Response(iter([body[:5]]), headers={"Content-Length": str(len(body))})
        return Response(body, content_type="application/json")

    httpserver.expect_request("/x").respond_with_handler(handler)
    assert client.get("/x").data == {"tickets": []}
    assert len(httpserver.log) == 2


def test_post_not_repeated_after_5xx_unless_idempotent(httpserver: HTTPServer, client: VendorClient) -> None:
    httpserver.expect_request("/p", method="POST").respond_with_data("", status=500)
    with pytest.raises(TransientVendorError, match="not safe to repeat"):
        client.post("/p", json={"a": 1})
    assert len(httpserver.log) == 1
    with pytest.raises(TransientVendorError, match="tried 3 times"):
        client.post("/p", json={"a": 1}, idempotent=True)


def test_connection_refused_is_retried_then_transient(slept: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        VendorClient(
            f"http://127.0.0.1:{port}", vendor="Jira", retry=RetryPolicy(max_attempts=2), sleep=slept.append
        ) as refused,
        pytest.raises(TransientVendorError, match="could not connect"),
    ):
        refused.post("/rest/api/3/issue", json={})
    assert len(slept) == 1
