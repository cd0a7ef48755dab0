"""The sample's surveys carry scores only, and the dashboard says so (issue 16, item 13): no comment
column or panel that is always empty. A store whose answers do have comments keeps them."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.store import open_store
from tests.support.web_server import LiveServer

HTML = {"accept": "text/html"}


def test_the_sample_says_its_surveys_carry_scores_only(server: LiveServer) -> None:
    with server.client("admin") as c:
        answered = c.get("/api/v1/feedback", params={"scale": "csat", "limit": 5}).json()["items"]
        page = c.get("/feedback", headers=HTML).text
        answer = next(a for a in answered if a["score"] is not None and a["ticket_id"])
        ticket = c.get(f"/tickets/{answer['ticket_id']}", headers=HTML).text
    # the data really has no comment: the API's answers say "empty", not "hidden" or "not analysed"
    assert answered and {a["text_status"] for a in answered} == {"empty"}
    assert 'data-testid="scores-only"' in page and "Surveys carry scores only" in page
    assert "no permissively licensed source holds survey comments" in page
    assert "<th>comment</th>" not in page and "with_comment=true" not in page and "raw=true" not in page
    assert 'data-testid="score-only">score only: no comment<' in ticket
    assert "(none)" not in ticket.split("<h2>Feedback</h2>")[1].split("<h2>Transcript</h2>")[0]


def test_a_store_with_comments_keeps_its_comment_column(tmp_path: Path, duckdb_template: Path) -> None:
    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user
    from tests.support.text_seed import seed_texts

    db = tmp_path / "comments.duckdb"
    shutil.copyfile(duckdb_template, db)
    with open_store(db) as store:
        seed_texts(store)  # two answers, both with a comment
        actor = Actor("cli:tests", "admin", "cli")
        create_user(store.engine, "analyst", "a-long-password", "analyst", actor=actor)
        token = create_token(store.engine, "analyst", actor=actor, name="t", days=1)["token"]
    with TestClient(create_app(str(db), ServerSettings(warm_up=False))) as c:
        page = c.get("/feedback", headers={**HTML, "Authorization": f"Bearer {token}"}).text
    assert "<th>comment</th>" in page and "with_comment=true" in page
    assert "Surveys carry scores only" not in page
