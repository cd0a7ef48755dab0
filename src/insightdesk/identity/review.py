"""The review queue and unmerge: people decide what the model could not, and every later run obeys.

Accepting a pair merges the two persons now and stores a must-link; rejecting stores a cannot-link
(and splits the pair if it was already one person). Unmerging a person splits it and stores
cannot-links between the parts. Every read of the queue (names and contacts side by side) and every
decision is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from insightdesk.governance import audit
from insightdesk.identity import persistence as db
from insightdesk.identity.clustering import _new_id
from insightdesk.identity.service import IdentityError, IdentityNotFound, refresh_derived
from insightdesk.store.tables.identity import identity_persons

if TYPE_CHECKING:
    from insightdesk.governance import Actor
    from insightdesk.store import Store

Decision = Literal["accept", "reject"]
STATUSES = ("pending", "accepted", "rejected")
MAX_UNMERGE_CONSTRAINTS = 20_000
RECORD_FIELDS = (
    "record_id",
    "source_system",
    "name",
    "email",
    "phone",
    "country",
    "organisation_id",
    "person_id",
)


@dataclass
class ReviewPage:
    total: int
    items: list[dict[str, Any]]


def _record(row: dict[str, Any] | None, record_id: str) -> dict[str, Any]:
    if row is None:  # the record was deleted since the pair was queued
        return {"record_id": record_id, **{f: None for f in RECORD_FIELDS[1:]}}
    return {
        f: (None if row.get(f) is None or row.get(f) != row.get(f) else str(row[f])) for f in RECORD_FIELDS
    }


def review_queue(
    store: Store,
    *,
    status: str | None = "pending",
    limit: int = 50,
    offset: int = 0,
    actor: Actor | None = None,
) -> ReviewPage:
    """A page of pairs with both records side by side; the read is audited when `actor` is given."""
    if status is not None and status not in STATUSES:
        raise IdentityError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if not 1 <= limit <= 500 or offset < 0:
        raise IdentityError("limit must be 1-500 and offset not negative")
    with store.engine.connect() as conn:
        pairs, total = db.review_pairs(conn, status, limit, offset)
        ids = sorted(set(pairs["record_id_l"]) | set(pairs["record_id_r"])) if len(pairs) else []
        records = db.records_by_id(conn, ids) if ids else None
    by_id = {r["record_id"]: r for r in records.to_dict("records")} if records is not None else {}
    items = []
    for row in pairs.to_dict("records"):
        probability = row["match_probability"]
        items.append(
            {
                "pair_id": row["pair_id"],
                "reason": row["reason"],
                "detail": row["detail"],
                "status": row["status"],
                "match_probability": None
                if probability is None or probability != probability
                else float(probability),
                "decided_by": row["decided_by"],
                "left": _record(by_id.get(row["record_id_l"]), row["record_id_l"]),
                "right": _record(by_id.get(row["record_id_r"]), row["record_id_r"]),
            }
        )
    if actor is not None and ids:
        audit.append_by(store.engine, actor, "identity.review.read", "customers", ids, {"pairs": len(items)})
    return ReviewPage(total, items)


def _check_id(value: str, what: str) -> None:
    """Refuse an id no store could hold before it reaches SQL (PostgreSQL text cannot hold NUL)."""
    if not value or len(value) > 300 or "\x00" in value:
        raise IdentityNotFound(f"no {what} {value[:40]!r}")


def _survivor(conn: Any, a: str, b: str) -> tuple[str, str]:
    sizes = {p: len(db.person_records(conn, p)) for p in (a, b)}
    keep = sorted((a, b), key=lambda p: (-sizes[p], p))[0]
    return keep, b if keep == a else a


def decide(store: Store, pid: str, decision: Decision, actor: Actor) -> dict[str, Any]:
    """Accept (same person) or reject (different people) a queued pair; returns what changed."""
    if decision not in ("accept", "reject"):
        raise IdentityError(f"decision {decision!r} must be accept or reject")
    _check_id(pid, "review pair")
    with store.begin() as conn:
        pair = db.review_pair(conn, pid)
        if pair is None:
            raise IdentityNotFound(f"no review pair {pid!r}: GET /api/v1/identity/review lists them")
        links = db.load_links(conn)
        left, right = pair.record_id_l, pair.record_id_r
        if left not in links or right not in links:
            raise IdentityError(f"review pair {pid}: a record of it is no longer linked; run identity again")
        kind = "must_link" if decision == "accept" else "cannot_link"
        db.decide_pair(conn, pid, "accepted" if decision == "accept" else "rejected", actor.name)
        db.upsert_constraint(conn, left, right, kind, "review", actor.name)
        change: dict[str, Any] = {"pair_id": pid, "decision": decision, "records": [left, right]}
        if decision == "accept" and links[left] != links[right]:
            keep, gone = _survivor(conn, links[left], links[right])
            db.move_records(
                conn, db.person_records(conn, gone), keep, "must_link", f"accepted in review by {actor.name}"
            )
            change.update(merged_into=keep, merged_from=gone)
        elif decision == "reject" and links[left] == links[right]:
            new = _new_id(right, set(links.values()))
            db.move_records(conn, [right], new, "unmerged", f"rejected in review by {actor.name}")
            change.update(split_out=new)
    refresh_derived(store)
    audit.append_by(
        store.engine, actor, "identity.review.decide", "identity_review_pairs", [left, right], change
    )
    return change


def unmerge(
    store: Store, person_id: str, actor: Actor, record_ids: list[str] | None = None
) -> dict[str, Any]:
    """Split a person: `record_ids` leave together as a new person, or every record stands alone.

    Cannot-link constraints between the parts keep later runs from merging them again.
    """
    _check_id(person_id, "person")
    for record in record_ids or []:
        _check_id(record, "record")
    with store.begin() as conn:
        members = db.person_records(conn, person_id)
        if not members:
            raise IdentityNotFound(f"no person {person_id!r}")
        if record_ids:
            strangers = sorted(set(record_ids) - set(members))
            if strangers:
                raise IdentityError(f"record {strangers[0]!r} does not belong to person {person_id}")
            if set(record_ids) == set(members):
                raise IdentityError(f"those are all the records of {person_id}: name fewer to split off")
            parts = [sorted(set(members) - set(record_ids)), sorted(set(record_ids))]
        else:
            if len(members) == 1:
                raise IdentityError(f"person {person_id} has one record: nothing to unmerge")
            parts = [[record] for record in members]
        pairs = sum(len(a) * len(b) for i, a in enumerate(parts) for b in parts[i + 1 :])
        if pairs > MAX_UNMERGE_CONSTRAINTS:  # limits before work: each pair becomes a constraint row
            raise IdentityError(
                f"splitting {person_id} this way needs {pairs:,} cannot-link constraints (at most "
                f"{MAX_UNMERGE_CONSTRAINTS:,}): name the records to split off with --record instead"
            )
        taken = {r.person_id for r in conn.execute(identity_persons.select())}
        new_ids = []
        for part in parts[1:]:
            new = _new_id(part[0], taken)
            taken.add(new)
            new_ids.append(new)
            db.move_records(conn, part, new, "unmerged", f"split from {person_id} by {actor.name}")
        for i, part in enumerate(parts):
            for other in parts[i + 1 :]:
                for a in part:
                    for b in other:
                        db.upsert_constraint(conn, a, b, "cannot_link", "unmerge", actor.name)
    refresh_derived(store)
    change = {"person_id": person_id, "new_persons": new_ids, "parts": len(parts)}
    audit.append_by(store.engine, actor, "identity.unmerge", "identity_persons", members, change)
    return change
