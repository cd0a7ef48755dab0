"""Identity resolution on a real store of each engine: a full run, the review queue and its decisions,
re-runs that obey them with stable ids, incremental linking, unmerge, threads and the audit trail."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from insightdesk.governance import Actor, audit
from insightdesk.identity import (
    IdentityError,
    IdentityNotFound,
    MatchSpec,
    decide,
    pairwise_score,
    review_queue,
    run_identity,
    status,
    unmerge,
)
from insightdesk.store import Store
from tests.identity.seed import add_customers, add_tickets, people

ACTOR = Actor("reviewer", "admin", "127.0.0.1")
# Fewer random pairs for the u estimates than a real run samples: the test data are small.
SPEC = MatchSpec(u_sample_pairs=3e4)
FIRST = 200


def _links(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.text("select record_id, person_id from identity_links")).all())


def _conflicts() -> pd.DataFrame:
    """Two mailboxes shared by people whose names disagree (a family; an account renamed), and a
    record with nothing to match on."""
    rows = [
        ("crm:fam1", "Hilda Brackwater", "family@home.test"),
        ("chat:fam2", "Tomasz Quell", "family@home.test"),
        ("crm:jo1", "Joanna Pettigrew", "jo.p@work.test"),
        ("zendesk:jo2", "Marcus Okafor", "jo.p@work.test"),  # a renamed account: one person
        ("chat:anon", "Sam", None),  # a first name and nothing else: no rule can use it
        ("crm:ana1", "Ana Vellacott", "ana@home.test"),  # her second address (below) is ana2's
        ("zendesk:ana2", "Ana Vellacott", "a.vellacott@work.test"),
        ("crm:kit1", "Kit Marlowe", "kit@home.test"),  # a second address shared with another name
        ("chat:kit2", "Rosalind Ude", "desk@shop.test"),
    ]
    others = {"crm:ana1": "a.vellacott@work.test", "crm:kit1": "desk@shop.test"}
    return pd.DataFrame(
        [
            {
                "record_id": r,
                "name": n,
                "email": e,
                "other_email": others.get(r),
                "phone": None,
                "country": "GB",
                "person": -1,
            }
            for r, n, e in rows
        ]
    )


@pytest.fixture(scope="module")
def resolved(module_store: Store) -> tuple[Store, pd.DataFrame]:
    """The store with FIRST generated records and the conflicts, resolved once."""
    truth = people(230)
    add_customers(module_store.engine, pd.concat([truth.iloc[:FIRST], _conflicts()], ignore_index=True))
    run_identity(module_store, SPEC, mode="full", actor=ACTOR)
    return module_store, truth


def test_a_full_run_places_every_record_and_queues_conflicts(resolved: tuple[Store, pd.DataFrame]) -> None:
    store, truth = resolved
    links = _links(store)
    assert len(links) == FIRST + 9
    first = truth.iloc[:FIRST].set_index("record_id")
    score = pairwise_score(pd.Series(links).reindex(first.index), first["person"])
    assert score.precision >= 0.9 and score.recall >= 0.6, score.as_dict()
    with store.engine.connect() as conn:
        methods = dict(
            conn.execute(sa.text("select method, count(*) from identity_links group by method")).all()
        )
        unusable = conn.execute(
            sa.text("select reason from identity_links where method = 'unusable'")
        ).first()
        persons = conn.execute(sa.text("select count(*), sum(records) from identity_persons")).one()
        provenance = conn.execute(
            sa.text("select count(*) from identity_person_values where field = 'name'")
        ).scalar()
    assert {"deterministic", "probabilistic", "singleton"} <= set(methods)
    assert unusable is not None and "only part of a name" in unusable.reason
    assert persons[1] == len(links) and provenance == persons[0]  # every person has a sourced name
    # Shared mailboxes whose names disagree are kept apart and queued, not merged.
    assert links["crm:fam1"] != links["chat:fam2"] and links["crm:jo1"] != links["zendesk:jo2"]
    page = review_queue(store, limit=500, actor=ACTOR)
    conflicts = [i for i in page.items if i["reason"] == "key_conflict"]
    pairs = {frozenset((i["left"]["record_id"], i["right"]["record_id"])) for i in conflicts}
    assert {frozenset({"crm:fam1", "chat:fam2"}), frozenset({"crm:jo1", "zendesk:jo2"})} <= pairs
    # Every address of a record is a key: Ana's second one links her CRM and helpdesk records; Kit's
    # second one is another name's primary, so that pair waits in review like any key conflict.
    assert links["crm:ana1"] == links["zendesk:ana2"] and links["crm:kit1"] != links["chat:kit2"]
    assert frozenset({"crm:kit1", "chat:kit2"}) in pairs
    with store.engine.connect() as conn:
        reason = conn.execute(
            sa.text("select method, reason from identity_links where record_id = 'zendesk:ana2'")
        ).one()
    assert reason.method == "deterministic" and reason.reason == "same email as crm:ana1"
    assert page.items[0]["reason"] == "key_conflict"  # conflicts come first
    family = next(i for i in conflicts if i["left"]["record_id"] in ("crm:fam1", "chat:fam2"))
    assert family["left"]["email"] == family["right"]["email"]


def test_decisions_hold_through_full_reruns_and_ids_stay(resolved: tuple[Store, pd.DataFrame]) -> None:
    store, _ = resolved
    page = review_queue(store, limit=500)
    by_records = {
        frozenset((i["left"]["record_id"], i["right"]["record_id"])): i["pair_id"] for i in page.items
    }
    rejected = decide(store, by_records[frozenset({"crm:fam1", "chat:fam2"})], "reject", ACTOR)
    accepted = decide(store, by_records[frozenset({"crm:jo1", "zendesk:jo2"})], "accept", ACTOR)
    assert "split_out" not in rejected and accepted["merged_into"]
    before = _links(store)
    assert before["crm:jo1"] == before["zendesk:jo2"] == accepted["merged_into"]
    run_identity(store, SPEC, mode="full", actor=ACTOR)
    after = _links(store)
    assert after == before  # the same data and decisions: the same persons under the same ids
    remaining = review_queue(store, limit=500)
    assert remaining.total == page.total - 2
    with pytest.raises(IdentityNotFound, match="no review pair"):
        decide(store, "feedfacefeedface", "accept", ACTOR)
    with pytest.raises(IdentityError, match="must be accept or reject"):
        decide(store, by_records[frozenset({"crm:jo1", "zendesk:jo2"})], "maybe", ACTOR)  # type: ignore[arg-type]


def test_new_records_link_incrementally_without_moving_anyone(resolved: tuple[Store, pd.DataFrame]) -> None:
    store, truth = resolved
    before = _links(store)
    add_customers(store.engine, truth.iloc[FIRST:])
    result = run_identity(store, SPEC, actor=ACTOR)  # auto: a model exists, so only new records move
    after = _links(store)
    assert result.mode == "incremental" and len(after) == len(before) + len(truth) - FIRST
    assert {r: after[r] for r in before} == before
    new = truth.iloc[FIRST:]
    joined = [r for r in new["record_id"] if after[r] in set(before.values())]
    seen_people = set(truth.iloc[:FIRST]["person"])
    returning = new.loc[new["person"].isin(seen_people), "record_id"]
    assert len(joined) >= 0.6 * len(returning) and set(joined) <= set(returning)


def test_unmerge_splits_a_person_for_good_and_threads_follow(resolved: tuple[Store, pd.DataFrame]) -> None:
    store, _ = resolved
    links = _links(store)
    sizes = pd.Series(links).value_counts()
    person = str(sizes.index[0])
    members = sorted(r for r, p in links.items() if p == person)
    t0 = dt.datetime(2026, 2, 2, 10)
    add_tickets(
        store.engine,
        [
            ("T1", members[0], "chat", "billing", t0),
            ("T2", members[1], "email", "billing", t0 + dt.timedelta(hours=3)),
        ],
    )
    change = unmerge(store, person, ACTOR, [members[0]])
    assert change["parts"] == 2 and len(change["new_persons"]) == 1
    rerun = run_identity(store, SPEC, actor=ACTOR)
    again = _links(store)
    assert rerun.mode == "incremental" and again[members[0]] != again[members[1]]
    with store.engine.connect() as conn:
        threads = dict(conn.execute(sa.text("select ticket_id, thread_id from identity_threads")).all())
    assert threads == {"T1": "T1", "T2": "T2"}  # different persons now: no shared thread
    with pytest.raises(IdentityNotFound, match="no person"):
        unmerge(store, "P-nobody", ACTOR)
    with pytest.raises(IdentityError, match="does not belong"):
        unmerge(store, again[members[1]], ACTOR, ["crm:nobody"])
    summary = status(store)
    assert summary["records"] == len(again) and summary["constraints"] >= 3
    assert summary["last_run"]["mode"] == "incremental" and summary["threaded_tickets"] == 2
    actions = {row["action"] for row in audit.query(store.engine, limit=200)[0]}
    assert {"identity.run", "identity.review.read", "identity.review.decide", "identity.unmerge"} <= actions
