"""Done when: a ticket's resolution sends an email in the customer's language to a real SMTP server,
its link opens the response page, and the answer shows in the CSAT metric and in the funnel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from insightdesk.config import reset_settings
from insightdesk.governance import tokens, users
from insightdesk.governance.clock import utcnow
from insightdesk.metrics import compute
from insightdesk.store import Store
from insightdesk.surveys import Sender, publish, save_definition, scan_ticket_events
from tests.support.http import http_client
from tests.surveys.app_server import serving
from tests.surveys.desk import seed_customers, seed_tickets
from tests.surveys.smtp import SmtpServer, body_of

EXAMPLE = Path(__file__).resolve().parents[2] / "src/insightdesk/surveys/examples/post_resolution.yaml"


def no_delay_definition() -> str:
    """The shipped example, sent at once and at any hour (quiet hours have their own test)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    return text.replace("delay: 2h", "delay: 0m").replace('quiet_hours: "21:00-08:00"', "quiet_hours: null")


def test_resolution_to_email_to_answer_to_csat_and_funnel(
    store: Store, mail_settings: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    save_definition(store.engine, no_delay_definition())
    publish(store.engine, "post-resolution")
    seed_customers(store, tmp_path, now)
    with serving(store) as base:
        monkeypatch.setenv("INSIGHTDESK_PUBLIC_URL", base)
        reset_settings()
        # The resolution arrives by ingest; the scan plans, the sender sends.
        seed_tickets(store, tmp_path, now, [("T-1", "c-de", "chat", "resolved")])
        assert scan_ticket_events(store.engine).total == 1
        assert Sender(store.engine).run()["sent"] == 1

        (message,) = mail_settings.mailbox.to("bernd@example.org")
        assert message["Subject"] == "Wie zufrieden waren Sie mit unserer Hilfe?"
        assert message["Content-Language"] == "de"
        html, text = body_of(message, "html"), body_of(message, "plain")
        assert 'lang="de"' in html and "Keine Umfragen mehr erhalten" in text
        link = re.search(rf"{re.escape(base)}/s/[^\s\"]+", text)
        assert link is not None

        with http_client(timeout=10) as client:
            page = client.get(link.group(0))
            assert page.status_code == 200 and '<html lang="de">' in page.text
            assert "Wie zufrieden sind Sie" in page.text and "<script" not in page.text
            answers = [{"q_csat": "5"}, {"q_bot_helped": "yes"}, {"q_nps": "9", "q_effort": "6"}]
            for form in answers:
                cursor = re.search(r'name="cursor" value="(\d+)"', page.text)
                assert cursor is not None, page.text
                page = client.post(link.group(0), data={"cursor": cursor.group(1), **form})
                assert page.status_code == 200
            assert 'data-testid="thanks"' in page.text and "Vielen Dank" in page.text
            again = client.post(link.group(0), data={"cursor": "0", "q_csat": "1"})
            assert again.status_code == 409 and "bereits beantwortet" in again.text

            users.create_user(store.engine, "ana", "a-long-password", "analyst", actor=users.Actor("cli:t"))
            secret = tokens.create_token(store.engine, "ana", actor=users.Actor("cli:t"), days=1)["token"]
            health = client.get(
                base + "/api/v1/surveys/health", headers={"Authorization": f"Bearer {secret}"}
            )
            assert health.status_code == 200
            (row,) = health.json()["funnel"]
            assert (row["planned"], row["sent"], row["opened"], row["answered"]) == (1, 1, 1, 1)
            auth = {"Authorization": f"Bearer {secret}", "Accept": "text/html"}
            dashboard = client.get(base + "/surveys", headers=auth)
            assert dashboard.status_code == 200 and 'data-testid="funnel"' in dashboard.text
            assert "100.0%" in dashboard.text  # 1 of 1 answered, with its interval beside it
            editor = client.get(base + "/surveys/editor?survey=post-resolution", headers=auth)
            assert "survey: post-resolution" in editor.text
            refused = client.post(
                base + "/surveys/editor",
                headers=auth,
                data={"definition": "survey: x\nname: y\n", "action": "save"},
            )
            assert refused.status_code == 422 and "languages: Field required" in refused.text

    csat = compute("csat", store=store)
    assert int(csat["n"].iloc[0]) == 1 and float(csat["value"].iloc[0]) == 1.0
    feedback = store.query_df(
        "select ticket_id, agent_id, customer_id, scale, score from feedback order by scale"
    )
    assert set(feedback.scale) == {"csat", "nps", "ces"}
    assert set(feedback.ticket_id) == {"generic:T-1"} and set(feedback.agent_id) == {"generic:a-1"}
    assert store.scalar("select version from survey_responses") == 1
