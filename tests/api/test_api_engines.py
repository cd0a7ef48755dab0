"""The app over either engine: the same requests answer on a DuckDB file and on PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.governance import tokens, users
from insightdesk.store import open_store


def test_app_serves_an_empty_store_on_both_engines(store_url: str) -> None:
    with open_store(store_url) as store:
        users.create_user(store.engine, "ana", "a-long-password", "analyst", actor=users.Actor("cli:t"))
        secret = tokens.create_token(store.engine, "ana", actor=users.Actor("cli:t"), days=1)["token"]
    app = create_app(store_url, ServerSettings(warm_up=False))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/api/v1/health").json()["store"] in ("duckdb", "postgresql")
        assert client.get("/api/v1/kpis/csat", headers=headers).status_code == 200
        page = client.get("/api/v1/tickets", headers=headers).json()
        assert page["total"] == 0 and page["items"] == []
        assert client.get("/api/v1/themes", headers=headers).json()["computed"] is False
        login = client.post("/api/v1/auth/login", json={"username": "ana", "password": "a-long-password"})
        assert login.status_code == 200 and client.get("/api/v1/me").json()["via"] == "session"
        tickets = client.get("/tickets", headers={"accept": "text/html"})
        assert tickets.status_code == 200 and "No tickets in your scope match" in tickets.text
    with open_store(store_url) as store:
        from insightdesk.governance import audit

        result = audit.verify(store.engine)
        assert result.ok and result.entries == 3  # user.create, token.create, login
