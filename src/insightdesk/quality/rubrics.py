"""Rubric versions in the store: saving a changed definition makes a new version; saving the same one
again changes nothing (idempotent), so a YAML file can be applied on every deploy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.quality.records import from_json, read_frame, to_json, utcnow
from insightdesk.quality.rubric import Rubric, RubricError, parse_rubric
from insightdesk.store.tables.quality import qa_rubrics

if TYPE_CHECKING:
    import pandas as pd

    from insightdesk.store import Store


def save_rubric(store: Store, definition: dict[str, Any] | Rubric, *, created_by: str) -> tuple[Rubric, bool]:
    """(the rubric with its version, whether a new version was written)."""
    rubric = definition if isinstance(definition, Rubric) else parse_rubric(definition)
    body = to_json(rubric.as_definition())
    r = qa_rubrics
    with store.begin() as conn:
        latest = conn.execute(
            sa.select(r.c.version, r.c.definition)
            .where(r.c.rubric_id == rubric.id)
            .order_by(r.c.version.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.definition == body:
            return Rubric(rubric.id, rubric.name, rubric.criteria, int(latest.version)), False
        version = 1 if latest is None else int(latest.version) + 1
        conn.execute(
            r.insert().values(
                rubric_id=rubric.id,
                version=version,
                name=rubric.name,
                definition=body,
                created_by=created_by,
                created_at=utcnow(),
            )
        )
    return Rubric(rubric.id, rubric.name, rubric.criteria, version), True


def get_rubric(store: Store, rubric_id: str, version: int | None = None) -> Rubric:
    """A stored rubric version (the latest by default); RubricError when there is none."""
    r = qa_rubrics
    query = sa.select(r.c.version, r.c.definition).where(r.c.rubric_id == rubric_id)
    query = query.where(r.c.version == version) if version is not None else query.order_by(r.c.version.desc())
    with store.engine.connect() as conn:
        row = conn.execute(query.limit(1)).first()
    if row is None:
        which = f" version {version}" if version is not None else ""
        raise RubricError(f"no rubric {rubric_id!r}{which}; `insightdesk qa rubric list` shows them")
    rubric = parse_rubric(from_json(row.definition))
    return Rubric(rubric.id, rubric.name, rubric.criteria, int(row.version))


def list_rubrics(store: Store) -> pd.DataFrame:
    """Every rubric's latest version: id, version, name, criteria count, created."""
    r = qa_rubrics
    frame = read_frame(store, sa.select(r).order_by(r.c.rubric_id, r.c.version.desc()))
    frame = frame.drop_duplicates("rubric_id")
    frame["criteria"] = frame["definition"].map(
        lambda d: sum(len(s["criteria"]) for s in from_json(d)["sections"])
    )
    return frame.drop(columns="definition").reset_index(drop=True)
