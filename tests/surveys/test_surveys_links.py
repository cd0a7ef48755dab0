"""Survey links over real HTTP: tampered, expired and reused links get a clear page (never a 500),
answers are checked against the scales, partial answers are kept page by page, and a response is
taken once however often (and however concurrently) its last page is posted."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest

from insightdesk.config import reset_settings
from insightdesk.governance.clock import utcnow
from insightdesk.store import Store
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.surveys import Sender, link_signer, scan_ticket_events
from tests.support.http import http_client, http_post
from tests.surveys.app_server import serving
from tests.surveys.seed import add_customer, add_ticket, publish_example
from tests.surveys.smtp import SmtpServer

AT_ONCE = {"delay: 2h": "delay: 0m", 'quiet_hours: "21:00-08:00"': "quiet_hours: null"}


def _cursor(html: str) -> str:
    found = re.search(r'name="cursor" value="(\d+)"', html)
    assert found is not None, html
    return found.group(1)


def test_links_pages_and_intake(
    store: Store, mail_settings: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = store.engine
    now = utcnow()
    publish_example(engine, **AT_ONCE)
    for n in range(3):
        add_ticket(engine, f"t-{n}", add_customer(engine, f"c{n}"), now=now, channel="chat")
    scan_ticket_events(engine)
    assert Sender(engine).run()["sent"] == 3
    signer = link_signer(engine)
    ids = list(
        store.query_df("select invitation_id from survey_invitations order by customer_id").invitation_id
    )
    with store.begin() as conn:  # the third link has expired
        conn.execute(
            survey_invitations.update()
            .where(survey_invitations.c.invitation_id == ids[2])
            .values(expires_at=now - dt.timedelta(minutes=1))
        )
    with serving(store) as base, http_client(base_url=base, timeout=10) as client:
        monkeypatch.setenv("INSIGHTDESK_PUBLIC_URL", base)
        reset_settings()
        first, second, expired = (f"/s/{signer.survey_token(i)}" for i in ids)
        assert client.get(expired).status_code == 410
        tampered = first[:-3] + ("abc" if not first.endswith("abc") else "xyz")
        for bad in (tampered, "/s/not-a-token", "/s/" + "x" * 3000, f"/s/{signer.unsubscribe_token(ids[0])}"):
            page = client.get(bad)
            assert page.status_code == 400 and "not valid" in page.text, bad
        assert client.post(tampered, data={"cursor": "0", "q_csat": "5"}).status_code == 400

        # Out of scale or missing: the same page again with the problem, nothing stored.
        page = client.post(first, data={"cursor": "0", "q_csat": "11"})
        assert page.status_code == 200 and "must be a whole number from 1 to 5" in page.text
        assert "aria-invalid" in page.text or 'aria-describedby="e-csat"' in page.text
        assert client.post(first, data={"cursor": "0"}).text.count("Please answer this question.") == 2
        assert store.count("survey_responses") == 0

        # Partial answers are kept: a new visit resumes where the customer stopped.
        page = client.post(first, data={"cursor": "0", "q_csat": "1"})
        assert "What went wrong?" in page.text
        resumed = client.get(first)
        assert "What went wrong?" in resumed.text and _cursor(resumed.text) == _cursor(page.text)
        assert store.scalar("select status from survey_responses") == "partial"
        # A stale page posted again (back button) changes nothing.
        assert "What went wrong?" in client.post(first, data={"cursor": "0", "q_csat": "5"}).text
        page = client.post(
            first, data={"cursor": _cursor(page.text), "q_what_went_wrong": "Too slow", "q_bot_helped": "no"}
        )
        final = {"cursor": _cursor(page.text), "q_nps": "3", "q_effort": "2"}

        # The last page posted by eight clients at once: one response, one set of feedback rows.
        codes: list[int] = []

        def post() -> None:
            codes.append(http_post(base + first, data=final, timeout=20).status_code)

        threads = [threading.Thread(target=post) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(codes).count(200) == 1 and set(codes) <= {200, 409}, codes
        assert client.get(first).status_code == 409
        assert store.count("survey_responses") == 1
        assert store.scalar("select count(*) from feedback where source_system = 'insightdesk'") == 4

        # The in-app form: the same intake as JSON, with the link as its only credential.
        api = f"/api/v1{second}"
        shown = client.get(api).json()
        assert shown["state"] == "open" and shown["questions"][0]["scale"] == [1, 5]
        wrong = client.post(api, json={"cursor": shown["cursor"], "answers": {"csat": 9}}).json()
        assert wrong["problems"] == {"csat": "must be a whole number from 1 to 5"}
        step = client.post(api, json={"cursor": 0, "answers": {"csat": 4}}).json()
        assert [q["id"] for q in step["questions"]] == ["bot_helped"]
        assert client.get(f"/api/v1/s/{tampered.removeprefix('/s/')}").json()["state"] == "invalid"

        # Unsubscribing needs a POST (mail scanners follow GET links).
        leave = f"/s/unsubscribe/{signer.unsubscribe_token(ids[1])}"
        assert "Do not send me surveys" in client.get(leave).text
        assert store.scalar("select count(*) from consent_events where source = 'unsubscribe'") == 0
        assert "will not receive surveys" in client.post(leave).text
        assert client.post("/s/unsubscribe/forged").status_code == 400
