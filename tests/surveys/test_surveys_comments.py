"""A free-text answer gets its text analysis with no manual step: in the server right after the answer
(HTML page and in-app JSON), and in `surveys run` for any comment the server did not get to."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest

from insightdesk.config import reset_settings
from insightdesk.governance.clock import utcnow
from insightdesk.governance.privacy import record_consent
from insightdesk.store import Store
from insightdesk.store.tables.text import themes
from insightdesk.surveys import Sender, link_signer, scan_ticket_events, submit_page
from insightdesk.surveys.comment_analysis import analyse_pending, pending_comments
from insightdesk.text.embed import load_embedder
from tests.support.http import http_client
from tests.surveys.app_server import serving
from tests.surveys.seed import PAST, add_customer, add_ticket, publish_example
from tests.surveys.smtp import SmtpServer

AT_ONCE = {"delay: 2h": "delay: 0m", 'quiet_hours: "21:00-08:00"': "quiet_hours: null"}
SLOW = "The agent was very slow and nobody called me back on +44 20 7946 0958 for three days."


def _cursor(html: str) -> str:
    found = re.search(r'name="cursor" value="(\d+)"', html)
    assert found is not None, html
    return found.group(1)


def _add_theme(store: Store) -> None:
    """An existing theme about slow call-backs: new comments are assigned to it, not refitted."""
    embedder = load_embedder()
    centroid = embedder.encode(["agent slow, nobody called me back for days"])[0]
    now = utcnow()
    with store.begin() as conn:
        conn.execute(
            themes.insert().values(
                theme_id="T0001",
                label="slow call-backs",
                label_source="auto",
                status="active",
                radius=0.3,
                centroid=json.dumps([float(x) for x in centroid]),
                model_name=embedder.name,
                model_version=embedder.version,
                created_at=now,
                updated_at=now,
            )
        )


def _analysis(store: Store, feedback_id: str, wait_s: float = 30.0) -> dict[str, object]:
    deadline = time.monotonic() + wait_s
    while True:
        rows = store.query_df(
            "select * from text_analyses where entity = 'feedback' and record_id = :r", {"r": feedback_id}
        )
        if len(rows) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(rows) == 1, (
        f"no text analysis for {feedback_id} after {wait_s} s; "
        f"{store.count('text_analyses')} analyses, still pending: {pending_comments(store)}"
    )
    return dict(rows.iloc[0])


def _setup(store: Store, n: int) -> list[str]:
    engine = store.engine
    now = utcnow()
    publish_example(engine, **AT_ONCE)
    for i in range(n):
        add_ticket(engine, f"tc-{i}", add_customer(engine, f"cc{i}"), now=now, channel="chat")
        with engine.begin() as conn:  # text analysis reads only what the consent ledger allows
            record_consent(conn, f"cc{i}", "text_analytics", True, "import", "test", at=PAST)
    scan_ticket_events(engine)
    assert Sender(engine).run()["sent"] == n
    _add_theme(store)
    return list(
        store.query_df("select invitation_id from survey_invitations order by customer_id").invitation_id
    )


def test_server_analyses_a_comment_after_the_answer(
    store: Store, mail_settings: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _setup(store, 2)
    signer = link_signer(store.engine)
    with serving(store) as base, http_client(base_url=base, timeout=20) as client:
        monkeypatch.setenv("INSIGHTDESK_PUBLIC_URL", base)
        reset_settings()
        link = f"/s/{signer.survey_token(first)}"
        page = client.post(link, data={"cursor": "0", "q_csat": "1"})
        page = client.post(
            link, data={"cursor": _cursor(page.text), "q_what_went_wrong": SLOW, "q_bot_helped": "no"}
        )
        # Partial answers are not feedback yet: nothing to analyse until the response completes.
        assert store.count("text_analyses") == 0
        done = client.post(link, data={"cursor": _cursor(page.text), "q_nps": "2", "q_effort": "2"})
        assert done.status_code == 200
        row = _analysis(store, f"insightdesk:{first}:what_went_wrong")
        assert row["language"] == "en" and row["sentiment_label"] == "negative"
        assert "7946" not in str(row["redacted_text"]) and json.loads(str(row["pii_counts"])) == {"PHONE": 1}
        assert row["theme_id"] == "T0001" and row["ticket_id"] == "tc-0"

        # The in-app form takes the same path.
        api = f"/api/v1/s/{signer.survey_token(second)}"
        step = client.post(api, json={"cursor": 0, "answers": {"csat": 2}}).json()
        step = client.post(
            api,
            json={
                "cursor": step["cursor"],
                "answers": {"what_went_wrong": "Nobody called me back.", "bot_helped": "yes"},
            },
        ).json()
        assert (
            client.post(api, json={"cursor": step["cursor"], "answers": {"nps": 5}}).json()["state"] == "done"
        )
        assert _analysis(store, f"insightdesk:{second}:what_went_wrong")["language"] in ("en", "unknown")
    # Only free text is analysed: the scores are feedback rows without a comment.
    assert store.count("text_analyses") == 2
    assert pending_comments(store) == []


def test_the_worker_analyses_comments_the_server_did_not(store: Store, mail_settings: SmtpServer) -> None:
    invitations = _setup(store, 2)
    with store.begin() as conn:  # the second customer has since withdrawn text analytics consent
        record_consent(conn, "cc1", "text_analytics", False, "api", "test", at=PAST + dt.timedelta(days=1))
    signer = link_signer(store.engine)
    # Answered through the intake alone (a server killed before its background task ran).
    for invitation in invitations:
        token = signer.survey_token(invitation)
        page = submit_page(store.engine, signer, token, 0, {"q_csat": ["2"]})
        page = submit_page(
            store.engine, signer, token, page.cursor, {"q_what_went_wrong": [SLOW], "q_bot_helped": ["no"]}
        )
        page = submit_page(store.engine, signer, token, page.cursor, {"q_nps": ["1"], "q_effort": ["1"]})
        assert page.state == "done" and page.comment_ids == [f"insightdesk:{invitation}:what_went_wrong"]
    feedback_id, withheld = (f"insightdesk:{i}:what_went_wrong" for i in invitations)
    assert sorted(pending_comments(store)) == sorted([feedback_id, withheld])
    assert analyse_pending(store) == 1  # the consent ledger leaves the second out
    assert _analysis(store, feedback_id, wait_s=0)["theme_id"] == "T0001"
    assert pending_comments(store) == [withheld] and analyse_pending(store) == 0
    assert store.count("text_analyses") == 1
    # `text analyze` afterwards finds it done with the same models.
    from insightdesk.text.pipeline_store import analyze_store

    report = analyze_store(store, entities=["feedback"])
    assert report.analysed == 0 and report.skipped == 1
