"""Blocking rules that keep recall without exploding: which record pairs Splink scores at all.

Each candidate rule is a tuple of columns of the prepared frame; a rule is kept only for fields the
data set fills, and a rule whose blocks would yield more than `max_pairs` comparisons is refined
with an initial (surname -> surname + first initial) until it fits, or dropped. Sizes are counted
exactly from the frame (sum of n(n-1)/2 over blocks), so the same spec works on 1,000 and on
1,000,000 records.
"""

from __future__ import annotations

import pandas as pd

# Candidate rules, most specific first; refinements are tried in order when a rule is too broad.
CANDIDATE_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "surname"),
    ("email",),
    ("phone",),
    ("external_id",),
    ("surname",),
    ("first_name", "dob"),
    ("surname", "dob"),
    ("dob",),
    ("email_user",),
    ("postcode", "surname_initial"),
    ("postcode", "first_initial"),
    ("street", "postcode"),
)
REFINEMENTS = ("first_initial", "surname_initial", "dob_year")
# A swapped first name and surname is found by its own rule (plain equality cannot express it).
SWAP_RULE = "l.first_name = r.surname and l.surname = r.first_name"
# Derived columns the rules may use, and the field each derives from.
DERIVED = {
    "first_initial": "first_name",
    "surname_initial": "surname",
    "dob_year": "dob",
    "email_user": "email",
}


def add_blocking_columns(prepared: pd.DataFrame) -> pd.DataFrame:
    """The prepared frame with the derived columns blocking rules use."""
    frame = prepared.copy()
    frame["first_initial"] = frame["first_name"].str[:1]
    frame["surname_initial"] = frame["surname"].str[:1]
    frame["dob_year"] = frame["dob"].str[:4]
    return frame


def pair_count(frame: pd.DataFrame, columns: tuple[str, ...]) -> int:
    """Comparisons a rule generates within one data set: sum of n(n-1)/2 over its non-null blocks."""
    keys = frame[list(columns)].dropna()
    if keys.empty:
        return 0
    sizes = keys.groupby(list(columns), sort=False).size()
    return int((sizes * (sizes - 1) // 2).sum())


def _usable(columns: tuple[str, ...], fields: set[str]) -> bool:
    return all(DERIVED.get(c, c) in fields for c in columns)


def choose_rules(frame: pd.DataFrame, fields: set[str], max_pairs: int) -> list[tuple[str, ...]]:
    """The candidate rules this data set can use, each refined until it yields at most `max_pairs`."""
    chosen: list[tuple[str, ...]] = []
    for rule in CANDIDATE_RULES:
        if not _usable(rule, fields):
            continue
        current = rule
        for extra in (None, *REFINEMENTS):
            if extra is not None:
                # An initial of a column the rule already holds narrows nothing (surname -> its initial).
                if extra in current or DERIVED[extra] in current or not _usable((extra,), fields):
                    continue
                current = (*current, extra)
            if pair_count(frame, current) <= max_pairs:
                if current not in chosen:
                    chosen.append(current)
                break
    return chosen
