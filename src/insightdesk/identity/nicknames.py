"""English given names and their nicknames (bill ~ william, peggy ~ margaret).

The table is carltonnorthern/nicknames `names.csv` (Apache-2.0, commit 21d7505, licence beside it in
`data/`), 2,691 `name1,has_nickname,name2` pairs. A name's *forms* are itself plus every name one
step away in either direction, so two first names match as nicknames when their forms intersect.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from functools import cache
from importlib import resources


@cache
def nickname_graph() -> dict[str, frozenset[str]]:
    """Each name of the table -> the names one nickname step away from it (both directions)."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    source = resources.files("insightdesk.identity").joinpath("data/nicknames.csv.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        for row in csv.DictReader(text):
            formal, nickname = row["name1"].strip().lower(), row["name2"].strip().lower()
            if formal and nickname and formal != nickname:
                neighbours[formal].add(nickname)
                neighbours[nickname].add(formal)
    return {name: frozenset(names) for name, names in neighbours.items()}


def name_forms(first_name: str | None) -> list[str] | None:
    """The name and its nickname relatives, sorted (None for a missing name)."""
    if not first_name:
        return None
    return sorted({first_name} | nickname_graph().get(first_name, frozenset()))


def are_nicknames(a: str | None, b: str | None) -> bool:
    """True when one name is a nickname of the other (or they are the same name)."""
    if not a or not b:
        return False
    return a == b or b in nickname_graph().get(a, frozenset())
