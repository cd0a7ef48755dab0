"""The REST API over real HTTP: numbers, scope, redaction, audit, uploads, sessions, errors, speed."""

from __future__ import annotations

import io
import json
import re
import time
import uuid

import httpx
import pandas as pd
import pytest

from insightdesk.metrics import compute
from insightdesk.store import open_store
from tests.support.http import http_client, http_get
from tests.support.web_server import PASSWORD, LiveServer


def _audit(server: LiveServer, **params: str) -> list[dict]:
    with server.client("admin") as c:
        r = c.get("/api/v1/audit", params={"limit": 50, **params})
    assert r.status_code == 200
    return r.json()["items"]


def _error(r: httpx.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message", "detail"}
    assert body["error"]["status"] == status and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_kpi_rows_equal_the_metrics_engine(server: LiveServer) -> None:
    with server.client("viewer") as c:
        r = c.get("/api/v1/kpis/csat", params={"by": "channel", "since": "2020-03-01", "until": "2020-06-01"})
    assert r.status_code == 200, r.text
    got = {row["channel"]: row for row in r.json()["rows"]}
    with open_store(server.snapshot, migrate=False) as store:
        expected = compute("csat", store=store, by=["channel"], since="2020-03-01", until="2020-06-01")
    assert len(got) == len(expected) > 1
    for row in expected.itertuples():
        g = got[row.channel]
        assert g["n"] == row.n and g["value"] == pytest.approx(row.value)
        assert g["ci_low"] == pytest.approx(row.ci_low) and g["ci_high"] == pytest.approx(row.ci_high)
        assert g["low_n"] == bool(row.low_n)


def test_overview_tiles_and_comparison(server: LiveServer) -> None:
    with server.client("viewer") as c:
        tiles = c.get("/api/v1/overview", params={"grain": "week"}).json()["tiles"]
        cmp = c.get("/api/v1/compare/csat", params={"by": "channel"}).json()
        options = c.get("/api/v1/dimensions").json()["filters"]
        filtered = c.get("/api/v1/overview", params={"channel": options["channel"][0]}).json()["tiles"]
    csat = next(t for t in tiles if t["name"] == "csat")
    assert 0 < csat["value"] < 1 and csat["ci_low"] < csat["value"] < csat["ci_high"] and csat["n"] > 100
    assert len(csat["series"]) > 4 and csat["change"]["test"]
    assert {"channel", "team", "product", "tier", "region", "language"} <= set(options)
    assert next(t for t in filtered if t["name"] == "csat")["n"] < csat["n"]
    rows = cmp["rows"]
    assert any(r["significant"] for r in rows)  # the sample's channels differ (email vs social)
    for r in rows:
        assert {"value", "reference", "p_adjusted", "significant", "ci_low", "ci_high"} <= set(r)


def test_errors_share_one_shape(server: LiveServer) -> None:
    with server.client("viewer") as c:
        _error(c.get("/api/v1/kpis/no_such_kpi"), 404, "unknown_kpi")
        _error(c.get("/api/v1/kpis/csat", params={"grain": "fortnight"}), 422, "invalid_request")
        _error(c.get("/api/v1/kpis/csat", params={"by": "shoe_size"}), 422, "unknown_dimension")
        _error(c.get("/api/v1/kpis/csat", params={"since": "last tuesday"}), 422, "invalid_date")
        assert c.get("/api/v1/kpis/csat", params={"since": "", "until": "", "channel": ""}).json()["rows"]
        _error(c.get("/api/v1/tickets"), 403, "forbidden")
        _error(c.get("/api/v1/nothing-here"), 404)
    with http_client(base_url=server.base_url, headers={"Authorization": "Bearer idk_forged"}) as c:
        _error(c.get("/api/v1/kpis"), 401, "invalid_token")


def test_lists_paginate(server: LiveServer) -> None:
    with server.client("analyst") as c:
        first = c.get("/api/v1/tickets", params={"limit": 10, "channel": "chat"}).json()
        second = c.get(first["next"]).json()
    assert first["total"] > 20 and len(first["items"]) == 10 and second["offset"] == 10
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    assert all(i["channel"] == "chat" for i in first["items"] + second["items"])


def test_row_scope_of_team_lead_and_agent(server: LiveServer) -> None:
    s = server.scope
    with server.client("team_lead") as c:
        items = c.get("/api/v1/tickets", params={"limit": 200}).json()["items"]
        assert items and {i["team"] for i in items} == {s["team_name"]}
        assert c.get(f"/api/v1/tickets/{s['ticket_id']}").status_code == 200
        _error(c.get(f"/api/v1/tickets/{server.other_ticket}"), 404)
    with server.client("agent") as c:
        items = c.get("/api/v1/tickets", params={"limit": 200}).json()["items"]
        assert items and {i["agent_id"] for i in items} == {s["agent_id"]}
        _error(c.get(f"/api/v1/tickets/{server.other_ticket}"), 404)
        fb = c.get("/api/v1/feedback", params={"limit": 200}).json()["items"]
        assert all(f["agent_id"] == s["agent_id"] or f["ticket_id"] for f in fb)
    with server.client("analyst") as c:
        assert c.get(f"/api/v1/tickets/{server.other_ticket}").status_code == 200


def test_raw_text_and_identity_reads_are_audited(server: LiveServer) -> None:
    tid = server.scope["ticket_id"]
    with server.client("analyst") as c:
        redacted = c.get(f"/api/v1/tickets/{tid}").json()
        raw = c.get(f"/api/v1/tickets/{tid}", params={"raw": "true"}).json()
    assert redacted["ticket"]["description_status"] in ("redacted", "not_analysed", "empty")
    assert raw["ticket"]["description_status"] in ("raw", "empty")
    assert (
        any(m["text_status"] == "raw" for m in raw["transcript"])
        or raw["ticket"]["description_status"] == "raw"
    )
    # The analyst sees no identity: a pseudonym instead of the customer id.
    assert redacted["customer"]["identity"] is False and "name" not in redacted["customer"]
    assert redacted["ticket"]["customer_id"].startswith("cust-")
    entries = _audit(server, actor="analyst", action="read.raw_text")
    assert entries and tid in entries[0]["record_ids"] and entries[0]["ip"] == "127.0.0.1"
    with server.client("team_lead") as c:
        lead_view = c.get(f"/api/v1/tickets/{tid}").json()
        customer = c.get(f"/api/v1/customers/{server.scope['customer_id']}").json()
    assert (
        lead_view["customer"]["identity"] is True
        and lead_view["customer"]["id"] == server.scope["customer_id"]
    )
    assert customer["tickets"] >= 1
    ids = [e["record_ids"] for e in _audit(server, actor="team_lead", action="read.identity")]
    assert len(ids) >= 2 and all(server.scope["customer_id"] in i for i in ids[:2])
    with server.client("admin") as c:
        assert c.get("/api/v1/audit/verify").json()["ok"] is True


def test_viewer_is_refused_verbatims_and_records(server: LiveServer) -> None:
    with server.client("viewer") as c:
        for path in (
            "/api/v1/feedback",
            f"/api/v1/tickets/{server.scope['ticket_id']}",
            f"/api/v1/customers/{server.scope['customer_id']}",
            "/api/v1/export/tickets.csv",
        ):
            _error(c.get(path), 403, "forbidden")
        themes = c.get("/api/v1/themes").json()
    assert all(t["quotes"] == [] for t in themes["themes"])


def test_export_is_audited_with_its_record_ids(server: LiveServer) -> None:
    with server.client("analyst") as c:
        r = c.get("/api/v1/export/tickets.csv", params={"channel": "phone"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(r.text))
    assert len(frame) > 0 and set(frame["channel"]) == {"phone"} and "description" not in frame.columns
    entry = _audit(server, actor="analyst", action="export")[0]
    assert sorted(eval(entry["record_ids"])) == sorted(frame["id"])


def test_upload_goes_through_validation_and_quarantine(server: LiveServer) -> None:
    team = f"T-{uuid.uuid4().hex[:6]}"
    csv = f"id,name,support_tier\n{team},Upload team,L2\n{team}-bad,Bad tier,L9\n".encode()
    with server.client("analyst") as c:
        r = c.post("/api/v1/ingest", data={"kind": "teams"}, files={"file": ("teams.csv", csv, "text/csv")})
        assert r.status_code == 201, r.text
        body = r.json()
        assert (
            body["received"] == 2 and body["accepted"] == 1 and body["rejected"] == 1 and body["reconciles"]
        )
        assert body["received"] == body["accepted"] + body["rejected"] and body["inserted"] == 1
        buf = io.BytesIO()
        pd.DataFrame({"id": [f"{team}-p"], "name": ["Parquet team"], "support_tier": ["L1"]}).to_parquet(buf)
        r = c.post(
            "/api/v1/ingest",
            data={"kind": "teams"},
            files={"file": ("teams.parquet", buf.getvalue(), "application/octet-stream")},
        )
        assert r.status_code == 201 and r.json()["inserted"] == 1
        _error(c.post("/api/v1/ingest", data={"kind": "teams"}, files={"file": ("x.exe", b"MZ", "x/y")}), 415)
        _error(
            c.post(
                "/api/v1/ingest",
                data={"kind": "teams", "profile": "nope"},
                files={"file": ("t.csv", csv, "text/csv")},
            ),
            422,
            "unknown_profile",
        )
    assert _audit(server, actor="analyst", action="ingest.upload")


def test_session_cookie_is_httponly_samesite_and_writes_need_csrf(server: LiveServer) -> None:
    with http_client(base_url=server.base_url) as c:
        r = c.post("/api/v1/auth/login", json={"username": "viewer", "password": PASSWORD})
        assert r.status_code == 200
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        csrf = r.json()["csrf_token"]
        assert c.get("/api/v1/me").json()["role"] == "viewer"
        _error(c.post("/api/v1/tokens", json={"days": 1}), 403, "csrf_failed")
        _error(
            c.post("/api/v1/tokens", json={"days": 1}, headers={"x-csrf-token": "forged"}), 403, "csrf_failed"
        )
        made = c.post("/api/v1/tokens", json={"days": 1}, headers={"x-csrf-token": csrf})
        assert made.status_code == 201 and made.json()["token"].startswith("idk_")
        assert c.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf}).status_code == 204
        _error(c.get("/api/v1/me"), 401)
    token = made.json()
    with http_client(base_url=server.base_url, headers={"Authorization": f"Bearer {token['token']}"}) as c:
        assert c.get("/api/v1/me").json()["via"] == "token"
        assert c.delete(f"/api/v1/tokens/{token['token_id']}").status_code == 204
        _error(c.get("/api/v1/me"), 401, "invalid_token")


def test_login_form_is_csrf_protected(server: LiveServer) -> None:
    with http_client(base_url=server.base_url, follow_redirects=False) as c:
        r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": "guess"})
        assert r.status_code == 403 and "insightdesk_session" not in r.headers.get("set-cookie", "")
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = c.post(
            "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token, "next": "/"}
        )
        assert r.status_code == 303 and "insightdesk_session=" in r.headers["set-cookie"]


def test_repeated_failed_logins_lock_the_account(server: LiveServer) -> None:
    name = f"lock{uuid.uuid4().hex[:6]}"
    with server.client("admin") as c:
        assert (
            c.post(
                "/api/v1/users", json={"username": name, "password": PASSWORD, "role": "viewer"}
            ).status_code
            == 201
        )
    with http_client(base_url=server.base_url, timeout=30) as c:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            _error(c.post("/api/v1/auth/login", json={"username": name, "password": "wrong-password"}), 401)
            times.append(time.perf_counter() - start)
        locked = c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    _error(locked, 429, "locked")
    assert int(locked.headers["retry-after"]) > 60
    assert times[4] > times[0] + 0.5  # slowdown before the lockout
    actions = [e["action"] for e in _audit(server, actor=name)]
    assert actions.count("login.failed") == 5 and "login.locked" in actions


def test_disabling_a_user_stops_their_token_at_once(server: LiveServer) -> None:
    name = f"dis{uuid.uuid4().hex[:6]}"
    with server.client("admin") as c:
        c.post("/api/v1/users", json={"username": name, "password": PASSWORD, "role": "analyst"})
    with http_client(base_url=server.base_url) as c:
        csrf = c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD}).json()[
            "csrf_token"
        ]
        secret = c.post("/api/v1/tokens", json={"days": 1}, headers={"x-csrf-token": csrf}).json()["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert http_get(server.base_url + "/api/v1/tickets", headers=headers).status_code == 200
    with server.client("admin") as c:
        assert c.patch(f"/api/v1/users/{name}", json={"active": False}).json()["active"] is False
    assert http_get(server.base_url + "/api/v1/tickets", headers=headers).status_code == 401
    assert "user.disable" in [e["action"] for e in _audit(server, action="user.*")]


def test_settings_changes_are_checked_audited_and_used(server: LiveServer) -> None:
    with server.client("analyst") as c:
        _error(c.put("/api/v1/settings/kpi.targets", json={"value": {"csat": 0.99}}), 403)
    with server.client("admin") as c:
        _error(c.put("/api/v1/settings/kpi.targets", json={"value": {"nosuch": 1}}), 422, "invalid_setting")
        _error(c.put("/api/v1/settings/dashboard.min_n", json={"value": -3}), 422, "invalid_setting")
        _error(c.put("/api/v1/settings/no.such", json={"value": 1}), 404)
        assert c.put("/api/v1/settings/kpi.targets", json={"value": {"csat": 0.99}}).status_code == 200
        tiles = c.get("/api/v1/overview").json()["tiles"]
        csat = next(t for t in tiles if t["name"] == "csat")
        assert csat["target"] == {"value": 0.99, "met": False}
        page = c.get("/")
        assert "target 99.0%: missed" in page.text or "missed" in page.text
        listed = {s["name"]: s for s in c.get("/api/v1/settings").json()["items"]}
        assert listed["kpi.targets"]["changed"] and listed["kpi.targets"]["updated_by"] == "admin"
        assert c.delete("/api/v1/settings/kpi.targets").json()["value"] == {}
        # The filter bar's legend names the low-n threshold in effect, not a fixed number.
        assert c.put("/api/v1/settings/dashboard.min_n", json={"value": 45}).status_code == 200
        assert '"low n" marks cells under 45' in c.get("/trends?kpi=csat").text
        c.delete("/api/v1/settings/dashboard.min_n")
    changes = _audit(server, action="settings.change")
    changes = [e for e in changes if e["record_ids"] == '["kpi.targets"]']
    assert len(changes) >= 2
    newest, older = (json.loads(e["detail"]) for e in changes[:2])
    assert newest == {"old": {"csat": 0.99}, "new": {}} and older == {"old": {}, "new": {"csat": 0.99}}
    assert changes[1]["actor"] == "admin" and changes[1]["ip"]


def test_audit_log_is_for_admins_and_exports_verify(server: LiveServer) -> None:
    with server.client("analyst") as c:
        _error(c.get("/api/v1/audit"), 403)
        _error(c.get("/api/v1/audit/export"), 403)
    with server.client("admin") as c:
        csv = c.get("/api/v1/audit/export", params={"format": "csv"})
        assert csv.status_code == 200
        frame = pd.read_csv(io.StringIO(csv.text))
        assert list(frame["seq"]) == list(range(1, len(frame) + 1))
        assert frame.iloc[-1]["action"] == "export" and frame.iloc[-1]["target"] == "audit_log"
        assert (frame["prev_hash"].iloc[1:].to_numpy() == frame["entry_hash"].iloc[:-1].to_numpy()).all()
        assert c.get("/api/v1/audit/verify").json()["ok"] is True


def test_pages_render_under_300_ms_once_warm(server: LiveServer) -> None:
    pages = [
        "/",
        "/trends?kpi=csat",
        "/compare?kpi=csat&by=channel",
        "/tickets",
        "/feedback",
        "/themes",
        "/alerts",
        f"/tickets/{server.scope['ticket_id']}",
        "/admin/users",
        "/admin/audit",
    ]
    timings = {}
    with server.client("admin") as c:
        for page in pages:
            assert c.get(page, headers={"accept": "text/html"}).status_code == 200, page
        for page in pages:
            r = c.get(page, headers={"accept": "text/html"})
            timings[page] = float(r.headers["server-timing"].split("dur=")[1])
            assert "Content-Security-Policy" in r.headers and r.headers["x-frame-options"] == "DENY"
    assert max(timings.values()) < 300, timings
