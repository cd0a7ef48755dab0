"""The pure half of identity resolution: normalisation, keys and their conflicts, constrained
clustering with stable ids, survivorship, stitching, scores and thresholds (no store, no Splink)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from insightdesk.identity import MatchSpec, Survivorship, best_threshold, pairwise_score, prepare_records
from insightdesk.identity.clustering import cluster, stable_person_ids
from insightdesk.identity.corroboration import corroborated
from insightdesk.identity.deterministic import deterministic_edges
from insightdesk.identity.fixtures import generate_people
from insightdesk.identity.golden import golden_records
from insightdesk.identity.nicknames import are_nicknames, name_forms
from insightdesk.identity.prepare import RecordError
from insightdesk.identity.stitching import stitch_threads


def _records(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame([{"record_id": f"r{i}", **row} for i, row in enumerate(rows)])


def test_values_are_normalised_and_placeholders_dropped() -> None:
    prepared = prepare_records(
        _records(
            {
                "name": "Dr. JOSÉ  O'Neil-Smith",
                "email": " Jose@Mail.TEST ",
                "phone": "020 7946 0958",
                "country": "gb",
            },
            {"name": "@handle", "email": "noreply@shop.test", "phone": "0000000", "dob": "19810231"},
            {"name": "Ann Lee", "email": "not an email", "phone": "+1 415 555 2671", "dob": "19810203"},
        )
    )
    first = prepared.iloc[0]
    assert (first["first_name"], first["surname"]) == ("jose", "o'neil-smith")
    assert first["email"] == "jose@mail.test" and first["phone"] == "+442079460958"
    second = prepared.iloc[1]
    # A handle is not a name, a no-reply address is not a person's, a string of zeros is no number,
    # and 31 February is no date.
    assert second[["first_name", "surname", "email", "phone", "dob"]].isna().all()
    assert second["unusable_reason"] == "no name and no email, phone, external id or address"
    third = prepared.iloc[2]
    assert pd.isna(third["email"]) and third["phone"] == "+14155552671" and third["dob"] == "1981-02-03"
    assert pd.isna(third["unusable_reason"])
    assert "bill" in name_forms("william") and are_nicknames("peggy", "margaret")


def test_bad_record_frames_are_refused_naming_the_problem() -> None:
    with pytest.raises(RecordError, match="no record_id column"):
        prepare_records(pd.DataFrame({"name": ["x"]}))
    with pytest.raises(RecordError, match="'a' appears more than once"):
        prepare_records(pd.DataFrame({"record_id": ["a", "a"]}))


def test_shared_keys_link_unless_the_names_disagree() -> None:
    prepared = prepare_records(
        _records(
            {"name": "Margaret Hill", "email": "m.hill@x.test"},
            {"name": "Peggy Hill", "email": "M.Hill@x.test"},  # nickname: same person
            {"name": "Hill Margaret", "email": "m.hill@x.test"},  # swapped: same person
            {"name": "Thomas Brandt", "email": "m.hill@x.test"},  # the family mailbox: review
            {"name": "Sam Ode", "phone": "+44 7700 900123"},
            {"name": "Sam Ode", "phone": "07700 900123", "country": "GB"},  # one number, two formats
        )
    )
    edges, conflicts, _ = deterministic_edges(prepared, MatchSpec())
    linked = {frozenset(p) for p in zip(edges["record_id_l"], edges["record_id_r"], strict=True)}
    assert linked == {frozenset({"r0", "r1"}), frozenset({"r0", "r2"}), frozenset({"r4", "r5"})}
    assert list(zip(conflicts["record_id_l"], conflicts["record_id_r"], strict=True)) == [("r0", "r3")]


def test_every_address_and_number_of_a_record_is_a_key() -> None:
    prepared = prepare_records(
        _records(
            {
                "name": "Ana Lima",
                "email": "ana@home.test",
                "emails": ["ana@home.test", " Ana.Lima@Work.test "],
            },
            {"name": "Ana Lima", "email": "ana.lima@work.test"},  # r0's second address
            {"name": "Ravi Nair", "phone": "+44 7700 900555", "phones": ("020 7946 0018",), "country": "GB"},
            {"name": "Ravi Nair", "phone": "+44 20 7946 0018"},  # r2's second number, another format
            {"name": "Kit Marlowe", "email": "kit@home.test", "emails": ["desk@shop.test", "noreply@x.test"]},
            {"name": "Rosalind Ude", "email": "desk@shop.test"},  # r4's second address, another name
            {"name": "Lone", "emails": ["lone@range.test"]},  # part of a name and a further address: usable
        )
    )
    assert prepared.loc[0, "email"] == "ana@home.test"  # the primary alone enters the model
    assert prepared.loc[0, "email_keys"] == ("ana@home.test", "ana.lima@work.test")
    assert prepared.loc[4, "email_keys"] == ("kit@home.test", "desk@shop.test")  # placeholder dropped
    assert prepared.loc[2, "phone_keys"] == ("+447700900555", "+442079460018")
    assert pd.isna(prepared.loc[6, "unusable_reason"])
    edges, conflicts, _ = deterministic_edges(prepared, MatchSpec())
    linked = {
        (a, b, k) for a, b, k in zip(edges["record_id_l"], edges["record_id_r"], edges["key"], strict=True)
    }
    assert linked == {("r0", "r1", "email"), ("r2", "r3", "phone")}
    assert list(zip(conflicts["record_id_l"], conflicts["record_id_r"], strict=True)) == [("r4", "r5")]


def test_clusters_obey_cannot_links_and_keep_their_ids() -> None:
    edges = pd.DataFrame(
        {
            "record_id_l": ["a", "b", "c", "d"],
            "record_id_r": ["b", "c", "d", "e"],
            "method": ["deterministic", "probabilistic", "probabilistic", "must_link"],
            "match_probability": [None, 0.99, 0.97, None],
            "reason": ["same email", "p", "p", "review"],
        }
    )
    records = ["a", "b", "c", "d", "e", "f"]
    roots, applied = cluster(records, edges, cannot_link=[("a", "d")])
    # The must-link d-e goes first, then a-b, then b-c; c-d would join a with d: refused.
    assert roots["a"] == roots["b"] == roots["c"] and roots["d"] == roots["e"] != roots["a"]
    assert len(applied) == 3
    first = stable_person_ids(roots, previous={})
    again = stable_person_ids(roots, previous={})
    assert first == again and len(set(first.values())) == 3
    # Next run: f joins the a-b-c person, which keeps its id; d-e keeps its own.
    roots2 = {**roots, "f": roots["a"]}
    second = stable_person_ids(roots2, previous=first)
    assert second["f"] == first["a"] and second["d"] == first["d"]


def test_incremental_linking_never_merges_two_existing_persons() -> None:
    edges = pd.DataFrame(
        {
            "record_id_l": ["a", "b"],
            "record_id_r": ["n", "n"],
            "method": ["probabilistic", "probabilistic"],
            "match_probability": [0.99, 0.98],
            "reason": ["p", "p"],
        }
    )
    roots, _ = cluster(["a", "b", "n"], edges, [], existing={"a": "P-1", "b": "P-2"})
    assert roots["n"] == roots["a"] != roots["b"]  # the new record joins its best person only


def test_golden_record_follows_survivorship_and_keeps_provenance() -> None:
    records = pd.DataFrame(
        {
            "person_id": ["P1", "P1", "P1"],
            "record_id": ["crm:1", "chat:2", "zendesk:3"],
            "source_system": ["crm", "chat", "zendesk"],
            "updated_at": pd.to_datetime(["2024-01-01", "2025-06-01", "2023-01-01"]),
            "name": ["J. Smith", "Jon Smith", "Jonathan Smith"],
            "email": ["j@old.test", "jon@new.test", None],
            "country": ["GB", "IE", "GB"],
        }
    )
    rules = Survivorship(
        rules={"name": "most_complete", "email": "most_recent", "country": "most_trusted_source"},
        source_priority=("zendesk", "crm"),
    )
    persons, values = golden_records(records, rules)
    row = persons.iloc[0]
    assert (row["name"], row["email"], row["country"], row["records"]) == (
        "Jonathan Smith",
        "jon@new.test",
        "GB",
        3,
    )
    where = values.set_index("field")
    assert where.loc["email", "record_id"] == "chat:2" and where.loc["email", "rule"] == "most_recent"
    assert where.loc["country", "source_system"] == "zendesk" and where.loc["name", "candidates"] == 3


def test_contacts_about_one_issue_across_channels_become_one_thread() -> None:
    t0 = dt.datetime(2026, 1, 5, 9)
    tickets = pd.DataFrame(
        [
            ("t1", "c1", "chat", "billing", t0),
            ("t2", "c2", "email", "billing", t0 + dt.timedelta(hours=5)),  # same person, other account
            ("t3", "c1", "phone", None, t0 + dt.timedelta(hours=30)),
            ("t4", "c1", "phone", "login", t0 + dt.timedelta(hours=31)),  # other issue: new thread
            ("t5", "c1", "chat", "login", t0 + dt.timedelta(days=10)),  # past the window
            ("t6", "stranger", "web", "billing", t0),
        ],
        columns=["ticket_id", "customer_id", "channel", "category", "created_at"],
    )
    threads = stitch_threads(tickets, pd.Series({"c1": "P1", "c2": "P1"}), 72, same_issue=True).set_index(
        "ticket_id"
    )
    assert threads.loc[["t1", "t2", "t3"], "thread_id"].tolist() == ["t1"] * 3
    assert threads.loc["t3", "thread_seq"] == 3 and bool(threads.loc["t2", "channel_switch"])
    assert threads.loc["t4", "thread_id"] == "t4" and threads.loc["t5", "thread_id"] == "t5"
    assert threads.loc["t6", "thread_id"] == "t6" and pd.isna(threads.loc["t6", "person_id"])


def test_pairwise_scores_and_the_threshold_labels_support() -> None:
    predicted = pd.Series({"a": 1, "b": 1, "c": 1, "d": 2})
    truth = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"})
    score = pairwise_score(predicted, truth)
    assert (score.true_positives, score.predicted_pairs, score.true_pairs) == (1, 3, 2)
    assert score.precision == pytest.approx(1 / 3) and score.recall == pytest.approx(0.5)
    probabilities = pd.Series([0.99, 0.9, 0.8, 0.7, 0.6, 0.3])
    labels = pd.Series([1, 1, 1, 0, 1, 0])
    assert best_threshold(probabilities, labels, minimum=2) == 0.6
    assert best_threshold(probabilities, labels, minimum=3) is None  # two negatives are too few


def test_the_generator_plants_duplicates_and_unusable_records() -> None:
    frame = generate_people(400, seed=5)
    assert frame["record_id"].is_unique and frame["person"].nunique() < 400
    again = generate_people(400, seed=5)
    pd.testing.assert_frame_equal(frame, again)  # seeded: the same records every time
    prepared = prepare_records(frame.drop(columns="person"))
    assert prepared["unusable_reason"].notna().sum() >= 1


def test_a_match_on_names_alone_is_not_enough_to_merge() -> None:
    prepared = prepare_records(
        _records(
            {"name": "John Smith", "email": "js@a.test"},
            {"name": "John Smith"},  # only the name agrees with r0
            {"name": "John Smith", "email": "j.smith@b.test", "dob": "1980-01-02"},
            {"name": "Jon Smith", "dob": "1980-01-03"},  # a date of birth one keystroke away
            {"name": "J Smith", "email": "js@a.tset"},  # the same address with a typo
        )
    )
    pairs = pd.DataFrame({"record_id_l": ["r0", "r2", "r0"], "record_id_r": ["r1", "r3", "r4"]})
    assert corroborated(pairs, prepared).tolist() == [False, True, True]
