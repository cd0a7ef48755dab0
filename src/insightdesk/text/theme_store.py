"""The theme registry in the store: discover (with reconciliation); rename, merge, split, report.

Theme ids are stable: a refit continues the registered ids whose centroids it matches
(`themes.reconcile`) and records every merge, split, rename and retirement in `theme_events`,
so counts per theme id over time stay comparable. Texts keep pointing at live themes: merging
moves the absorbed theme's texts to the survivor.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text import themes as th
from insightdesk.text.pipeline import MIN_THEME_WORDS, THEME_LANGUAGES
from insightdesk.text.pipeline_store import now_utc as _now
from insightdesk.text.pipeline_store import update_themes as _update_themes
from insightdesk.text.theme_edits import merge_themes, rename_theme, split_theme
from insightdesk.text.theme_registry import ThemeError, next_ids, record_event, vec_json
from insightdesk.text.theme_reports import list_themes, theme_categories, theme_details, theme_trends

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from insightdesk.store import Store
    from insightdesk.text.embed import Embedder

log = logging.getLogger(__name__)

__all__ = [
    "DiscoverReport",
    "ThemeError",
    "discover_store_themes",
    "list_themes",
    "merge_themes",
    "rename_theme",
    "split_theme",
    "theme_categories",
    "theme_details",
    "theme_trends",
]


def _themeable_texts(store: Store) -> pd.DataFrame:
    langs = ", ".join(f"'{lang}'" for lang in sorted(THEME_LANGUAGES))
    df = store.query_df(
        "select entity, record_id, field, redacted_text, theme_id from text_analyses "
        f"where author_role = 'customer' and language in ({langs}) and redacted_text is not null"
    )
    return df[df["redacted_text"].str.split().str.len() >= MIN_THEME_WORDS].reset_index(drop=True)


@dataclass
class DiscoverReport:
    fit_id: str
    n_texts: int
    n_themes: int
    noise_share: float
    created: int
    continued: int
    merged: int
    split: int
    retired: int


def discover_store_themes(
    store: Store,
    *,
    embedder: Embedder | None = None,
    min_size: int = th.MIN_SIZE,
    distance: float = th.WARD_DISTANCE,
    n_themes: int | None = None,
    seed: int = 0,
) -> DiscoverReport:
    """Fit themes on every analysed customer text and reconcile them with the registry."""
    import numpy as np

    from insightdesk.text.embed import load_embedder

    embedder = embedder or load_embedder()
    started = _now()
    fit_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    texts = _themeable_texts(store)
    if texts.empty:
        raise ThemeError("no analysed customer texts to cluster: run `insightdesk text analyze` first")
    vectors = embedder.encode(texts["redacted_text"].tolist())
    fit = th.discover(
        texts["redacted_text"].tolist(),
        vectors,
        min_size=min_size,
        distance=distance,
        n_themes=n_themes,
        seed=seed,
    )
    new_centroids = (
        np.vstack([t.centroid for t in fit.themes]) if fit.themes else np.zeros((0, vectors.shape[1]))
    )
    old = _registered_centroids(store, texts, vectors, embedder.version)
    rec = th.reconcile(old[0], old[1], new_centroids)
    now = _now()
    counts = {"created": 0, "continued": 0, "merged": 0, "split": 0, "retired": 0}
    with store.begin() as conn:
        fresh = iter(next_ids(conn, len(fit.themes)))
        ids = [rec.inherits[j] or next(fresh) for j in range(len(fit.themes))]
        labels: dict[str, str | None] = {
            theme_id: source
            for theme_id, source in conn.execute(sa.select(T.themes.c.theme_id, T.themes.c.label_source))
        }
        for j, theme in enumerate(fit.themes):
            values = {
                "auto_label": theme.label,
                "keywords": json.dumps(theme.keywords),
                "quotes": json.dumps(theme.quotes),
                "status": "active",
                "merged_into": None,
                "size": theme.size,
                "radius": round(theme.radius, 5),
                "centroid": vec_json(theme.centroid),
                "model_name": embedder.name,
                "model_version": embedder.version,
                "updated_at": now,
            }
            if rec.inherits[j]:
                if labels.get(ids[j]) != "user":
                    values["label"] = theme.label
                conn.execute(T.themes.update().where(T.themes.c.theme_id == ids[j]).values(**values))
                record_event(conn, ids[j], "continued", fit_id=fit_id, detail={"size": theme.size})
                counts["continued"] += 1
            else:
                conn.execute(
                    T.themes.insert().values(
                        theme_id=ids[j],
                        label=theme.label,
                        label_source="auto",
                        parent_id=rec.split_from[j],
                        created_at=now,
                        **values,
                    )
                )
                if rec.split_from[j]:
                    record_event(conn, ids[j], "split", related=rec.split_from[j], fit_id=fit_id)
                    counts["split"] += 1
                else:
                    record_event(conn, ids[j], "created", fit_id=fit_id, detail={"size": theme.size})
                    counts["created"] += 1
        for old_id, j in rec.merged.items():
            conn.execute(
                T.themes.update()
                .where(T.themes.c.theme_id == old_id)
                .values(status="merged", merged_into=ids[j], updated_at=now)
            )
            record_event(conn, old_id, "merged", related=ids[j], fit_id=fit_id)
            counts["merged"] += 1
        for old_id in rec.retired:
            conn.execute(
                T.themes.update()
                .where(T.themes.c.theme_id == old_id)
                .values(status="retired", updated_at=now)
            )
            record_event(conn, old_id, "retired", fit_id=fit_id)
            counts["retired"] += 1
        conn.execute(
            T.theme_fits.insert().values(
                fit_id=fit_id,
                n_texts=len(texts),
                n_themes=len(fit.themes),
                noise_share=round(float((fit.assignments < 0).mean()), 4),
                params=json.dumps(fit.params, sort_keys=True),
                model_name=embedder.name,
                model_version=embedder.version,
                started_at=started,
                finished_at=_now(),
            )
        )
    assigned = texts[["entity", "record_id", "field"]].copy()
    assigned["theme_id"] = [ids[i] if i >= 0 else None for i in fit.assignments]
    assigned["theme_similarity"] = [
        round(float(s), 4) if i >= 0 else None for i, s in zip(fit.assignments, fit.similarities, strict=True)
    ]
    _update_themes(store, assigned)
    return DiscoverReport(
        fit_id,
        len(texts),
        len(fit.themes),
        float((fit.assignments < 0).mean()),
        **counts,
    )


def _registered_centroids(
    store: Store, texts: pd.DataFrame, vectors: np.ndarray, embedder_version: str
) -> tuple[list[str], np.ndarray]:
    """Active registered themes and their centroids in the current embedder's space.

    A theme fitted with another embedder version gets its centroid recomputed from its member
    texts, so identities survive a model change too.
    """
    import numpy as np

    rows = store.query_df("select theme_id, centroid, model_version from themes where status = 'active'")
    ids, cents = [], []
    for theme_id, centroid, version in rows.itertuples(index=False):
        if version == embedder_version:
            vec = np.asarray(json.loads(centroid), dtype=np.float32)
        else:
            members = (texts["theme_id"] == theme_id).to_numpy()
            if not members.any():
                continue
            vec = vectors[members].mean(axis=0)
        ids.append(theme_id)
        cents.append(vec / max(float(np.linalg.norm(vec)), 1e-12))
    return ids, (np.vstack(cents) if cents else np.zeros((0, vectors.shape[1]), dtype=np.float32))
