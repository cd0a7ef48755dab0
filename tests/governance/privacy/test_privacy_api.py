"""The privacy routes over real HTTP (PostgreSQL server): four eyes, export content, erasure, consent."""

from __future__ import annotations

import uuid

from insightdesk.governance.tokens import create_token
from insightdesk.governance.users import Actor, create_user
from insightdesk.store import open_store
from tests.support.web_server import PASSWORD, LiveServer


def _second_admin(server: LiveServer) -> str:
    """A second account with privacy.manage, for the four eyes; returns its API token."""
    name = f"dpo{uuid.uuid4().hex[:8]}"
    with open_store(server.target) as store:
        create_user(store.engine, name, PASSWORD, "admin", actor=Actor("cli:tests", "admin", "cli"))
        return str(
            create_token(store.engine, name, actor=Actor("cli:tests", "admin", "cli"), name="t", days=1)[
                "token"
            ]
        )


def test_requests_move_through_four_eyes_and_erase_over_http(pg_server: LiveServer) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    email = f"api.{tag.lower()}@example.org"
    customers = f"id,name,email,consent_survey\nAPI{tag},Api Person {tag},{email},true\n".encode()
    tickets = f"id,type,channel,subject,customer_id,created_at,status\nAT{tag},incident,email,help me {tag},API{tag},2025-01-02T10:00:00Z,closed\n".encode()
    second = _second_admin(pg_server)
    customer_id = f"generic:API{tag}"
    with pg_server.client("admin") as admin, pg_server.client("viewer") as viewer:
        for kind, body in (("customers", customers), ("tickets", tickets)):
            assert (
                admin.post(
                    "/api/v1/ingest", data={"kind": kind}, files={"file": (f"{kind}.csv", body)}
                ).status_code
                < 300
            )
        assert viewer.get("/api/v1/privacy/requests").status_code == 403
        consent = admin.get(f"/api/v1/privacy/consent/{customer_id}").json()
        assert consent["purposes"] == {
            "survey": True,
            "contact": False,
            "text_analytics": False,
            "model_training": False,
        }
        withdrawn = admin.post(
            "/api/v1/privacy/consent",
            json={"customer_id": customer_id, "purpose": "survey", "granted": False},
        )
        assert withdrawn.status_code == 201 and withdrawn.json()["purposes"]["survey"] is False
        # An export: verified, then carried out at once (no approval needed); the answer holds the rows.
        export = admin.post(
            "/api/v1/privacy/requests", json={"kind": "export", "email": email.upper()}
        ).json()
        assert (
            admin.post(f"/api/v1/privacy/requests/{export['request_id']}/verify").json()["state"]
            == "verified"
        )
        done = admin.post(f"/api/v1/privacy/requests/{export['request_id']}/run").json()
        assert done["request"]["state"] == "done" and done["counts"]["tickets"] == 1
        assert done["export"]["tables"]["customers"][0]["name"] == f"Api Person {tag}"
        # An unknown person: no records, and the request is refused with that reason.
        nobody = admin.post(
            "/api/v1/privacy/requests", json={"kind": "export", "email": "no@one.example"}
        ).json()
        admin.post(f"/api/v1/privacy/requests/{nobody['request_id']}/verify")
        missing = admin.post(f"/api/v1/privacy/requests/{nobody['request_id']}/run")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_records"
        # An erasure needs a second person.
        erasure = admin.post(
            "/api/v1/privacy/requests", json={"kind": "erasure", "customer_id": customer_id}
        ).json()
        rid = erasure["request_id"]
        assert erasure["state"] == "received" and not erasure["overdue"]
        assert admin.post(f"/api/v1/privacy/requests/{rid}/run").status_code == 409
        admin.post(f"/api/v1/privacy/requests/{rid}/verify")
        own = admin.post(f"/api/v1/privacy/requests/{rid}/approve")
        assert own.status_code == 409 and "cannot approve it" in own.json()["error"]["message"]
        with pg_server.client() as other:
            other.headers["Authorization"] = f"Bearer {second}"
            assert other.post(f"/api/v1/privacy/requests/{rid}/approve").json()["state"] == "approved"
        erased = admin.post(f"/api/v1/privacy/requests/{rid}/run").json()
        assert erased["request"]["subject"] is None and erased["counts"]["tombstones"] == 2
        assert erased["compaction_pending"] is False  # PostgreSQL: VACUUM FULL ran
        assert admin.get(f"/api/v1/customers/{customer_id}").status_code == 404
        listed = admin.get("/api/v1/privacy/requests").json()["items"]
        assert {r["request_id"]: r["state"] for r in listed}[nobody["request_id"]] == "refused"
        bad = admin.post("/api/v1/privacy/requests", json={"kind": "erasure"})
        assert bad.status_code == 422
        # The page lists the requests and downloads an export as a ZIP.
        page = admin.get("/privacy")
        assert page.status_code == 200 and rid in page.text and "Privacy requests" in page.text
        assert viewer.get("/privacy", headers={"accept": "text/html"}).status_code == 403
        filed = admin.post(
            "/api/v1/privacy/requests", json={"kind": "export", "email": "kept@example.org"}
        ).json()
        form = {"action": "verify", "request_id": filed["request_id"]}
        assert "is verified" in admin.post("/privacy", data=form).text
