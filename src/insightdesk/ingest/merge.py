"""Merge a staged batch into a store table: insert new records, replace changed ones, keep history.

Runs through a Target, so the same statements serve DuckDB and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from insightdesk.ingest.results import EntityCounts
from insightdesk.ingest.sql import hash_sql, lit, q
from insightdesk.ingest.target import Target
from insightdesk.store.tables.canonical import metadata


def _ts(now: datetime) -> str:
    return f"TIMESTAMP '{now.isoformat(sep=' ')}'"


def insert_stubs(target: Target, table: str, ref_col: str, exists: str, batch_id: str, now: datetime) -> int:
    before = target.fetchall(f"SELECT count(*) FROM {q(table)}")[0][0]
    target.execute(
        f"INSERT INTO {q(table)} (id, source_system, source_id, batch_id, record_hash, first_seen_at, "
        f"last_changed_at, is_stub) SELECT DISTINCT s.{q(ref_col)}, split_part(s.{q(ref_col)}, ':', 1), "
        f"substr(s.{q(ref_col)}, strpos(s.{q(ref_col)}, ':') + 1), {lit(batch_id)}, 'stub', {_ts(now)}, {_ts(now)}, "
        f"TRUE FROM stg_ok s WHERE s.{q(ref_col)} IS NOT NULL AND NOT EXISTS ({exists})"
    )
    return target.fetchall(f"SELECT count(*) FROM {q(table)}")[0][0] - before


def merge(
    target: Target, table: str, staging: str, columns: list[str], batch_id: str, now: datetime
) -> EntityCounts:
    """Insert new records, replace changed ones (keeping the old version), leave the rest."""
    tcols = metadata.tables[table].c
    stub_case = "WHEN t.is_stub THEN 'fill' " if "is_stub" in tcols else ""
    stale_case = (
        "WHEN s.source_updated_at < t.source_updated_at THEN 'stale' "
        if "source_updated_at" in tcols and "source_updated_at" in columns
        else ""
    )
    target.execute("DROP TABLE IF EXISTS stg_cls")
    target.execute(
        f"CREATE TEMP TABLE stg_cls AS SELECT s.id, t.first_seen_at AS old_first_seen, CASE "
        f"WHEN t.id IS NULL THEN 'insert' {stub_case}WHEN t.record_hash = s.record_hash THEN 'same' "
        f"{stale_case}ELSE 'update' END AS action FROM {q(staging)} s LEFT JOIN {q(table)} t ON t.id = s.id"
    )
    tally = dict(target.fetchall("SELECT action, count(*) FROM stg_cls GROUP BY action"))
    if tally.get("update"):
        target.execute(
            f"INSERT INTO record_history (entity, record_id, batch_id, replaced_by_batch_id, replaced_at, record) "
            f"SELECT {lit(table)}, t.id, t.batch_id, {lit(batch_id)}, {_ts(now)}, {target.row_json('t')} "
            f"FROM {q(table)} t JOIN stg_cls c ON c.id = t.id WHERE c.action = 'update'"
        )
    if tally.get("update") or tally.get("fill"):
        target.execute(
            f"DELETE FROM {q(table)} WHERE id IN (SELECT id FROM stg_cls WHERE action IN ('update', 'fill'))"
        )
    if tally.get("insert") or tally.get("update") or tally.get("fill"):
        data_cols = [c for c in columns if c not in ("record_hash",)]
        extra = ", is_stub" if "is_stub" in tcols else ""
        extra_val = ", FALSE" if "is_stub" in tcols else ""
        target.execute(
            f"INSERT INTO {q(table)} ({', '.join(q(c) for c in data_cols)}, source_system, source_id, batch_id, "
            f"record_hash, first_seen_at, last_changed_at{extra}) SELECT "
            f"{', '.join('s.' + q(c) for c in data_cols)}, split_part(s.id, ':', 1), substr(s.id, strpos(s.id, ':') + 1), "
            f"{lit(batch_id)}, s.record_hash, coalesce(c.old_first_seen, {_ts(now)}), {_ts(now)}{extra_val} "
            f"FROM {q(staging)} s JOIN stg_cls c ON c.id = s.id WHERE c.action IN ('insert', 'update', 'fill')"
        )
    target.execute("DROP TABLE stg_cls")
    return EntityCounts(
        inserted=tally.get("insert", 0) + tally.get("fill", 0),
        updated=tally.get("update", 0),
        unchanged=tally.get("same", 0) + tally.get("stale", 0),
    )


def merge_derived(
    target: Target, table: str, staging: str, source_system: str, batch_id: str, now: datetime
) -> EntityCounts:
    """Merge rows derived from the batch (ticket events of an event log, contacts of customers)."""
    con = target.staging
    cols = [r[0] for r in con.execute(f"DESCRIBE {q(staging)}").fetchall()]
    record_cols = [c for c in cols if c != "id"]
    hash_expr = hash_sql(record_cols)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {q(staging)} AS SELECT *, {hash_expr} AS record_hash FROM {q(staging)}"
    )
    ship = [*cols, "record_hash"]
    target.ship(staging, staging, ship, like=table)
    return merge(target, table, staging, ship, batch_id, now)
