"""Anonymised excerpts: every released attribute combination covers at least k people, nothing is
lost from the count, only consenting people's redacted text leaves."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insightdesk.governance.privacy import record_consent
from insightdesk.governance.privacy.excerpts import GENERALISED, ExcerptError, anonymise, excerpt_export

ROWS = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from("ab"), st.sampled_from("xyz"), st.sampled_from("pq")),
    max_size=80,
)


@settings(max_examples=30, deadline=None)
@given(rows=ROWS, k=st.integers(2, 6))
def test_released_rows_are_k_anonymous_over_people(rows, k):
    frame = pd.DataFrame(
        [(f"c{p}", a, b, c, f"text {i}") for i, (p, a, b, c) in enumerate(rows)],
        columns=["person", "channel", "segment", "region", "text"],
    )
    result = anonymise(frame, ["channel", "segment", "region"], k)
    assert len(result.rows) + result.refused == result.candidates == len(frame)
    released = frame.set_index("text").loc[result.rows["text"]]
    released[["channel", "segment", "region"]] = result.rows[["channel", "segment", "region"]].to_numpy()
    people = released.groupby(["channel", "segment", "region"])["person"].nunique()
    assert (people >= k).all()
    # Refused only what is left with every attribute dropped and still fewer than k people.
    refused = frame[~frame["text"].isin(result.rows["text"])]
    assert len(refused) == result.refused and refused["person"].nunique() < k


def test_generalises_small_groups_and_refuses_what_stays_small():
    frame = pd.DataFrame(
        [(f"c{i}", "email", "smb", "emea", f"t{i}") for i in range(5)]
        + [("c9", "chat", "smb", "emea", "lonely")],
        columns=["person", "channel", "segment", "region", "text"],
    )
    result = anonymise(frame, ["channel", "segment", "region"], 5)
    assert result.refused == 1 and result.generalised == 0
    result = anonymise(frame, ["channel", "segment", "region"], 6)
    assert result.refused == 0 and set(result.rows["channel"]) == {GENERALISED}


@pytest.mark.parametrize("engine", ["duckdb"])
def test_only_consenting_peoples_redacted_text_is_exported(desk_store):
    with desk_store.begin() as conn:
        assert excerpt_export(conn, ["channel"], k=2).candidates == 0  # nobody consented yet
        for customer in ("generic:CUSTZQ77", "generic:KIM1"):
            record_consent(conn, customer, "model_training", True, "api", "alice")
        result = excerpt_export(conn, ["channel", "customer_region"], k=2)
        with pytest.raises(ExcerptError, match="unknown attribute"):
            excerpt_export(conn, ["name"], k=2)
        with pytest.raises(ExcerptError, match="outside 2 to 1000"):
            excerpt_export(conn, ["channel"], k=1)
    assert result.candidates == 2 and result.refused == 0
    assert set(result.rows["channel"]) == {GENERALISED} and set(result.rows["customer_region"]) == {
        GENERALISED
    }
    assert "<PERSON_1>" in " ".join(result.rows["text"])
