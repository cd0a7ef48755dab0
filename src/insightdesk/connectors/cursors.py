"""Cursors: read where a stream resumes, and write its new high-water mark with the rows it covers.

The write happens inside ingest's batch transaction (`ingest_file(..., before_commit=...)`), so
the rows and the cursor that covers them commit together: a crash at any point resumes from the
last committed cursor, and re-fetched records merge as unchanged (ingest keys them by id).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from insightdesk.ingest.pipeline import IngestResult
from insightdesk.ingest.sql import lit
from insightdesk.ingest.target import Target
from insightdesk.store import Store
from insightdesk.store.tables.connectors import connector_cursors


def read_cursor(store: Store, source: str, stream: str) -> tuple[dict[str, Any] | None, datetime | None]:
    """The committed cursor of a stream (None before its first sync) and its newest source update."""
    cursor, newest, _ = read_state(store, source, stream)
    return cursor, newest


def read_state(
    store: Store, source: str, stream: str
) -> tuple[dict[str, Any] | None, datetime | None, frozenset[str]]:
    """The committed cursor, newest source update and the fields the stream has sent so far."""
    table = connector_cursors
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(table.c.cursor, table.c.newest_source_update, table.c.fields_seen).where(
                table.c.source == source, table.c.stream == stream
            )
        ).first()
    if row is None:
        return None, None, frozenset()
    return json.loads(row[0]), row[1], frozenset(json.loads(row[2] or "[]"))


def cursor_sql(
    source: str,
    stream: str,
    cursor: dict[str, Any],
    newest: datetime | None,
    batch_id: str | None,
    fields: frozenset[str] = frozenset(),
) -> list[str]:
    """Statements (both engines) that replace the stream's cursor row; `newest` is already the
    maximum of the old and the new high-water time (the caller read the old one)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return [
        f"DELETE FROM connector_cursors WHERE source = {lit(source)} AND stream = {lit(stream)}",
        "INSERT INTO connector_cursors (source, stream, cursor, newest_source_update, batch_id, fields_seen, "
        f"committed_at) VALUES ({lit(source)}, {lit(stream)}, {lit(json.dumps(cursor, sort_keys=True))}, "
        f"{'NULL' if newest is None else _ts(newest)}, {'NULL' if batch_id is None else lit(batch_id)}, "
        f"{lit(json.dumps(sorted(fields)))}, {_ts(now)})",
    ]


def commit_hook(
    source: str, stream: str, cursor: dict[str, Any], newest: datetime | None, fields: frozenset[str]
) -> Callable[[Target, IngestResult], None]:
    """An `ingest_file` before-commit hook writing the cursor in the batch's transaction."""

    def write(target: Target, result: IngestResult) -> None:
        for statement in cursor_sql(source, stream, cursor, newest, result.batch_id, fields):
            target.execute(statement)

    return write


def write_cursor(
    store: Store,
    source: str,
    stream: str,
    cursor: dict[str, Any],
    newest: datetime | None,
    fields: frozenset[str] = frozenset(),
) -> None:
    """Advance a cursor past pages that held no records (nothing else to commit with it)."""
    with store.begin() as conn:
        for statement in cursor_sql(source, stream, cursor, newest, None, fields):
            conn.exec_driver_sql(statement)


def _ts(moment: datetime) -> str:
    naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return f"TIMESTAMP '{naive.isoformat(sep=' ')}'"
