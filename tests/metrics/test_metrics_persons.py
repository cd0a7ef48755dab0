"""KPIs that count persons: one person writing from two accounts is one person once identity has
linked the accounts (identity_links, as an identity run writes it), and an account before that.

Worked by hand: person P writes about billing from account A1 by email (Jan 5, resolved the same
day) and from account A2 by chat two days later (resolved Jan 8); customer B writes about billing
once (Jan 6); a ticket of B on Jan 30 marks the data's end (category `other`).
"""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.metrics import compute
from insightdesk.metrics.fixtures import insert, ref
from insightdesk.metrics.rollup import build_rollups
from insightdesk.store import Store
from tests.support.identity_links import link_persons

UNTIL = "2026-03-01"
KPIS = ("repeat_contact_rate", "fcr_person", "issue_channel_switch_rate")


def _desk(store: Store) -> None:
    insert(store, "customers", [{"source_id": s} for s in ("A1", "A2", "B")])

    def ticket(sid: str, customer: str, channel: str, category: str, created: str, resolved: str) -> dict:
        return {
            "source_id": sid,
            "type": "incident",
            "customer_id": ref(customer),
            "channel": channel,
            "category": category,
            "status": "resolved",
            "created_at": dt.datetime.fromisoformat(created),
            "resolved_at": dt.datetime.fromisoformat(resolved),
        }

    insert(
        store,
        "tickets",
        [
            ticket("T1", "A1", "email", "billing", "2026-01-05 09:00", "2026-01-05 12:00"),
            ticket("T2", "A2", "chat", "billing", "2026-01-07 09:00", "2026-01-08 09:00"),
            ticket("T3", "B", "email", "billing", "2026-01-06 09:00", "2026-01-06 10:00"),
            ticket("T4", "B", "phone", "other", "2026-01-30 09:00", "2026-01-30 10:00"),
        ],
    )


def _values(store: Store, **kw: object) -> dict[str, tuple[float, int, str]]:
    out = {}
    for name in KPIS:
        df = compute(name, store=store, until=UNTIL, **kw)
        out[name] = (float(df["value"].iloc[0]), int(df["n"].iloc[0]), df.attrs["person_key"])
    return out


def test_two_accounts_of_one_person_count_once_after_identity(store: Store) -> None:
    _desk(store)
    # No identity run: every account is a person, and the metadata says so.
    before = _values(store)
    assert before["repeat_contact_rate"] == (0.0, 4, "customer_id")  # T2 is A2's first billing ticket
    assert before["fcr_person"] == (1.0, 3, "customer_id")  # T4 ends the data: T1-T3 windows are over
    assert before["issue_channel_switch_rate"] == (0.0, 4, "customer_id")
    attrs = compute("repeat_contact_rate", store=store, until=UNTIL).attrs
    assert "no identity run" in attrs["person_note"]

    # A1 and A2 are person P; B stands alone.
    link_persons(store, {"A1": "P-1", "A2": "P-1", "B": "P-2"}, {"A1": "seed", "B": "singleton"})
    after = _values(store)
    # P came back two days later from the other account: one repeat, counted once for the person.
    assert after["repeat_contact_rate"] == (0.25, 4, "identity")
    # T1 was called back (T2, same person and issue, within 7 days): not resolved on first contact.
    assert after["fcr_person"] == (pytest.approx(2 / 3), 3, "identity")
    # P's billing issue went email -> chat: one of three issues switched channel (B's two did not).
    assert after["issue_channel_switch_rate"] == (pytest.approx(1 / 3), 3, "identity")
    attrs = compute("fcr_person", store=store, until=UNTIL).attrs
    assert attrs["identity_run"] == "R1" and attrs["identity_persons"] == 2


def test_a_rollup_built_before_an_identity_run_is_not_used_after_it(store: Store) -> None:
    _desk(store)
    build_rollups(store, kpis=list(KPIS))
    found = compute("repeat_contact_rate", store=store, until=UNTIL)
    assert found.attrs["source"] == "rollup" and found.attrs["person_key"] == "customer_id"
    # A1 and A2 are person P; B stands alone.
    link_persons(store, {"A1": "P-1", "A2": "P-1", "B": "P-2"}, {"A1": "seed", "B": "singleton"})
    found = compute("repeat_contact_rate", store=store, until=UNTIL)
    assert found.attrs["source"] == "live"
    assert (found["value"].iloc[0], found.attrs["person_key"]) == (0.25, "identity")
