"""Deletions whose vendor sends no record: the stored version, marked cancelled, through ingest.

ServiceNow's deleted-records table and Jira's audit log say *that* a record was deleted, not what it
held (ServiceNow's payload has raw values, not the display values the profile reads). A deletion is
honoured as Zendesk's and Freshdesk's are: the ticket stays, as last seen, with status `cancelled`
and its source update time at the deletion. The connector reads the stored row, writes it with the
canonical column names, and ingests it with the `generic` profile under the source's own source
system, so merge keeps the old version in `record_history`, counts it as an update and the cursor
commits in the same transaction. A deletion of a record the store never had is skipped: there is
nothing to honour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from insightdesk.ingest.mapping import REFERENCE_TARGETS
from insightdesk.store import Store
from insightdesk.store.tables.base import business_columns
from insightdesk.store.tables.canonical import metadata

DELETED_STATUS = "cancelled"
_PREFIXED = frozenset(REFERENCE_TARGETS) | {"conversation_id"}


def tombstones(
    store: Store, source_system: str, kind: str, deleted: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Records (canonical names, the `generic` profile's shape) marking the stored records of
    `deleted` (each {"source_id": ..., "deleted_at": ISO time}) as cancelled."""
    when = {str(d["source_id"]): d["deleted_at"] for d in deleted if d.get("source_id")}
    if not when:
        return []
    table = metadata.tables[kind]
    prefix = f"{source_system}:"
    columns = [c for c in business_columns(kind) if c != "is_stub"]
    ids = [prefix + source_id for source_id in when]
    found: list[dict[str, Any]] = []
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            query = sa.select(table).where(table.c.id.in_(ids[start : start + 500]))
            if "is_stub" in table.c:
                query = query.where(sa.or_(table.c.is_stub.is_(None), table.c.is_stub.is_(False)))
            found += [dict(r) for r in conn.execute(query).mappings()]
    records = []
    for row in found:
        record = {name: _plain(name, row.get(name), prefix) for name in columns}
        record["id"] = row["source_id"]
        record["status"] = DELETED_STATUS
        record["source_updated_at"] = when[str(row["source_id"])]
        records.append(record)
    return records


def _plain(name: str, value: Any, prefix: str) -> Any:
    """A stored value as ingest reads it: references without the source-system prefix ingest adds."""
    if name in _PREFIXED and isinstance(value, str) and value.startswith(prefix):
        return value[len(prefix) :]
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return naive.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value
