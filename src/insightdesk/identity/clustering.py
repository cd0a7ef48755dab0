"""Records into persons: edges merged strongest first, never across a cannot-link, with ids that stay.

Must-link decisions go first, then deterministic keys, then model pairs at or above the threshold,
each in descending match probability. Two groups are never merged when a cannot-link constraint
(a rejected review pair, an unmerge, a pending key conflict) joins any of their members, so a
decision survives every later run. Person ids are carried over from the previous run by overlap,
and a new person is named after its smallest record id, so a re-run on the same data gives the
same ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd

METHOD_RANK = {"must_link": 0, "deterministic": 1, "probabilistic": 2}


class _Groups:
    """Union-find with, per group, the records it must never be merged with."""

    def __init__(self, records: Iterable[str], cannot: Iterable[tuple[str, str]]) -> None:
        self.parent = {r: r for r in records}
        self.frozen: set[str] = set()
        self.forbidden: dict[str, set[str]] = {}
        for a, b in cannot:
            if a in self.parent and b in self.parent:
                self.forbidden.setdefault(a, set()).add(b)
                self.forbidden.setdefault(b, set()).add(a)

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if ra in self.frozen and rb in self.frozen:  # two existing persons: only a full run merges them
            return False
        small, large = (
            (ra, rb) if len(self.forbidden.get(ra, ())) <= len(self.forbidden.get(rb, ())) else (rb, ra)
        )
        if any(self.find(x) == large for x in self.forbidden.get(small, ())):
            return False
        self.parent[small] = large
        if small in self.frozen:
            self.frozen.add(large)
        if small in self.forbidden:
            self.forbidden.setdefault(large, set()).update(self.forbidden.pop(small))
        return True


def cluster(
    records: list[str],
    edges: pd.DataFrame,
    cannot_link: Iterable[tuple[str, str]],
    existing: dict[str, str] | None = None,
) -> tuple[dict[str, str], pd.DataFrame]:
    """(record -> root record, the edges that were applied).

    `edges` has record_id_l, record_id_r, method, match_probability (null for keys) and reason.
    `existing` (record -> person, incremental linking) seeds the groups and freezes them: a new
    record joins at most one existing person, and two existing persons are never merged here.
    """
    groups = _Groups(records, cannot_link)
    if existing:
        anchors: dict[str, str] = {}
        for record, person in existing.items():
            if record in groups.parent:
                anchor = anchors.setdefault(person, record)
                groups.union(anchor, record)
        groups.frozen = {groups.find(anchor) for anchor in anchors.values()}
    order = edges.assign(
        _rank=edges["method"].map(METHOD_RANK), _p=edges["match_probability"].fillna(1.0)
    ).sort_values(["_rank", "_p", "record_id_l", "record_id_r"], ascending=[True, False, True, True])
    applied = []
    for row in order.itertuples(index=False):
        if row.record_id_l in groups.parent and row.record_id_r in groups.parent:
            applied.append(groups.union(row.record_id_l, row.record_id_r))
        else:
            applied.append(False)
    kept = order.loc[applied].drop(columns=["_rank", "_p"])
    return {r: groups.find(r) for r in records}, kept.reset_index(drop=True)


def _new_id(seed: str, taken: set[str]) -> str:
    for attempt in range(1000):
        text = seed if attempt == 0 else f"{seed}#{attempt}"
        candidate = "P-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free person id for {seed}")  # 1,000 collisions of 48-bit hashes: a bug


def stable_person_ids(
    roots: dict[str, str], previous: dict[str, str], retired: frozenset[str] = frozenset()
) -> dict[str, str]:
    """record -> person id: each group keeps the previous id most of its records had (largest group
    first, each old id used once); otherwise a new id from its smallest record id."""
    members: dict[str, list[str]] = {}
    for record, root in roots.items():
        members.setdefault(root, []).append(record)
    # Ids a new person may not take: every previous and retired id, and each id handed out below.
    # One set, grown as ids are handed out (a copy per group made a full run quadratic: 17 of its
    # 25 CPU seconds at 50,000 records).
    unavailable = set(previous.values()) | set(retired)
    used: set[str] = set()
    assignment: dict[str, str] = {}
    for group in sorted(members.values(), key=lambda records: (-len(records), min(records))):
        counts: dict[str, int] = {}
        for record in group:
            if record in previous:
                counts[previous[record]] = counts.get(previous[record], 0) + 1
        choices = sorted((pid for pid in counts if pid not in used), key=lambda pid: (-counts[pid], pid))
        person = choices[0] if choices else _new_id(min(group), unavailable)
        used.add(person)
        unavailable.add(person)
        for record in group:
            assignment[record] = person
    return assignment


def link_methods(roots: dict[str, str], applied: pd.DataFrame, unusable: dict[str, str]) -> pd.DataFrame:
    """Per record: how it joined its person (the strongest applied edge touching it) and why."""
    rows = []
    if not applied.empty:
        ends = pd.concat(
            [
                applied.rename(columns={"record_id_l": "record_id", "record_id_r": "other"}),
                applied.rename(columns={"record_id_r": "record_id", "record_id_l": "other"}),
            ],
            ignore_index=True,
        )
        ends["_rank"] = ends["method"].map(METHOD_RANK)
        # A key edge's reason names its first record ("same email as A"): seen from A, name the other.
        ends["reason"] = [
            reason[: len(reason) - len(record)] + other
            if isinstance(reason, str) and reason.endswith(" as " + record)
            else reason
            for reason, record, other in zip(ends["reason"], ends["record_id"], ends["other"], strict=True)
        ]
        best = ends.sort_values(["_rank", "match_probability"], ascending=[True, False]).drop_duplicates(
            "record_id"
        )
        rows = best[["record_id", "method", "match_probability", "reason"]].to_dict("records")
    linked = {row["record_id"] for row in rows}
    for record in roots:
        if record in linked:
            continue
        if record in unusable:
            rows.append(
                {
                    "record_id": record,
                    "method": "unusable",
                    "match_probability": None,
                    "reason": unusable[record],
                }
            )
        else:
            reason = "no other record matched it at the threshold"
            rows.append(
                {"record_id": record, "method": "singleton", "match_probability": None, "reason": reason}
            )
    return pd.DataFrame(rows, columns=["record_id", "method", "match_probability", "reason"])
