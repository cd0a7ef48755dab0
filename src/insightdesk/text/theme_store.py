"""The theme registry in the store: discover (with reconciliation), rename, merge, split, report.

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
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text import themes as th
from insightdesk.text.pipeline import MIN_THEME_WORDS, THEME_LANGUAGES
from insightdesk.text.pipeline_store import now_utc as _now
from insightdesk.text.pipeline_store import update_themes as _update_themes

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from insightdesk.store import Store
    from insightdesk.text.embed import Embedder

log = logging.getLogger(__name__)


class ThemeError(ValueError):
    """A theme operation was refused; the message says which theme and why."""


def _event(
    conn: sa.Connection,
    theme_id: str,
    event: str,
    *,
    related: str | None = None,
    fit_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        T.theme_events.insert().values(
            event_id=uuid.uuid4().hex,
            theme_id=theme_id,
            event=event,
            related_theme_id=related,
            fit_id=fit_id,
            detail=json.dumps(detail or {}, sort_keys=True),
            occurred_at=_now(),
        )
    )


def _next_ids(conn: sa.Connection, n: int) -> list[str]:
    existing = [r[0] for r in conn.execute(sa.select(T.themes.c.theme_id))]
    top = max((int(i[1:]) for i in existing if i[1:].isdigit()), default=0)
    return [f"T{top + k + 1:04d}" for k in range(n)]


def _themeable_texts(store: Store) -> pd.DataFrame:
    langs = ", ".join(f"'{lang}'" for lang in sorted(THEME_LANGUAGES))
    df = store.query_df(
        "select entity, record_id, field, redacted_text, theme_id from text_analyses "
        f"where author_role = 'customer' and language in ({langs}) and redacted_text is not null"
    )
    return df[df["redacted_text"].str.split().str.len() >= MIN_THEME_WORDS].reset_index(drop=True)


def _vec_json(v: np.ndarray) -> str:
    return json.dumps([round(float(x), 5) for x in v])


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
        fresh = iter(_next_ids(conn, len(fit.themes)))
        ids = [rec.inherits[j] or next(fresh) for j in range(len(fit.themes))]
        labels = dict(conn.execute(sa.select(T.themes.c.theme_id, T.themes.c.label_source)).all())
        for j, theme in enumerate(fit.themes):
            values = {
                "auto_label": theme.label,
                "keywords": json.dumps(theme.keywords),
                "quotes": json.dumps(theme.quotes),
                "status": "active",
                "merged_into": None,
                "size": theme.size,
                "radius": round(theme.radius, 5),
                "centroid": _vec_json(theme.centroid),
                "model_name": embedder.name,
                "model_version": embedder.version,
                "updated_at": now,
            }
            if rec.inherits[j]:
                if labels.get(ids[j]) != "user":
                    values["label"] = theme.label
                conn.execute(T.themes.update().where(T.themes.c.theme_id == ids[j]).values(**values))
                _event(conn, ids[j], "continued", fit_id=fit_id, detail={"size": theme.size})
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
                    _event(conn, ids[j], "split", related=rec.split_from[j], fit_id=fit_id)
                    counts["split"] += 1
                else:
                    _event(conn, ids[j], "created", fit_id=fit_id, detail={"size": theme.size})
                    counts["created"] += 1
        for old_id, j in rec.merged.items():
            conn.execute(
                T.themes.update()
                .where(T.themes.c.theme_id == old_id)
                .values(status="merged", merged_into=ids[j], updated_at=now)
            )
            _event(conn, old_id, "merged", related=ids[j], fit_id=fit_id)
            counts["merged"] += 1
        for old_id in rec.retired:
            conn.execute(
                T.themes.update()
                .where(T.themes.c.theme_id == old_id)
                .values(status="retired", updated_at=now)
            )
            _event(conn, old_id, "retired", fit_id=fit_id)
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


# -- manual edits ----------------------------------------------------------------------------
def _get(conn: sa.Connection, theme_id: str) -> sa.Row:
    row = conn.execute(sa.select(T.themes).where(T.themes.c.theme_id == theme_id)).first()
    if row is None:
        raise ThemeError(f"no theme {theme_id!r}: see `insightdesk themes list`")
    return row


def rename_theme(store: Store, theme_id: str, label: str) -> None:
    """Give a theme a human label; it survives refits that continue the theme."""
    label = label.strip()
    if not label:
        raise ThemeError("a theme label cannot be empty")
    with store.begin() as conn:
        row = _get(conn, theme_id)
        conn.execute(
            T.themes.update()
            .where(T.themes.c.theme_id == theme_id)
            .values(label=label, label_source="user", updated_at=_now())
        )
        _event(conn, theme_id, "renamed", detail={"from": row.label, "to": label})


def merge_themes(store: Store, source_id: str, target_id: str) -> int:
    """Fold `source_id` into `target_id`; returns the number of texts moved."""
    import numpy as np

    if source_id == target_id:
        raise ThemeError("cannot merge a theme into itself")
    with store.begin() as conn:
        src, dst = _get(conn, source_id), _get(conn, target_id)
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
                centroid=_vec_json(centroid),
                radius=min(src.radius or 1.0, dst.radius or 1.0),
                updated_at=now,
            )
        )
        conn.execute(
            T.themes.update()
            .where(T.themes.c.theme_id == source_id)
            .values(status="merged", merged_into=target_id, updated_at=now)
        )
        _event(conn, source_id, "merged", related=target_id, detail={"texts_moved": moved, "manual": True})
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
        parent = _get(conn, theme_id)
        if parent.status != "active":
            raise ThemeError(f"theme {theme_id} is {parent.status}, not active")
        new_ids = _next_ids(conn, parts)
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
                    centroid=_vec_json(centroid),
                    model_name=embedder.name,
                    model_version=embedder.version,
                    created_at=now,
                    updated_at=now,
                )
            )
            _event(conn, new_id, "split", related=theme_id, detail={"size": int(idx.size), "manual": True})
        conn.execute(
            T.themes.update().where(T.themes.c.theme_id == theme_id).values(status="split", updated_at=now)
        )
    moved = members[["entity", "record_id", "field"]].copy()
    moved["theme_id"] = [new_ids[k] for k in labels]
    moved["theme_similarity"] = None
    _update_themes(store, moved)
    return new_ids


# -- reports ---------------------------------------------------------------------------------
def list_themes(store: Store, *, include_inactive: bool = False) -> pd.DataFrame:
    """Themes with their live volume and sentiment."""
    where = "" if include_inactive else "where t.status = 'active'"
    return store.query_df(
        "select t.theme_id, t.label, t.status, t.merged_into, t.parent_id, count(a.theme_id) as texts, "
        "avg(a.sentiment_score) as avg_sentiment, "
        "avg(case when a.sentiment_label = 'negative' then 1.0 when a.sentiment_label is null then null "
        "else 0.0 end) as negative_share "
        "from themes t left join text_analyses a on a.theme_id = t.theme_id "
        f"{where} group by t.theme_id, t.label, t.status, t.merged_into, t.parent_id "
        "order by texts desc, t.theme_id"
    )


def theme_details(store: Store, theme_id: str) -> dict[str, Any]:
    """One theme: registry row, quotes, keywords and its history."""
    with store.engine.connect() as conn:
        row = _get(conn, theme_id)
        events = (
            conn.execute(
                sa.select(T.theme_events)
                .where(T.theme_events.c.theme_id == theme_id)
                .order_by(T.theme_events.c.occurred_at)
            )
            .mappings()
            .all()
        )
    details = {k: v for k, v in row._mapping.items() if k != "centroid"}
    details["keywords"] = json.loads(row.keywords or "[]")
    details["quotes"] = json.loads(row.quotes or "[]")
    details["events"] = [dict(e) for e in events]
    return details


def theme_trends(store: Store, *, period: str = "month", theme_id: str | None = None) -> pd.DataFrame:
    """Volume, mean sentiment and negative share per theme and period (day, week, month)."""
    if period not in ("day", "week", "month"):
        raise ThemeError(f"period must be day, week or month, not {period!r}")
    where = "where a.theme_id is not null and a.occurred_at is not null"
    params: dict[str, Any] = {}
    if theme_id:
        where += " and a.theme_id = :t"
        params["t"] = theme_id
    return store.query_df(
        f"select a.theme_id, date_trunc('{period}', a.occurred_at) as period, count(*) as texts, "
        "avg(a.sentiment_score) as avg_sentiment, "
        "avg(case when a.sentiment_label = 'negative' then 1.0 when a.sentiment_label is null then null "
        "else 0.0 end) as negative_share "
        f"from text_analyses a {where} group by a.theme_id, period order by a.theme_id, period",
        params,
    )


def theme_categories(store: Store) -> pd.DataFrame:
    """Texts per theme and ticket category, with how widely each theme spreads over categories.

    A theme whose texts sit in many categories is a pain point the category scheme splits up;
    `category_share` is the share of the theme's ticket-linked texts in that category.
    """
    df = store.query_df(
        "select a.theme_id, coalesce(t.category, '(none)') as category, count(*) as texts "
        "from text_analyses a join tickets t on t.id = a.ticket_id "
        "where a.theme_id is not null group by a.theme_id, coalesce(t.category, '(none)') "
        "order by a.theme_id, texts desc"
    )
    if df.empty:
        df["category_share"] = []
        df["categories_spanned"] = []
        return df
    total = df.groupby("theme_id")["texts"].transform("sum")
    df["category_share"] = df["texts"] / total
    # Categories holding at least a tenth of the theme's texts.
    df["categories_spanned"] = df.groupby("theme_id")["category_share"].transform(
        lambda s: int((s >= 0.1).sum())
    )
    return df
