"""How an audit entry is hashed, by scheme, and how the chain is read back in order.

Two schemes: `hmac-sha256` (HMAC with the audit key, kept outside the store; what every entry gets
where the store has a key) and `sha256` (plain SHA-256: entries written before the key existed,
recorded as NULL, and entries of an in-memory store). Without the key nobody can forge an entry of
the first; anyone can recompute the second, which only the signed checkpoints protect.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.audit_keys import AuditKey, mac
from insightdesk.governance.clock import sha256
from insightdesk.store.tables.governance import audit_log

GENESIS = "0" * 64
KEYED = "hmac-sha256"
PLAIN = "sha256"


def _at_text(at: dt.datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _fields(prev_hash: str, row: dict[str, Any]) -> list[Any]:
    return [
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


def plain_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and this entry's fields, in a fixed order (the first scheme)."""
    return sha256(json.dumps(_fields(prev_hash, row), separators=(",", ":"), ensure_ascii=False))


def keyed_hash(prev_hash: str, row: dict[str, Any], key: AuditKey) -> str:
    """HMAC-SHA256 with the audit key over the scheme, the key's id, the previous hash and the fields."""
    fields = [KEYED, key.key_id, *_fields(prev_hash, row)]
    return mac(key.secret, json.dumps(fields, separators=(",", ":"), ensure_ascii=False))


def entry_hash(prev_hash: str, row: dict[str, Any], key: AuditKey | None = None) -> str:
    """The hash of an entry under the keyed scheme when `key` is given, else the plain one."""
    return keyed_hash(prev_hash, row, key) if key is not None else plain_hash(prev_hash, row)


def rows(engine: sa.Engine, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every entry in chain order, read in batches (the log can be long)."""
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
