"""Canonical rows with free text, written straight into a store, for the text-analytics tests.

The texts are written for these tests (no third-party data), with planted PII whose exact
placement the tests know.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from insightdesk.store.tables.canonical import feedback, interactions, tickets

T0 = dt.datetime(2026, 1, 5, 9, 0)

CARD_TEXTS = [
    "My card was charged twice for the same order, please refund the duplicate payment",
    "I was billed two times for one purchase and need the extra charge refunded",
    "Double charge on my credit card for a single order, refund please",
    "The payment went through twice and my card shows two identical charges",
    "You charged my card twice, I want the duplicate charge reversed",
    "Two charges for one order appeared on my card statement, please refund one",
]
LOGIN_TEXTS = [
    "I cannot log in to the app, it keeps saying my password is wrong",
    "Login fails every time even after resetting my password",
    "The app will not let me sign in, password reset does not help",
    "I am locked out of my account and the password reset email never arrives",
    "Cannot sign in to my account since the update, password rejected",
    "Every login attempt fails with an invalid password error",
]
DELIVERY_TEXTS = [
    "My parcel has not arrived and tracking has not updated for a week",
    "The delivery is late and the courier tracking shows nothing new",
    "Still waiting for my package, the tracking number shows no movement",
    "Order shipped ten days ago but the parcel never arrived",
    "Where is my delivery? The tracking page has been stuck for days",
    "My package is lost in transit and nobody answers about the delivery",
]
PII_TEXT = (
    "Hi, my name is Sarah Miller. Call me on +44 20 7946 0958 or write to sarah.miller@example.com; "
    "card 4111 1111 1111 1111 was charged. Sarah Miller"
)
GERMAN_TEXT = "Der Zug hatte wieder eine Stunde Verspätung und niemand hat uns informiert."


def _lineage(source_id: str, i: int) -> dict[str, object]:
    return {
        "id": f"test:{source_id}",
        "source_system": "test",
        "source_id": source_id,
        "batch_id": "b1",
        "record_hash": f"h{i}",
        "first_seen_at": T0,
        "last_changed_at": T0,
    }


def seed_texts(store, extra_tickets: list[str] | None = None) -> dict[str, list[str]]:
    """Tickets (three themes, two categories each), feedback and messages; returns ids per group."""
    groups = {"card": CARD_TEXTS, "login": LOGIN_TEXTS, "delivery": DELIVERY_TEXTS}
    ids: dict[str, list[str]] = {}
    rows = []
    i = 0
    for name, texts in groups.items():
        for k, text in enumerate(texts):
            i += 1
            sid = f"t{i}"
            ids.setdefault(name, []).append(f"test:{sid}")
            rows.append(
                {
                    **_lineage(sid, i),
                    "type": "incident",
                    "status": "open",
                    "subject": None,
                    "description": text,
                    # Categories cut across themes on purpose: "billing" and "other" for every theme.
                    "category": "billing" if k % 2 == 0 else "other",
                    "created_at": T0 + dt.timedelta(days=7 * (k % 3)),
                }
            )
    for text in extra_tickets or []:
        i += 1
        rows.append(
            {
                **_lineage(f"t{i}", i),
                "type": "incident",
                "status": "open",
                "subject": None,
                "description": text,
                "category": None,
                "created_at": T0,
            }
        )
    with store.begin() as conn:
        conn.execute(sa.insert(tickets), rows)
        conn.execute(
            sa.insert(feedback),
            [
                {**_lineage("f1", 100), "scale": "csat", "score": 1, "scale_min": 1, "scale_max": 5,
                 "comment": PII_TEXT, "ticket_id": "test:t1", "answered_at": T0},
                {**_lineage("f2", 101), "scale": "csat", "score": 5, "scale_min": 1, "scale_max": 5,
                 "comment": "Thanks!", "ticket_id": "test:t2", "answered_at": T0},
            ],
        )  # fmt: skip
        conn.execute(
            sa.insert(interactions),
            [
                {**_lineage("m1", 200), "conversation_id": "c1", "author_role": "customer", "body": GERMAN_TEXT,
                 "occurred_at": T0, "seq": 1},
                {**_lineage("m2", 201), "conversation_id": "c1", "author_role": "agent",
                 "body": "Sorry to hear your parcel has not arrived, I have escalated the delivery to the courier.",
                 "occurred_at": T0, "seq": 2},
            ],
        )  # fmt: skip
    return ids
