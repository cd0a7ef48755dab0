"""Vendor-shaped fixtures of the bundled helpdesk profiles and small helpers to load and inspect them
(tests/ingest/test_profiles.py and test_profile_mappings.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from insightdesk.ingest import ingest_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "support" / "fixtures" / "profiles"
PROFILES_DIR = ROOT / "src" / "insightdesk" / "ingest" / "profiles"


def ingest(store, vendor: str, kind: str, name: str, **kw):
    return ingest_file(store, FIXTURES / vendor / name, kind, profile=kw.pop("profile", vendor), **kw)


def rejects(store, batch_id: str) -> dict[str, object]:
    frame = store.query_df(
        "SELECT line, record_key, field, value, reason, status FROM quarantine WHERE batch_id = :b ORDER BY line",
        {"b": batch_id},
    )
    return {row.record_key or f"line{row.line}": row for row in frame.itertuples()}


def frame(store, sql: str) -> pd.DataFrame:
    return store.query_df(sql).set_index("id")
