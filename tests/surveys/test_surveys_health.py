"""Programme health: the funnel with honest denominators and a Wilson interval; non-response bias
(responders vs non-responders) and post-stratified CSAT beside the unweighted one."""

from __future__ import annotations

import datetime as dt

from statsmodels.stats.proportion import proportion_confint

from insightdesk.store import Store
from insightdesk.store.tables.surveys import survey_invitations, survey_responses
from insightdesk.store.tables.work import feedback
from insightdesk.surveys.health import funnel, nonresponse_bias
from tests.surveys.seed import add_ticket

NOW = dt.datetime(2026, 6, 1, 12)


def _seed(store: Store) -> None:
    """40 sent (20 chat, 20 email): 15 chat and 3 email answer; chat answers 5, email 2; 5 suppressed."""
    invitations, responses, rows = [], [], []
    for n in range(45):
        channel = "chat" if n % 2 == 0 else "email"
        ticket = add_ticket(store.engine, f"h-{n}", f"cust-{n}", now=NOW, channel=channel, event=None)
        inv = f"inv_h{n:03d}"
        suppressed = n >= 40
        invitations.append(
            {
                "invitation_id": inv,
                "survey_id": "pr",
                "version": 1,
                "trigger": "resolved",
                "ticket_id": ticket,
                "customer_id": f"cust-{n}",
                "segment": f"channel={channel}",
                "channel": "email",
                "status": "suppressed" if suppressed else "sent",
                "reason": "fatigue_cap" if suppressed else None,
                "event_at": NOW,
                "created_at": NOW,
                "attempts": 0 if suppressed else 1,
                "opened_at": NOW if n < 30 else None,
            }
        )
        answered = (channel == "chat" and n < 30) or (channel == "email" and n < 6)
        if answered and not suppressed:
            responses.append(
                {
                    "invitation_id": inv,
                    "survey_id": "pr",
                    "version": 1,
                    "status": "complete",
                    "answers": "{}",
                    "page": 9,
                    "started_at": NOW,
                    "updated_at": NOW,
                }
            )
            rows.append(
                {
                    "id": f"insightdesk:{inv}:csat",
                    "scale": "csat",
                    "score": 5.0 if channel == "chat" else 2.0,
                    "scale_min": 1,
                    "scale_max": 5,
                    "ticket_id": ticket,
                    "source_system": "insightdesk",
                    "source_id": f"{inv}:csat",
                    "batch_id": "b",
                    "record_hash": "h",
                    "first_seen_at": NOW,
                    "last_changed_at": NOW,
                }
            )
    with store.begin() as conn:
        conn.execute(survey_invitations.insert(), invitations)
        conn.execute(survey_responses.insert(), responses)
        conn.execute(feedback.insert(), rows)


def test_funnel_and_nonresponse_bias(store: Store) -> None:
    _seed(store)
    (row,) = funnel(store.engine)
    assert (row["planned"], row["suppressed"], row["sent"], row["opened"], row["answered"]) == (
        45,
        5,
        40,
        30,
        18,
    )
    assert row["suppressed_by_reason"] == {"fatigue_cap": 5}
    low, high = proportion_confint(18, 40, method="wilson")
    assert row["response_rate"] == 18 / 40 and (row["ci_low"], row["ci_high"]) == (low, high)

    bias = nonresponse_bias(store.engine, "pr")
    assert (bias["sent"], bias["responders"]) == (40, 18)
    channel = next(t for t in bias["attributes"] if t["attribute"] == "channel")
    assert channel["p_value"] < 0.001 and channel["responders"] == {"chat": 15 / 18, "email": 3 / 18}
    weighting = bias["weighting"]
    assert weighting["unweighted_csat"] == 15 / 18  # the chat customers answered more, and happier
    assert weighting["weighted_csat"] == 0.5  # each channel half of those asked: 0.5 x 1 + 0.5 x 0
    assert {s["segment"]: s["response_rate"] for s in weighting["segments"]} == {
        "channel=chat": 0.75,
        "channel=email": 0.15,
    }
