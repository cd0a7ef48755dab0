"""The identity command group, routes and review page on one DuckDB store (the services under them
run on both engines in test_identity_store.py): results, role checks, audited decisions, and a
one-line error with exit code 2 for every user mistake."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.cli import app
from insightdesk.store import open_store
from tests.identity.seed import add_customers, people

CONFLICT = pd.DataFrame(
    [
        {
            "record_id": "crm:fam1",
            "name": "Hilda Brackwater",
            "email": "family@home.test",
            "phone": None,
            "country": "GB",
            "person": -1,
        },
        {
            "record_id": "chat:fam2",
            "name": "Tomasz Quell",
            "email": "family@home.test",
            "phone": None,
            "country": "GB",
            "person": -2,
        },
    ]
)


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def identity_db(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Path:
    """A store of 82 customer records resolved by `insightdesk identity run`."""
    db = tmp_path_factory.mktemp("identity-interfaces") / "store.duckdb"
    shutil.copyfile(duckdb_template, db)
    with open_store(db) as store:
        add_customers(store.engine, pd.concat([people(80, seed=11), CONFLICT], ignore_index=True))
    code, out, err = _cli("identity", "run", "--db", str(db), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["records"] == 82
    return db


@pytest.fixture(scope="module")
def served(identity_db: Path) -> Iterator[tuple[TestClient, Path]]:
    """The app over that store with an admin and an analyst token; made after the CLI test ran
    (a DuckDB file has one holder at a time)."""
    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user

    db = identity_db
    actor = Actor("cli:tests", "admin", "cli")
    with open_store(db) as store:
        headers = {}
        for role in ("admin", "analyst"):
            create_user(store.engine, f"id-{role}", "a-long-password", role, actor=actor)
            token = create_token(store.engine, f"id-{role}", actor=actor, name="t", days=1)["token"]
            headers[role] = {"Authorization": f"Bearer {token}"}
    client = TestClient(create_app(str(db), ServerSettings(warm_up=False)))
    client.headers_by_role = headers  # type: ignore[attr-defined]
    with client:
        yield client, db


def test_the_cli_reports_and_refuses_mistakes_in_one_line(identity_db: Path) -> None:
    db = str(identity_db)
    code, out, _ = _cli("identity", "status", "--db", db, "--format", "json")
    status = json.loads(out)
    assert code == 0 and status["records"] == 82 and status["review"]["pending"] >= 1
    code, out, _ = _cli("identity", "review", "--db", db, "--limit", "50", "--format", "json")
    names = [{i["left"]["name"], i["right"]["name"]} for i in json.loads(out)["items"]]
    first = json.loads(out)["items"][0]
    assert code == 0 and {"Hilda Brackwater", "Tomasz Quell"} in names and first["reason"] == "key_conflict"
    code, out, _ = _cli("identity", "review", "--db", db, "--limit", "5")
    assert code == 0 and "Review queue" in out and first["pair_id"] in out
    for args, message in [
        (("identity", "review", "--accept", "nosuchpair"), "no review pair 'nosuchpair'"),
        (("identity", "unmerge", "P-nobody"), "no person 'P-nobody'"),
        (("identity", "run", "--full", "--incremental"), "exclude each other"),
        (("identity", "run", "--threshold", "2"), "threshold 2.0 must be in (0, 1]"),
        (("identity", "review", "--status", "maybe"), "status 'maybe' is not one of"),
    ]:
        code, out, err = _cli(*args, "--db", db)
        assert code == 2 and message in err and "Traceback" not in err + out, (args, err)


def test_the_api_serves_the_queue_to_resolvers_only_and_audits_decisions(
    served: tuple[TestClient, Path],
) -> None:
    client, _ = served
    admin, analyst = client.headers_by_role["admin"], client.headers_by_role["analyst"]  # type: ignore[attr-defined]
    assert client.get("/api/v1/identity/status", headers=analyst).json()["records"] == 82
    assert client.get("/api/v1/identity/review", headers=analyst).status_code == 403
    queue = client.get("/api/v1/identity/review", params={"limit": 500}, headers=admin).json()
    family = {"Hilda Brackwater", "Tomasz Quell"}
    conflict = next(i for i in queue["items"] if {i["left"]["name"], i["right"]["name"]} == family)
    assert conflict["reason"] == "key_conflict" and conflict["left"]["email"] == conflict["right"]["email"]
    assert client.get("/api/v1/identity/review", params={"status": "x"}, headers=admin).status_code == 422
    bogus = client.post("/api/v1/identity/review/nosuchpair", json={"decision": "accept"}, headers=admin)
    assert bogus.status_code == 404 and "no review pair" in bogus.json()["error"]["message"]
    decided = client.post(
        f"/api/v1/identity/review/{conflict['pair_id']}", json={"decision": "reject"}, headers=admin
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "reject"
    after = client.get("/api/v1/identity/review", params={"limit": 500}, headers=admin).json()
    assert after["total"] == queue["total"] - 1
    rejected = client.get("/api/v1/identity/review", params={"status": "rejected"}, headers=admin).json()
    assert [i["pair_id"] for i in rejected["items"]] == [conflict["pair_id"]]
    person = conflict["left"]["person_id"]
    alone = client.post(f"/api/v1/identity/persons/{person}/unmerge", json={}, headers=admin)
    assert alone.status_code == 422 and "has one record" in alone.json()["error"]["message"]
    missing = client.post("/api/v1/identity/persons/P-nobody/unmerge", json={}, headers=admin)
    assert missing.status_code == 404
    log = client.get("/api/v1/audit", params={"action": "identity.review.decide"}, headers=admin)
    assert log.status_code == 200 and conflict["left"]["record_id"] in json.dumps(log.json())
    reads = client.get("/api/v1/audit", params={"action": "identity.review.read"}, headers=admin).json()
    assert "id-admin" in json.dumps(reads)  # every read of the queue names its reader


def test_the_review_page_shows_pairs_side_by_side_and_decides(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    admin, analyst = client.headers_by_role["admin"], client.headers_by_role["analyst"]  # type: ignore[attr-defined]
    html = {**admin, "accept": "text/html"}
    assert client.get("/identity", headers={**analyst, "accept": "text/html"}).status_code == 403
    page = client.get("/identity", headers=html)
    assert (
        page.status_code == 200
        and 'data-testid="identity-pair"' in page.text
        and 'href="/identity"' in page.text
    )
    pair = page.text.split('data-pair="', 1)[1].split('"', 1)[0]
    done = client.post("/identity/review", data={"pair_id": pair, "decision": "accept"}, headers=html)
    assert done.status_code == 200 and 'role="status"' in done.text and f'data-pair="{pair}"' not in done.text
    refused = client.post(
        "/identity/review", data={"pair_id": "nosuchpair", "decision": "accept"}, headers=html
    )
    assert refused.status_code == 422 and "no review pair" in refused.text
