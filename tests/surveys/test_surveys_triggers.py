"""Triggers, fatigue and suppression: every invitation is planned once, and one not sent keeps its reason."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.governance.clock import utcnow
from insightdesk.store import Store
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.surveys import TriggerError, scan_ticket_events, schedule_relationship, submit_ticket_event
from insightdesk.surveys.definition import Sampling
from insightdesk.surveys.sampling import draw, sampling_refusal
from insightdesk.surveys.suppressions import SuppressionError, suppress
from tests.surveys.seed import add_customer, add_ticket, publish_example

AT_ONCE = {"delay: 2h": "delay: 0m", 'quiet_hours: "21:00-08:00"': "quiet_hours: null"}


def _invitations(store: Store) -> dict[str, tuple[str, str | None]]:
    rows = store.query_df(
        "select ticket_id, status, reason from survey_invitations where ticket_id is not null"
    )
    return {r.ticket_id: (r.status, r.reason) for r in rows.itertuples()}


def test_every_reason_not_to_invite_is_recorded(store: Store) -> None:
    engine = store.engine
    now = utcnow()
    publish_example(engine, **AT_ONCE)
    for customer in ("ok", "busy", "complained", "fatigued"):
        add_customer(engine, customer)
    add_customer(engine, "no-consent", consent=False)
    add_customer(engine, "unknown-consent", consent=None)
    add_customer(engine, "no-email", email=None)
    suppress(engine, "complained", "complaint", days=90, now=now - dt.timedelta(days=1))
    add_ticket(engine, "busy-other", "busy", now=now, status="open", event=None)
    with store.begin() as conn:  # another survey's invitation last week counts toward the cap
        conn.execute(
            survey_invitations.insert().values(
                invitation_id="inv_other",
                survey_id="relationship",
                version=1,
                trigger="schedule",
                customer_id="fatigued",
                channel="sms",
                status="sent",
                event_at=now,
                created_at=now,
                due_at=now - dt.timedelta(days=7),
                sent_at=now - dt.timedelta(days=7),
                attempts=1,
            )
        )
    tickets = {
        "t-ok": "ok",
        "t-busy": "busy",
        "t-complained": "complained",
        "t-fatigued": "fatigued",
        "t-no-consent": "no-consent",
        "t-unknown": "unknown-consent",
        "t-no-email": "no-email",
    }
    for ticket, customer in tickets.items():
        add_ticket(engine, ticket, customer, now=now)
    add_ticket(engine, "t-change", "ok", now=now, type_="change")
    add_ticket(engine, "t-old", "ok", now=now, event_at=now - dt.timedelta(days=30))

    result = scan_ticket_events(engine)
    assert result.total == 9 and result.suppressed == {"post-resolution": 8}
    assert _invitations(store) == {
        "t-ok": ("scheduled", None),
        "t-busy": ("suppressed", "open_ticket"),
        "t-complained": ("suppressed", "complaint"),
        "t-fatigued": ("suppressed", "fatigue_cap"),
        "t-no-consent": ("suppressed", "no_consent"),
        "t-unknown": ("suppressed", "no_consent"),
        "t-no-email": ("suppressed", "no_contact"),
        "t-change": ("suppressed", "condition"),
        "t-old": ("suppressed", "stale_event"),
    }
    # Idempotent: a re-run, or the same event by the API, plans nothing more.
    assert scan_ticket_events(engine).total == 0
    event_at = store.scalar("select occurred_at from ticket_events where ticket_id = 't-ok'")
    assert submit_ticket_event(engine, "t-ok", "resolved", event_at).total == 0
    assert store.count("survey_invitations") == 10
    # A second resolution of the same customer's ticket inside 30 days: the cap across surveys holds.
    add_ticket(engine, "t-ok-2", "ok", now=now)
    assert submit_ticket_event(engine, "t-ok-2", "resolved", now).suppressed == {"post-resolution": 1}
    with pytest.raises(TriggerError, match="ticket_id: ticket 'nope' is not in the store"):
        submit_ticket_event(engine, "nope", "resolved")
    with pytest.raises(TriggerError, match="event: 'escalated' is not one of"):
        submit_ticket_event(engine, "t-ok", "escalated")
    with pytest.raises(SuppressionError, match="reason: 'angry' is not one of"):
        suppress(engine, "ok", "angry")


def test_sampling_targets_and_quiet_hours(store: Store) -> None:
    engine = store.engine
    now = utcnow()
    sampling = "    rate: 1.0\n    stratify_by: ticket.channel\n    target_per_segment: 200\n"
    publish_example(
        engine,
        **{
            "delay: 2h": "delay: 0m",
            sampling: "    rate: 1.0\n    stratify_by: ticket.channel\n"
            "    target_per_segment: 1\n    expected_response_rate: 1.0\n",
        },
    )
    for n in range(3):
        add_ticket(engine, f"chat-{n}", add_customer(engine, f"chat-{n}"), now=now, channel="chat")
    add_ticket(engine, "mail-0", add_customer(engine, "mail-0"), now=now, channel="email")
    tokyo = add_customer(engine, "tokyo", timezone="Asia/Tokyo")
    add_ticket(engine, "web-tokyo", tokyo, now=now, channel="web")
    scan_ticket_events(engine)
    rows = store.query_df(
        "select ticket_id, status, reason, segment, due_at from survey_invitations order by ticket_id"
    )
    by_ticket = {r.ticket_id: r for r in rows.itertuples()}
    # One answer expected per segment: the first chat ticket is asked, the next two are not.
    chat = [by_ticket[f"chat-{n}"] for n in range(3)]
    assert sorted(r.status for r in chat) == ["scheduled", "suppressed", "suppressed"]
    assert {r.reason for r in chat if r.status == "suppressed"} == {"not_sampled"}
    assert by_ticket["mail-0"].status == "scheduled" and by_ticket["mail-0"].segment == "channel=email"
    # Quiet hours 21:00-08:00 in the customer's zone: a Tokyo invitation never lands at night there.
    local = by_ticket["web-tokyo"].due_at.tz_localize("UTC").tz_convert("Asia/Tokyo")
    assert not (local.hour >= 21 or local.hour < 8), local


def test_a_rate_samples_deterministically() -> None:
    """No store needed: without a per-segment target the draw alone decides, the same on every run."""
    rate = Sampling(rate=0.3)
    ids = [f"inv_{n:04d}" for n in range(2000)]
    kept = [i for i in ids if sampling_refusal(None, "s", i, rate, None, utcnow()) is None]  # type: ignore[arg-type]
    assert 0.27 < len(kept) / len(ids) < 0.33
    assert kept == [i for i in ids if draw(i) < 0.3]
    refused = sampling_refusal(None, "s", "inv_x", Sampling(rate=1e-9), None, utcnow())  # type: ignore[arg-type]
    assert refused is not None and refused.reason == "not_sampled"


def test_relationship_surveys_ask_each_customer_once_per_period(store: Store) -> None:
    engine = store.engine
    publish_example(
        engine,
        **{
            "  events: [resolved]\n": "  events: [schedule]\n  every_days: 90\n",
            "    - \"ticket.type in ['incident', 'service_request', 'question']\"\n": "",
            "  conditions:\n": "  conditions: []\n",
            "suppress_while_open_ticket: true": "suppress_while_open_ticket: false",
        },
    )
    add_customer(engine, "r1")
    add_customer(engine, "r2", consent=False)
    first = schedule_relationship(engine)
    assert (first.total, first.suppressed) == (2, {"post-resolution": 1})
    assert schedule_relationship(engine).total == 0  # the same period: nothing new
    rows = store.query_df(
        "select customer_id, trigger, status, reason from survey_invitations order by customer_id"
    )
    assert [tuple(r) for r in rows.itertuples(index=False)] == [
        ("r1", "schedule", "scheduled", None),
        ("r2", "schedule", "suppressed", "no_consent"),
    ]
