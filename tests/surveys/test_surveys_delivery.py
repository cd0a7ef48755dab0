"""Delivery through a real SMTP server on loopback: HTML and text per language, retries with backoff
for transient errors, a hard bounce fails and suppresses, a crashed sender's claim is taken once."""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.governance.privacy import has_consent
from insightdesk.store import Store
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.surveys import Sender, SmtpConfig, link_signer, scan_ticket_events
from insightdesk.surveys.outbox import MAX_ATTEMPTS, backoff, message_id_for
from insightdesk.surveys.suppressions import unsubscribe
from tests.surveys.seed import add_customer, add_ticket, publish_example
from tests.surveys.smtp import SmtpServer, body_of, free_port

AT_ONCE = {"delay: 2h": "delay: 0m", 'quiet_hours: "21:00-08:00"': "quiet_hours: null"}


def _status(store: Store) -> dict[str, tuple[str, str | None, int]]:
    rows = store.query_df("select customer_id, status, reason, attempts from survey_invitations")
    return {r.customer_id: (r.status, r.reason, int(r.attempts)) for r in rows.itertuples()}


def test_transient_errors_retry_and_terminal_ones_stop(store: Store, mail_settings: SmtpServer) -> None:
    engine = store.engine
    now = utcnow()
    publish_example(engine, **AT_ONCE)
    for customer in ("fine", "gone", "later"):
        add_ticket(engine, f"t-{customer}", add_customer(engine, customer, language="de"), now=now)
    scan_ticket_events(engine)
    now = utcnow()  # the sender's clock: after the planning
    mail_settings.mailbox.refuse.update(
        {
            "gone@example.org": "550 5.1.1 <gone@example.org>: no such user",
            "later@example.org": "451 4.2.1 mailbox busy, try later",
        }
    )
    first = Sender(engine, clock=lambda: now).run()
    assert first.counts == {"sent": 1, "bounced": 1, "retry": 1}
    assert _status(store) == {
        "fine": ("sent", None, 1),
        "gone": ("failed", "bounced", 1),
        "later": ("scheduled", None, 1),
    }
    # The bounce suppresses the customer on email; its reply is stored without the address.
    detail = store.scalar("select detail from survey_invitations where customer_id = 'gone'")
    assert "550" in detail and "gone@example.org" not in detail
    assert store.scalar("select reason from survey_suppressions where customer_id = 'gone'") == "bounced"
    # Not before its backoff; then the mail server is down (transient) until the attempts run out.
    assert Sender(engine, clock=lambda: now).run().counts == {}
    down = SmtpConfig("127.0.0.1", free_port(), None, None, "x@desk.example", starttls=False, timeout_s=2)
    clock = now
    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock += backoff(attempt - 1) + dt.timedelta(seconds=1)
        Sender(engine, mail_config=down, clock=functools.partial(lambda at: at, clock)).run()
    assert _status(store)["later"] == ("failed", "delivery_failed", MAX_ATTEMPTS)
    assert "cannot reach the mail server" in store.scalar(
        "select detail from survey_invitations where customer_id = 'later'"
    )

    (message,) = mail_settings.mailbox.to("fine@example.org")
    assert message["Message-ID"] == message_id_for(
        store.scalar("select invitation_id from survey_invitations where customer_id = 'fine'")
    )
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/s/unsubscribe/")
    assert "Ihre Anfrage wurde gelöst" in body_of(message, "html")
    assert "Ihre Anfrage wurde gelöst" in body_of(message, "plain")
    assert store.scalar("select first_sent_at from survey_versions") is not None  # now immutable


def test_a_crashed_senders_claim_is_sent_once_after_its_lease(
    store: Store, mail_settings: SmtpServer
) -> None:
    engine = store.engine
    now = utcnow()
    publish_example(engine, **AT_ONCE)
    add_ticket(engine, "t-1", add_customer(engine, "c1"), now=now)
    scan_ticket_events(engine)
    now = utcnow()  # the sender's clock: after the planning
    with store.begin() as conn:  # a sender claimed it and was killed before sending
        conn.execute(
            survey_invitations.update().values(
                status="sending", claimed_until=now + dt.timedelta(minutes=5), attempts=1
            )
        )
    assert Sender(engine, clock=lambda: now).run().counts == {}  # the lease still holds
    later = now + dt.timedelta(minutes=6)
    assert Sender(engine, clock=lambda: later).run()["sent"] == 1
    assert Sender(engine, clock=lambda: later).run().counts == {}
    assert len(mail_settings.mailbox.to("c1@example.org")) == 1


def test_unsubscribing_withdraws_consent_and_cancels_what_waits(
    store: Store, mail_settings: SmtpServer
) -> None:
    engine = store.engine
    now = utcnow()
    publish_example(engine, **AT_ONCE)
    add_ticket(engine, "t-1", add_customer(engine, "c1"), now=now)
    scan_ticket_events(engine)
    now = utcnow()  # the sender's clock: after the planning
    Sender(engine, clock=lambda: now).run()
    invitation = store.scalar("select invitation_id from survey_invitations")
    with store.begin() as conn:  # another invitation is waiting for this customer
        conn.execute(
            survey_invitations.insert().values(
                invitation_id="inv_waiting",
                survey_id="post-resolution",
                version=1,
                trigger="resolved",
                customer_id="c1",
                channel="email",
                status="scheduled",
                event_at=now,
                created_at=now,
                due_at=now + dt.timedelta(days=1),
                attempts=0,
            )
        )
    signer = link_signer(engine)
    assert unsubscribe(engine, signer, "forged.token").state == "invalid"
    token = signer.unsubscribe_token(invitation)
    assert unsubscribe(engine, signer, token).state == "done"
    assert unsubscribe(engine, signer, token).state == "done"  # a second click is harmless
    with store.begin() as conn:
        assert not has_consent(conn, "c1", "survey")
        waiting = conn.execute(
            sa.select(survey_invitations.c.status, survey_invitations.c.reason).where(
                survey_invitations.c.invitation_id == "inv_waiting"
            )
        ).one()
    assert tuple(waiting) == ("suppressed", "unsubscribed")
    history = store.query_df(
        "select source, provenance, granted from consent_events where customer_id = 'c1' order by recorded_at"
    )
    assert list(history.source) == ["import", "unsubscribe", "unsubscribe"]
    assert history.provenance.iloc[-1] == invitation and not bool(history.granted.iloc[-1])
