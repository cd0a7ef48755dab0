"""Insights count persons once identity resolution has linked their accounts: pain-point breadth
(distinct affected customers) and the risk features' customer history (repeat contact, the
relationship NPS that follows a ticket), on both engines.

Hand-built: person P holds accounts A1 and A2 (and A3, which has no ticket); customer B is alone.
Billing tickets: A1 on Jan 5, A2 on Jan 8, B on Jan 6. A3 answers a relationship NPS of 2 on Jan 9.
"""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.insights.common.features import ticket_features
from insightdesk.insights.painpoints.data import aggregate_painpoints
from insightdesk.insights.painpoints.window import Window
from insightdesk.metrics.fixtures import insert, ref
from insightdesk.store import Store
from tests.support.identity_links import link_persons

WINDOW = Window(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 29))


def _desk(store: Store) -> None:
    insert(
        store,
        "customers",
        [
            {"source_id": "A1", "tier": "silver", "lifetime_value": 100.0},
            {"source_id": "A2", "tier": "gold", "lifetime_value": 300.0},
            {"source_id": "A3", "tier": "silver", "lifetime_value": None},
            {"source_id": "B", "tier": "bronze", "lifetime_value": 50.0},
        ],
    )

    def ticket(sid: str, customer: str, created: str) -> dict:
        return {
            "source_id": sid,
            "type": "incident",
            "status": "resolved",
            "category": "Billing",
            "customer_id": ref(customer),
            "created_at": dt.datetime.fromisoformat(created),
            "resolved_at": dt.datetime.fromisoformat(created) + dt.timedelta(hours=2),
        }

    insert(
        store,
        "tickets",
        [
            ticket("T1", "A1", "2026-01-05 09:00"),
            ticket("T2", "A2", "2026-01-08 09:00"),
            ticket("T3", "B", "2026-01-06 09:00"),
            # The data's end: every repeat window above is over.
            {**ticket("T4", "B", "2026-01-27 09:00"), "category": "Other"},
        ],
    )
    insert(
        store,
        "feedback",
        [
            {
                "source_id": "R1",
                "customer_id": ref("A3"),
                "scale": "nps",
                "scale_min": 0,
                "scale_max": 10,
                "score": 2,
                "answered_at": dt.datetime(2026, 1, 9),
                "sent_at": dt.datetime(2026, 1, 9),
            }
        ],
    )


def _billing(store: Store) -> dict:
    data = aggregate_painpoints(store, WINDOW, kinds=("category",))
    rows = data.groups[data.groups.painpoint_key == "category:Billing"]
    assert len(rows) == 1
    return rows.iloc[0].to_dict() | {"desk_customers": data.desk["customers"]}


def test_painpoint_breadth_counts_one_person_for_two_accounts(store: Store) -> None:
    _desk(store)
    before = _billing(store)
    assert (before["customers"], before["desk_customers"], before["cnps_n"]) == (3, 2 + 1, 0)
    assert before["ltv_sum"] == pytest.approx(450)

    # A1, A2 and A3 are person P; B stands alone.
    link_persons(store, {"A1": "P-1", "A2": "P-1", "A3": "P-1", "B": "P-2"})
    after = _billing(store)
    # P (A1, A2) and B: two persons affected, of two in the window.
    assert (after["customers"], after["desk_customers"]) == (2, 2)
    # P's value is the highest of their accounts' (300), not the sum; A3's answer is P's history.
    assert after["ltv_sum"] == pytest.approx(350)
    assert (after["cnps_n"], after["cnps_det"]) == (1, 1)
    assert after["tickets"] == 3


def test_risk_features_read_the_persons_history(store: Store) -> None:
    _desk(store)
    before = ticket_features(store).set_index("ticket_id")
    assert before.loc[ref("T1"), "repeat_contact"] == 0.0
    assert before[["detractor"]].isna().all().all()

    # A1, A2 and A3 are person P; B stands alone.
    link_persons(store, {"A1": "P-1", "A2": "P-1", "A3": "P-1", "B": "P-2"})
    after = ticket_features(store).set_index("ticket_id")
    # T2 from A2 follows T1 from A1 within 7 days: the person came back.
    assert after.loc[ref("T1"), "repeat_contact"] == 1.0
    assert after.loc[ref("T3"), "repeat_contact"] == 0.0
    # A3's relationship NPS of 2 (Jan 9) follows T2 (Jan 8) and T1 (Jan 5): the person's verdict.
    assert after.loc[ref("T1"), "detractor"] == 1.0 and after.loc[ref("T2"), "detractor"] == 1.0
    assert after["detractor"].isna()[ref("T3")]
