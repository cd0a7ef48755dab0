"""The audit log: append-only, each entry keyed-hashed together with the previous entry's hash.

Changing, inserting or deleting any entry breaks the chain from that point on, and `verify()` says
where. Entries are HMAC-SHA256 with a key kept outside the store (`audit_keys`), so nobody without
the key can rewrite the log consistently; signed checkpoints written outside the database
(`audit_checkpoints`: every INSIGHTDESK_AUDIT_CHECKPOINT_EVERY entries, at the first keyed entry,
at `insightdesk audit verify` and at server shutdown) expose entries cut from its end.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from insightdesk.config import get_settings
from insightdesk.governance import audit_checkpoints
from insightdesk.governance.audit_chain import GENESIS, KEYED, PLAIN, entry_hash, keyed_hash
from insightdesk.governance.audit_checkpoints import Checkpoint
from insightdesk.governance.audit_keys import AuditKey, AuditKeyError, ensure_key, locate, signing_key
from insightdesk.governance.audit_verify import VerifyResult, verify
from insightdesk.governance.clock import utcnow
from insightdesk.model.csv_cells import csv_text
from insightdesk.store.tables.governance import audit_log

log = logging.getLogger(__name__)

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
    "hash_scheme",
    "key_id",
    "entry_hash",
)

__all__ = [
    "COLUMNS",
    "GENESIS",
    "Actor",
    "AuditKeyError",
    "VerifyResult",
    "append",
    "append_by",
    "checkpoint",
    "checkpoint_on_shutdown",
    "entry_hash",
    "query",
    "to_csv",
    "to_jsonl",
    "verify",
]


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Actor:
    """Who makes a change, for the audit log."""

    name: str
    role: str | None = None
    ip: str | None = None


def _checkpoint_after_append(engine: sa.Engine, key: AuditKey, seq: int, digest: str) -> None:
    # The entry is committed: a checkpoint that cannot be written is logged, not raised, and the
    # next `audit verify` reports what is missing.
    try:
        audit_checkpoints.write(locate(engine), key, seq, digest)
    except OSError as exc:
        log.error("could not write the audit checkpoint of entry %d: %s", seq, exc)


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
    """Append one entry in its own transaction; returns its sequence number.

    Raises AuditKeyError, before writing anything, when the store's audit key cannot be read or made.
    """
    with _APPEND_LOCK:
        # Under the lock: finding the key's place queries the store, and a DuckDB store's
        # connections are one connection that a concurrent append may be using.
        key = signing_key(engine)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
            last = conn.execute(
                sa.select(audit_log.c.seq, audit_log.c.entry_hash, audit_log.c.hash_scheme)
                .order_by(audit_log.c.seq.desc())
                .limit(1)
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
                "prev_hash": prev,
                "hash_scheme": KEYED if key else PLAIN,
                "key_id": key.key_id if key else None,
            }
            digest = entry_hash(prev, row, key)
            conn.execute(audit_log.insert().values(**row, entry_hash=digest))
        first_keyed = last is None or last.hash_scheme != KEYED
        if key is not None and (first_keyed or seq % get_settings().audit_checkpoint_every == 0):
            _checkpoint_after_append(engine, key, seq, digest)
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


def checkpoint(engine: sa.Engine, verified: VerifyResult | None = None) -> Checkpoint | None:
    """Write a signed checkpoint of the head; None when there is nothing this process may sign.

    With `verified` (a passing `verify()`), the head it verified is signed, making the key if the
    store has none yet (how an old store gets its first checkpoint). Without it (server shutdown),
    only a keyed head whose hash this key confirms is signed: never a state nobody checked.
    Raises AuditKeyError or OSError when the key or the checkpoint file cannot be written.
    """
    files = locate(engine)
    if verified is not None:
        if not verified.ok or verified.checkpoint_seq == verified.head_seq:
            return None  # never sign a broken chain; a head already signed needs no second line
        key = ensure_key(files)
        if key is None:
            return None
        return audit_checkpoints.write(files, key, verified.head_seq, verified.head_hash)
    key = signing_key(engine)
    with engine.connect() as conn:
        head = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).mappings().first()
    if key is None or head is None or head["hash_scheme"] != KEYED or head["key_id"] != key.key_id:
        return None
    if keyed_hash(head["prev_hash"], dict(head), key) != head["entry_hash"]:
        log.warning("audit head %s does not match its keyed hash: no checkpoint signed", head["seq"])
        return None
    return audit_checkpoints.write(files, key, int(head["seq"]), head["entry_hash"])


def checkpoint_on_shutdown(engine: sa.Engine) -> None:
    """`checkpoint(engine)` for a server that stops: a failure is logged, never raised."""
    try:
        checkpoint(engine)
    except (AuditKeyError, OSError, sa.exc.SQLAlchemyError) as exc:
        log.warning("no audit checkpoint written at shutdown: %s", exc)


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
    """The entries as CSV, cells neutralised against formula injection (actors and details are user text)."""
    return csv_text(COLUMNS, rows)


def to_jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps({k: row.get(k) for k in COLUMNS}, default=str) + "\n" for row in rows)
