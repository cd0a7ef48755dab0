"""The golden record: one value per field per person, chosen by survivorship, with its provenance.

Input: the person's source records (record_id, person_id, source_system, updated_at and the golden
fields); output: one row per person and a long frame saying, for every value, which record and rule
it came from and how many distinct values competed (more than one is a conflict worth a look).
"""

from __future__ import annotations

import pandas as pd

from insightdesk.identity.spec import GOLDEN_FIELDS, Survivorship

VALUE_COLUMNS = ["person_id", "field", "value", "record_id", "source_system", "rule", "candidates"]


def _ranked(values: pd.DataFrame, rule: str, priority: tuple[str, ...]) -> pd.DataFrame:
    """The candidate values, best first within each person, for one rule."""
    ranked = values.assign(
        _recent=values["updated_at"].fillna(pd.Timestamp.min),
        _length=values["value"].str.len(),
        _trust=values["source_system"].map({s: i for i, s in enumerate(priority)}).fillna(len(priority)),
        _count=values.groupby(["person_id", "value"])["value"].transform("size"),
    )
    if rule == "most_recent":
        keys, ascending = ["_recent", "record_id"], [False, True]
    elif rule == "most_complete":
        keys, ascending = ["_length", "_count", "_recent", "record_id"], [False, False, False, True]
    else:
        keys, ascending = ["_trust", "_recent", "record_id"], [True, False, True]
    return ranked.sort_values(["person_id", *keys], ascending=[True, *ascending])


def golden_records(records: pd.DataFrame, survivorship: Survivorship) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one golden row per person, the provenance of every value)."""
    persons = records.groupby("person_id").agg(
        records=("record_id", "size"),
        sources=("source_system", lambda s: ",".join(sorted(set(s.dropna())))),
    )
    provenance = []
    for field in GOLDEN_FIELDS:
        if field not in records.columns:
            persons[field] = None
            continue
        values = records.loc[
            records[field].notna(), ["person_id", "record_id", "source_system", "updated_at"]
        ]
        values = values.assign(value=records.loc[values.index, field].astype(str))
        if values.empty:
            persons[field] = None
            continue
        rule = survivorship.rules.get(field, "most_complete")
        best = _ranked(values, rule, survivorship.source_priority).drop_duplicates("person_id")
        distinct = values.groupby("person_id")["value"].nunique()
        provenance.append(
            pd.DataFrame(
                {
                    "person_id": best["person_id"].values,
                    "field": field,
                    "value": best["value"].values,
                    "record_id": best["record_id"].values,
                    "source_system": best["source_system"].values,
                    "rule": rule,
                    "candidates": distinct.reindex(best["person_id"]).astype(int).values,
                }
            )
        )
        persons[field] = best.set_index("person_id")["value"].reindex(persons.index)
    values_frame = (
        pd.concat(provenance, ignore_index=True) if provenance else pd.DataFrame(columns=VALUE_COLUMNS)
    )
    return persons.reset_index(), values_frame[VALUE_COLUMNS]
