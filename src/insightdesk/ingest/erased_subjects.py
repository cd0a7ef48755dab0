"""Rows of erased people are not ingested again: a re-import of an old export skips them.

An erasure leaves a tombstone per identifier of the person (customer id, email, phone): an
HMAC-SHA256 under the store's tombstone key (`privacy_keys`), so the table names nobody. Here each
identifier of a batch is hashed the same way; rows that match are rejected with the reason
"erased subject" and reach quarantine without their values. governance.privacy writes the
tombstones with `tombstone_hash`, so both sides hash alike.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from insightdesk.ingest.sql import q
from insightdesk.ingest.target import Target

if TYPE_CHECKING:
    import duckdb

ERASED_REASON = "erased subject"
TOMBSTONE_KEY_ID = "tombstone"


def normalise_identifier(value: str) -> str:
    """The form an identifier is hashed in: trimmed, lower case (emails and ids compare so)."""
    return value.strip().lower()


def tombstone_hash(secret: str, value: str) -> str:
    return hmac.new(
        bytes.fromhex(secret), normalise_identifier(value).encode("utf-8"), hashlib.sha256
    ).hexdigest()


def _person_columns(kind: str, columns: list[str], extra: list[str]) -> list[str]:
    if kind == "customers":
        return ["id", *[c for c in extra if c.startswith("__contact_")]]
    return ["customer_id"] if "customer_id" in columns else []


def mark_erased(target: Target, kind: str, columns: list[str], extra: list[str]) -> int:
    """Fill staging temp table stg_erased with the ids of the batch's records of erased people."""
    con: duckdb.DuckDBPyConnection = target.staging
    con.execute("CREATE OR REPLACE TEMP TABLE stg_erased (id VARCHAR)")
    person_columns = _person_columns(kind, columns, extra)
    if not person_columns:
        return 0
    tombstones = {row[0] for row in target.fetchall("SELECT identifier_hash FROM erasure_tombstones")}
    if not tombstones:
        return 0
    secret = target.fetchall(f"SELECT secret FROM privacy_keys WHERE key_id = '{TOMBSTONE_KEY_ID}'")[0][0]
    for column in person_columns:
        values = con.execute(
            f"SELECT DISTINCT CAST({q(column)} AS VARCHAR) FROM stg_typed WHERE {q(column)} IS NOT NULL"
        ).fetchall()
        erased = [(v,) for (v,) in values if tombstone_hash(secret, v) in tombstones]
        if erased:
            con.execute("CREATE OR REPLACE TEMP TABLE stg_erased_values (v VARCHAR)")
            con.executemany("INSERT INTO stg_erased_values VALUES (?)", erased)
            con.execute(
                f"INSERT INTO stg_erased SELECT DISTINCT id FROM stg_typed WHERE CAST({q(column)} AS VARCHAR) "
                "IN (SELECT v FROM stg_erased_values) AND id IS NOT NULL"
            )
            con.execute("DROP TABLE stg_erased_values")
    return int(con.execute("SELECT count(*) FROM stg_erased").fetchone()[0])  # type: ignore[index]
