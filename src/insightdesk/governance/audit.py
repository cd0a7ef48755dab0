"""The audit log: append-only, each entry hashed together with the previous entry's hash.

Changing, inserting or deleting any entry breaks the chain from that point on, and `verify()`
says where. Deleting entries from the end leaves a valid shorter chain: compare `head()` with a
copy kept elsewhere (`insightdesk audit verify --anchor SEQ:HASH`) to catch that too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.clock import sha256, utcnow
from insightdesk.store.tables.governance import audit_log

GENESIS = "0" * 64
# One writer at a time inside a process; PostgreSQL also takes a table lock, for other processes.
_APPEND_LOCK = threading.Lock()

COLUMNS = (
    "seq",
    "occurred_at",
    "actor",
    "role",
    "action",
    "target",
    "record_ids",
    "detail",
    "ip",
    "prev_hash",
    "entry_hash",
)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _at_text(at: dt.datetime) -> str:
    return at.isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and this entry's fields, in a fixed order."""
    fields = [
        prev_hash,
        int(row["seq"]),
        _at_text(row["occurred_at"]),
        row["actor"],
        row["role"],
        row["action"],
        row["target"],
        row["record_ids"],
        row["detail"],
        row["ip"],
    ]
    return sha256(json.dumps(fields, separators=(",", ":"), ensure_ascii=False))


@dataclass(frozen=True)
class Actor:
    """Who makes a change, for the audit log."""

    name: str
    role: str | None = None
    ip: str | None = None


def append(
    engine: sa.Engine,
    *,
    actor: str,
    action: str,
    role: str | None = None,
    target: str | None = None,
    record_ids: Sequence[str] | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> int:
    """Append one entry in its own transaction; returns its sequence number."""
    with _APPEND_LOCK, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
        last = conn.execute(
            sa.select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (int(last.seq) + 1, last.entry_hash) if last else (1, GENESIS)
        row = {
            "seq": seq,
            "occurred_at": utcnow(),
            "actor": actor,
            "role": role,
            "action": action,
            "target": target,
            "record_ids": _json(list(record_ids)) if record_ids is not None else None,
            "detail": _json(detail),
            "ip": ip,
        }
        row["prev_hash"] = prev
        row["entry_hash"] = entry_hash(prev, row)
        conn.execute(audit_log.insert().values(**row))
    return seq


def append_by(
    engine: sa.Engine,
    actor: Actor,
    action: str,
    target: str,
    record_ids: Sequence[str],
    detail: dict[str, Any] | None = None,
) -> int:
    """Append the entry for what `actor` did: a change (accounts, tokens, settings) or a read of records."""
    return append(
        engine,
        actor=actor.name,
        role=actor.role,
        ip=actor.ip,
        action=action,
        target=target,
        record_ids=record_ids,
        detail=detail,
    )


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
        }


def _rows(engine: sa.Engine, batch: int = 5000) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        with engine.connect() as conn:
            chunk = (
                conn.execute(
                    sa.select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(batch)
                )
                .mappings()
                .all()
            )
        if not chunk:
            return
        for row in chunk:
            yield dict(row)
        after = int(chunk[-1]["seq"])


def verify(engine: sa.Engine, *, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the chain; the first entry that does not fit is named with the reason."""
    prev, expected_seq, count = GENESIS, 1, 0
    anchor_seen = anchor is None
    for row in _rows(engine):
        seq = int(row["seq"])
        if seq != expected_seq:
            return VerifyResult(False, count, expected_seq - 1, prev, seq, f"entry {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return VerifyResult(False, count, seq - 1, prev, seq, "prev_hash does not match the entry before")
        if entry_hash(prev, row) != row["entry_hash"]:
            return VerifyResult(False, count, seq - 1, prev, seq, "entry was changed after it was written")
        if anchor is not None and seq == anchor[0]:
            if row["entry_hash"] != anchor[1]:
                return VerifyResult(False, count, seq - 1, prev, seq, "entry differs from the kept anchor")
            anchor_seen = True
        prev, expected_seq, count = row["entry_hash"], seq + 1, count + 1
    if not anchor_seen:
        assert anchor is not None
        return VerifyResult(
            False,
            count,
            expected_seq - 1,
            prev,
            anchor[0],
            f"anchor entry {anchor[0]} is gone (log truncated)",
        )
    return VerifyResult(True, count, expected_seq - 1, prev)


def query(
    engine: sa.Engine,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Entries, newest first, with the total that match."""
    cond = []
    if actor:
        cond.append(audit_log.c.actor == actor)
    if action:
        # A trailing * matches a family of actions ("user.*").
        cond.append(
            audit_log.c.action.like(action[:-1] + "%")
            if action.endswith("*")
            else audit_log.c.action == action
        )
    if since:
        cond.append(audit_log.c.occurred_at >= since)
    if until:
        cond.append(audit_log.c.occurred_at < until)
    where = sa.and_(sa.true(), *cond)
    stmt = sa.select(audit_log).where(where).order_by(audit_log.c.seq.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        total = int(
            conn.execute(sa.select(sa.func.count()).select_from(audit_log).where(where)).scalar() or 0
        )
    return rows, total


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k) for k in COLUMNS})
    return buf.getvalue()


def to_jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps({k: row.get(k) for k in COLUMNS}, default=str) + "\n" for row in rows)
