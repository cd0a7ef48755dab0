"""Manual edits of the theme registry: rename, merge and split, each recorded in `theme_events`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text import themes as th
from insightdesk.text.pipeline_store import now_utc as _now
from insightdesk.text.pipeline_store import update_themes as _update_themes
from insightdesk.text.theme_registry import ThemeError, get_theme, next_ids, record_event, vec_json

if TYPE_CHECKING:
    from insightdesk.store import Store
    from insightdesk.text.embed import Embedder


def rename_theme(store: Store, theme_id: str, label: str) -> None:
    """Give a theme a human label; it survives refits that continue the theme."""
    label = label.strip()
    if not label:
        raise ThemeError("a theme label cannot be empty")
    with store.begin() as conn:
        row = get_theme(conn, theme_id)
        conn.execute(
            T.themes.update()
            .where(T.themes.c.theme_id == theme_id)
            .values(label=label, label_source="user", updated_at=_now())
        )
        record_event(conn, theme_id, "renamed", detail={"from": row.label, "to": label})


def merge_themes(store: Store, source_id: str, target_id: str) -> int:
    """Fold `source_id` into `target_id`; returns the number of texts moved."""
    import numpy as np

    if source_id == target_id:
        raise ThemeError("cannot merge a theme into itself")
    with store.begin() as conn:
        src, dst = get_theme(conn, source_id), get_theme(conn, target_id)
        for row in (src, dst):
            if row.status != "active":
                raise ThemeError(f"theme {row.theme_id} is {row.status}, not active")
        ta = T.text_analyses
        # Counted first: DuckDB's driver reports no rowcount for updates.
        moved = conn.execute(sa.select(sa.func.count()).where(ta.c.theme_id == source_id)).scalar()
        conn.execute(ta.update().where(ta.c.theme_id == source_id).values(theme_id=target_id))
        a, b = np.asarray(json.loads(src.centroid)), np.asarray(json.loads(dst.centroid))
        centroid = a * (src.size or 1) + b * (dst.size or 1)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        now = _now()
        conn.execute(
            T.themes.update()
            .where(T.themes.c.theme_id == target_id)
            .values(
                size=(src.size or 0) + (dst.size or 0),
                centroid=vec_json(centroid),
                radius=min(src.radius or 1.0, dst.radius or 1.0),
                updated_at=now,
            )
        )
        conn.execute(
            T.themes.update()
            .where(T.themes.c.theme_id == source_id)
            .values(status="merged", merged_into=target_id, updated_at=now)
        )
        record_event(
            conn, source_id, "merged", related=target_id, detail={"texts_moved": moved, "manual": True}
        )
    return int(moved or 0)


def split_theme(
    store: Store, theme_id: str, parts: int = 2, *, embedder: Embedder | None = None
) -> list[str]:
    """Split a theme's texts into `parts` new themes (k-means on their embeddings)."""
    import numpy as np

    from insightdesk.text.embed import load_embedder

    embedder = embedder or load_embedder()
    members = store.query_df(
        "select entity, record_id, field, redacted_text from text_analyses where theme_id = :t",
        {"t": theme_id},
    )
    if len(members) < 2 * parts:
        raise ThemeError(f"theme {theme_id} has {len(members)} texts: too few to split into {parts}")
    vectors = embedder.encode(members["redacted_text"].tolist())
    labels = th.spherical_kmeans(vectors, parts, seed=0)
    texts = members["redacted_text"].tolist()
    terms = th.distinctive_terms(texts, labels)
    now = _now()
    with store.begin() as conn:
        parent = get_theme(conn, theme_id)
        if parent.status != "active":
            raise ThemeError(f"theme {theme_id} is {parent.status}, not active")
        new_ids = next_ids(conn, parts)
        for k, new_id in enumerate(new_ids):
            idx = np.flatnonzero(labels == k)
            centroid = vectors[idx].mean(axis=0)
            centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
            sims = vectors[idx] @ centroid
            keywords = terms.get(k, [])
            label = " / ".join(keywords[:3]) or f"{parent.label} ({k + 1})"
            conn.execute(
                T.themes.insert().values(
                    theme_id=new_id,
                    label=label,
                    auto_label=label,
                    label_source="auto",
                    keywords=json.dumps(keywords),
                    quotes=json.dumps([texts[i] for i in idx[np.argsort(-sims)][:3]]),
                    status="active",
                    parent_id=theme_id,
                    size=int(idx.size),
                    radius=max(th.MIN_RADIUS, float(np.quantile(sims, th.RADIUS_QUANTILE))),
                    centroid=vec_json(centroid),
                    model_name=embedder.name,
                    model_version=embedder.version,
                    created_at=now,
                    updated_at=now,
                )
            )
            record_event(
                conn, new_id, "split", related=theme_id, detail={"size": int(idx.size), "manual": True}
            )
        conn.execute(
            T.themes.update().where(T.themes.c.theme_id == theme_id).values(status="split", updated_at=now)
        )
    moved = members[["entity", "record_id", "field"]].copy()
    moved["theme_id"] = [new_ids[k] for k in labels]
    moved["theme_similarity"] = None
    _update_themes(store, moved)
    return new_ids
