"""Reuse a quickstart store on a second run when nothing it was built from has changed.

A finished quickstart writes `<store>.quickstart.json` beside the DuckDB file: a fingerprint of
what the store was built from (the bundled sample's bytes, the package version, the shipped text
models) and a stamp of what it holds (ingest batches, text analyses, themes, insight runs). A later
run reuses the store only when both still match: a store someone ingested into, curated or
re-analysed since is rebuilt fresh, as before, rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from insightdesk import __version__
from insightdesk.sample import SAMPLE_KINDS, sample_file
from insightdesk.store import Store
from insightdesk.store.serving import table_stamps

STAMP_SUFFIX = ".quickstart.json"
# What the store holds: a new batch, analysis, theme edit or insight run moves the stamp.
_HELD = (
    ("ingest_batches", "batch_id"),
    ("text_analyses", "analysed_at"),
    ("themes", "updated_at"),
    ("insight_runs", "finished_at"),
)


def stamp_path(db: Path) -> Path:
    return db.with_name(db.name + STAMP_SUFFIX)


def build_fingerprint() -> str:
    """Digest of the inputs: every sample file, the package version and the shipped text models."""
    digest = hashlib.sha256(__version__.encode())
    for kind in SAMPLE_KINDS:
        digest.update(kind.encode() + sample_file(kind).read_bytes())
    models = Path(__file__).resolve().parents[1] / "text" / "models"
    for path in sorted(p for p in models.rglob("*") if p.is_file()):
        # Name and size identify a shipped model well enough, without reading 50 MB each run.
        digest.update(f"{path.relative_to(models)}:{path.stat().st_size}".encode())
    return digest.hexdigest()


def held_stamp(store: Store) -> list[list[str]]:
    """(row count, latest value) of the tables the quickstart fills, as JSON-friendly strings."""
    inspector = sa.inspect(store.engine)
    present = [(t, c) for t, c in _HELD if inspector.has_table(t)]
    return [
        [t, *(str(v) for v in row)]
        for (t, _), row in zip(present, table_stamps(store.engine, present), strict=True)
    ]


def write_stamp(db: Path, store: Store, *, text: bool) -> None:
    record: dict[str, Any] = {"fingerprint": build_fingerprint(), "text": text, "held": held_stamp(store)}
    stamp_path(db).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def forget_stamp(db: Path) -> None:
    stamp_path(db).unlink(missing_ok=True)


def reusable(db: Path, *, text: bool) -> str | None:
    """Why the store at `db` can be reused (None: build it fresh).

    Opened read-only: a store another process holds cannot be read, so it is not reused (the
    fresh build then says who holds it).
    """
    path = stamp_path(db)
    if not db.is_file() or not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("fingerprint") != build_fingerprint():
        return None
    if text and not record.get("text"):
        return None
    from insightdesk.store import open_store
    from insightdesk.store.errors import StoreError

    try:
        with open_store(db, read_only=True, migrate=False) as store:
            if held_stamp(store) != record.get("held"):
                return None
    except (StoreError, sa.exc.SQLAlchemyError):
        return None
    return "built from this sample and these models, unchanged since"
