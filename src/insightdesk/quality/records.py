"""The quality tables' row helpers: ids, JSON columns, frames from selects, the clock (store.rows)."""

from __future__ import annotations

from insightdesk.store.rows import from_json, new_id, plain, read_frame, to_json, utcnow

__all__ = ["from_json", "new_id", "plain", "read_frame", "to_json", "utcnow"]
