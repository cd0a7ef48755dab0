"""The deterministic half: records sharing a normalised email, an E.164 phone or an external id
(any of a record's addresses and numbers, not only its primary one).

A shared key links two records unless their names disagree (a family mailbox, a recycled number, a
mistyped CRM id): such a pair is a *key conflict*, queued for review and kept apart until someone
decides. A key shared by more records than `MAX_KEY_GROUP` identifies a mailbox or a switchboard,
not a person, and links nothing.
"""

from __future__ import annotations

import pandas as pd

from insightdesk.identity.nicknames import are_nicknames
from insightdesk.identity.spec import MatchSpec
from insightdesk.store.scratch import scratch_duckdb

MAX_KEY_GROUP = 25
EDGE_COLUMNS = ["record_id_l", "record_id_r", "key", "value"]


def _key_pairs(prepared: pd.DataFrame, keys: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Each record paired with the first record of its key group (a star, not all n^2 pairs)."""
    parts, ignored = [], []
    for key in keys:
        members = _members(prepared, key)
        if members.empty:
            continue
        sizes = members.groupby(key)[key].transform("size")
        too_big = members.loc[sizes > MAX_KEY_GROUP, key].unique()
        ignored += [f"{key} shared by more than {MAX_KEY_GROUP} records" for _ in too_big[:1]]
        members = members.loc[(sizes > 1) & (sizes <= MAX_KEY_GROUP)].sort_values([key, "record_id"])
        anchor = members.groupby(key)["record_id"].transform("first")
        star = members.loc[members["record_id"] != anchor]
        parts.append(
            pd.DataFrame(
                {
                    "record_id_l": anchor[star.index].values,
                    "record_id_r": star["record_id"].values,
                    "key": key,
                    "value": star[key].values,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=EDGE_COLUMNS), ignored
    # Two records sharing two addresses are one pair (linked by the first key that joined them).
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates(["record_id_l", "record_id_r"])
    return pairs.reset_index(drop=True), ignored


def _members(prepared: pd.DataFrame, key: str) -> pd.DataFrame:
    """(record_id, key value) for every value a record holds: all its addresses or numbers where the
    prepared frame lists them (`email_keys`, `phone_keys`), else its one value."""
    many = f"{key}_keys"
    if many in prepared.columns:
        exploded = prepared[["record_id", many]].explode(many).dropna(subset=[many])
        members = exploded.rename(columns={many: key})
    else:
        members = prepared.loc[prepared[key].notna(), ["record_id", key]]
    return members.drop_duplicates().reset_index(drop=True)


def _names_agree(pairs: pd.DataFrame, prepared: pd.DataFrame, threshold: float) -> pd.Series:
    """True unless both records have a full name, the names clearly belong to different people (in
    either order: a swapped first name and surname is the same name) and no date of birth agrees."""
    names = prepared.set_index("record_id")[["first_name", "surname", "full_name", "dob"]]
    left = names.loc[pairs["record_id_l"]].reset_index(drop=True)
    right = names.loc[pairs["record_id_r"]].reset_index(drop=True)
    both = pd.DataFrame(
        {
            "a": left["full_name"],
            "b": right["full_name"],
            "af": left["first_name"],
            "bf": right["first_name"],
            "as_": left["surname"],
            "bs": right["surname"],
        }
    )
    # A connection of its own: the module-level default one is shared by every thread of a server.
    with scratch_duckdb() as con:
        con.register("name_pairs", both)
        similarity = con.sql(
            "select greatest(jaro_winkler_similarity(a, b), "
            "(jaro_winkler_similarity(af, bf) + jaro_winkler_similarity(as_, bs)) / 2, "
            "(jaro_winkler_similarity(af, bs) + jaro_winkler_similarity(as_, bf)) / 2) as name_sim, "
            "jaro_winkler_similarity(as_, bs) as jw_surname from name_pairs"
        ).df()
    comparable = (
        left["first_name"].notna()
        & left["surname"].notna()
        & right["first_name"].notna()
        & right["surname"].notna()
    )
    nickname = pd.Series([are_nicknames(a, b) for a, b in zip(both["af"], both["bf"], strict=True)])
    related = nickname & (similarity["jw_surname"].fillna(0.0) >= 0.92)
    same_dob = left["dob"].notna() & (left["dob"] == right["dob"])
    agree = ~comparable | (similarity["name_sim"].fillna(1.0) >= threshold) | related | same_dob
    return pd.Series(agree.values, index=pairs.index)


def deterministic_edges(
    prepared: pd.DataFrame, spec: MatchSpec
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(edges to merge, key conflicts to review, notes) from the spec's deterministic keys."""
    keys = tuple(k for k in spec.deterministic_keys if k in prepared.columns)
    pairs, notes = _key_pairs(prepared, keys)
    if pairs.empty:
        return pairs, pairs.copy(), notes
    agree = _names_agree(pairs, prepared, spec.conflict_name_similarity)
    return pairs.loc[agree].reset_index(drop=True), pairs.loc[~agree].reset_index(drop=True), notes
