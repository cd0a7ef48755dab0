"""A batch's rejected records, for the upload page: the first ones to show, and all as a CSV.

The CSV holds each record as it was read (its source columns, from `quarantine.raw`) followed by
where and why it was refused, so the sender can fix the rows and upload them again. Cells go
through `model.csv_cells`: a value such as `=HYPERLINK(...)` arrives as text, never as a formula.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from insightdesk.model.csv_cells import csv_text

if TYPE_CHECKING:
    from insightdesk.store import Store

WHY_COLUMNS = ("rejected_line", "rejected_field", "rejected_value", "rejected_reason")


def first_rejections(store: Store, batch_id: str, limit: int) -> list[dict[str, Any]]:
    """The first `limit` rejected records of the batch, in file order: line, key, field, value, reason."""
    frame = store.query_df(
        "SELECT line, record_key, field, value, reason FROM quarantine WHERE batch_id = :b "
        f"ORDER BY line, quarantine_id LIMIT {int(limit)}",
        {"b": batch_id},
    )
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for row in rows:
        row["line"] = None if row["line"] is None else int(row["line"])
        row["reason"] = row["reason"] or ""
    return rows


def batch_exists(store: Store, batch_id: str) -> bool:
    return bool(store.scalar("SELECT count(*) FROM ingest_batches WHERE batch_id = :b", {"b": batch_id}))


def rejected_rows_csv(store: Store, batch_id: str) -> tuple[str, int]:
    """(CSV text, rows): every rejected record of the batch with its source columns first."""
    frame = store.query_df(
        "SELECT line, field, value, reason, raw FROM quarantine WHERE batch_id = :b ORDER BY line, quarantine_id",
        {"b": batch_id},
    )
    records: list[dict[str, Any]] = []
    source_columns: dict[str, None] = {}  # insertion-ordered set: the file's own column order
    for line, field, value, reason, raw in frame.itertuples(index=False, name=None):
        try:
            record = json.loads(raw) if raw else {}
        except ValueError:
            record = {"raw": raw}
        if not isinstance(record, dict):
            record = {"raw": raw}
        source_columns.update(dict.fromkeys(str(k) for k in record))
        records.append(
            {str(k): _cell(v) for k, v in record.items()}
            | dict(zip(WHY_COLUMNS, (_line(line), field, value, reason), strict=True))
        )
    columns = [c for c in source_columns if c not in WHY_COLUMNS] + list(WHY_COLUMNS)
    return csv_text(columns, records), len(records)


def _line(value: Any) -> int | None:
    import pandas as pd

    return None if pd.isna(value) else int(value)


def _cell(value: Any) -> Any:
    """A JSON value as a CSV cell: nested lists and objects as their JSON text."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
