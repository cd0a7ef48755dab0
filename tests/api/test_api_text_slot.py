"""Text analytics slot into the pages when present: redacted comments and themes from its tables.

Rows are written straight into the text tables of migration 0002 (the contract), not through the
text pipeline, so this tests the dashboard's side only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.governance import tokens, users
from insightdesk.store import open_store
from insightdesk.store.tables.canonical import feedback, interactions, tickets

T0 = dt.datetime(2026, 1, 5, 9, 0)
RAW = "Hi, I am Sarah Miller, call me on +44 20 7946 0958: the app charged my card twice"
REDACTED = "Hi, I am <PERSON_1>, call me on <PHONE_1>: the app charged my card twice"


def _lineage(sid: str) -> dict[str, object]:
    return {
        "id": f"test:{sid}",
        "source_system": "test",
        "source_id": sid,
        "batch_id": "b-test",
        "record_hash": sid,
        "first_seen_at": T0,
        "last_changed_at": T0,
    }


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    db = str(tmp_path / "text.duckdb")
    actor = users.Actor("cli:t")
    with open_store(db) as store, store.begin() as conn:
        conn.execute(
            tickets.insert().values(
                **_lineage("t1"),
                type="incident",
                status="closed",
                created_at=T0,
                channel="chat",
                subject="Double charge",
                description=RAW,
            )
        )
        conn.execute(
            feedback.insert().values(
                **_lineage("f1"),
                scale="csat",
                score=1,
                scale_min=1,
                scale_max=5,
                comment=RAW,
                ticket_id="test:t1",
                answered_at=T0,
            )
        )
        conn.execute(
            interactions.insert().values(
                **_lineage("m1"),
                conversation_id="test:c1",
                ticket_id="test:t1",
                author_role="customer",
                body=RAW,
                occurred_at=T0,
                seq=0,
            )
        )
        common = {
            "text_sha256": "x",
            "language": "en",
            "model_name": "test",
            "model_version": "1",
            "analysed_at": T0,
            "sentiment_label": "negative",
            "theme_id": "T0001",
            "occurred_at": T0,
            "redacted_text": REDACTED,
        }
        for entity, rid, field in (
            ("feedback", "test:f1", "comment"),
            ("interactions", "test:m1", "body"),
            ("tickets", "test:t1", "description"),
        ):
            conn.execute(
                sa.text(
                    "insert into text_analyses (entity, record_id, field, text_sha256, language, redacted_text, "
                    "sentiment_label, theme_id, occurred_at, model_name, model_version, analysed_at) values "
                    "(:entity, :rid, :field, :text_sha256, :language, :redacted_text, :sentiment_label, :theme_id, "
                    ":occurred_at, :model_name, :model_version, :analysed_at)"
                ),
                {"entity": entity, "rid": rid, "field": field, **common},
            )
        conn.execute(
            sa.text(
                "insert into themes (theme_id, label, auto_label, label_source, keywords, quotes, status, size, "
                "created_at, updated_at) values ('T0001', 'Double charges', 'charge card twice', 'user', :kw, :q, "
                "'active', 3, :t, :t)"
            ),
            {"kw": json.dumps(["charge", "card", "twice"]), "q": json.dumps([REDACTED]), "t": T0},
        )
    with open_store(db) as store:
        for name, role in (("ana", "analyst"), ("vic", "viewer")):
            users.create_user(store.engine, name, "a-long-password", role, actor=actor)
        secrets = {
            n: tokens.create_token(store.engine, n, actor=actor, days=1)["token"] for n in ("ana", "vic")
        }
    # Entered, so the app's shutdown closes its store in this thread: a DuckDB connection left for
    # the garbage collector is destroyed at a random later moment, with other threads alive.
    with TestClient(create_app(db, ServerSettings(warm_up=False))) as c:
        c.secrets = secrets  # type: ignore[attr-defined]
        yield c


def _as(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.secrets[name]}"}  # type: ignore[attr-defined]


def test_redacted_text_by_default_raw_on_request(client: TestClient) -> None:
    with client:
        d = client.get("/api/v1/tickets/test:t1", headers=_as(client, "ana")).json()
        assert d["ticket"]["description"] == REDACTED and d["ticket"]["description_status"] == "redacted"
        assert d["feedback"][0]["comment"] == REDACTED and d["transcript"][0]["body"] == REDACTED
        raw = client.get("/api/v1/tickets/test:t1?raw=true", headers=_as(client, "ana")).json()
        assert raw["feedback"][0]["comment"] == RAW and raw["feedback"][0]["text_status"] == "raw"
        listed = client.get("/api/v1/feedback?with_comment=true", headers=_as(client, "ana")).json()["items"]
        assert [i["comment"] for i in listed] == [REDACTED]
        page = client.get("/tickets/test:t1", headers={**_as(client, "ana"), "accept": "text/html"}).text
        assert "&lt;PERSON_1&gt;" in page and "Sarah Miller" not in page


def test_themes_and_pain_points_show_when_computed(client: TestClient) -> None:
    with client:
        themes = client.get("/api/v1/themes", headers=_as(client, "ana")).json()
        assert themes["computed"] is True
        t = themes["themes"][0]
        assert t["label"] == "Double charges" and t["negative_share"] == 1.0 and t["quotes"] == [REDACTED]
        assert client.get("/api/v1/themes", headers=_as(client, "vic")).json()["themes"][0]["quotes"] == []
        pains = client.get("/api/v1/pain-points", headers=_as(client, "vic")).json()
        assert pains["source"] == "themes" and pains["items"][0]["label"] == "Double charges"
        page = client.get("/themes", headers={**_as(client, "ana"), "accept": "text/html"}).text
        assert "Double charges" in page and "not computed yet" not in page
