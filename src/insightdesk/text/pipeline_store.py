"""Text analytics against the store: read free text, write analyses and the theme registry.

The only module of `insightdesk.text` that touches the store; everything it computes comes from
the pure modules beside it. Works on DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text.pipeline import TextPipeline

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from insightdesk.store import Store

log = logging.getLogger(__name__)

# (entity, field, SQL) for every free-text field of the canonical model.
SOURCES: tuple[tuple[str, str, str], ...] = (
    (
        "feedback",
        "comment",
        "select id as record_id, comment as text, 'customer' as author_role, ticket_id,"
        " coalesce(answered_at, sent_at, first_seen_at) as occurred_at, customer_id from feedback"
        " where comment is not null and comment <> ''",
    ),
    (
        "tickets",
        "subject",
        "select id as record_id, subject as text, 'customer' as author_role, id as ticket_id,"
        " created_at as occurred_at, customer_id from tickets where subject is not null and subject <> ''",
    ),
    (
        "tickets",
        "description",
        "select id as record_id, description as text, 'customer' as author_role, id as ticket_id,"
        " created_at as occurred_at, customer_id from tickets"
        " where description is not null and description <> ''",
    ),
    (
        "interactions",
        "body",
        "select i.id as record_id, i.body as text, i.author_role, i.ticket_id,"
        " coalesce(i.occurred_at, i.first_seen_at) as occurred_at,"
        " coalesce(i.customer_id, t.customer_id) as customer_id"  # a message's person: its ticket's
        " from interactions i left join tickets t on t.id = i.ticket_id"
        " where i.body is not null and i.body <> ''",
    ),
)
ENTITIES = ("feedback", "tickets", "interactions")
KEY = ["entity", "record_id", "field"]


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- frame I/O -------------------------------------------------------------------------------
def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    import pandas as pd

    out = df.astype(object).where(pd.notna(df), None).to_dict("records")
    for row in out:
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                row[key] = value.to_pydatetime()
    return out


def _replace_rows(store: Store, table: sa.Table, df: pd.DataFrame, key: Sequence[str]) -> None:
    """Delete the rows of `df`'s keys from `table`, then insert `df`, in one transaction."""
    if df.empty:
        return
    cols = list(df.columns)
    if store.dialect == "duckdb":
        con = store.duckdb
        con.register("_incoming", df)
        try:
            con.begin()
            cond = " and ".join(f"t.{k} = i.{k}" for k in key)
            con.execute(f"delete from {table.name} t where exists (select 1 from _incoming i where {cond})")
            collist = ", ".join(cols)
            con.execute(f"insert into {table.name} ({collist}) select {collist} from _incoming")
            con.commit()
        except Exception:
            con.rollback()
            raise
        finally:
            con.unregister("_incoming")
        return
    rows = _records(df)
    with store.begin() as conn:
        match = sa.and_(*[table.c[k] == sa.bindparam(f"k_{k}") for k in key])
        conn.execute(table.delete().where(match), [{f"k_{k}": r[k] for k in key} for r in rows])
        conn.execute(table.insert(), rows)


def update_themes(store: Store, df: pd.DataFrame) -> None:
    """Set theme_id and theme_similarity of text_analyses rows (df: key + those two columns)."""
    if df.empty:
        return
    if store.dialect == "duckdb":
        con = store.duckdb
        con.register("_themes_in", df)
        try:
            con.execute(
                "update text_analyses set theme_id = i.theme_id, theme_similarity = i.theme_similarity "
                "from _themes_in i where text_analyses.entity = i.entity "
                "and text_analyses.record_id = i.record_id and text_analyses.field = i.field"
            )
        finally:
            con.unregister("_themes_in")
        return
    t = T.text_analyses
    stmt = (
        t.update()
        .where(t.c.entity == sa.bindparam("k_entity"))
        .where(t.c.record_id == sa.bindparam("k_record_id"))
        .where(t.c.field == sa.bindparam("k_field"))
        .values(theme_id=sa.bindparam("v_theme_id"), theme_similarity=sa.bindparam("v_sim"))
    )
    rows = [
        {
            "k_entity": r["entity"],
            "k_record_id": r["record_id"],
            "k_field": r["field"],
            "v_theme_id": r["theme_id"],
            "v_sim": r["theme_similarity"],
        }
        for r in _records(df)
    ]
    with store.begin() as conn:
        conn.execute(stmt, rows)


# -- reading ---------------------------------------------------------------------------------
def _only(sql: str, column: str, record_ids: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    """`sql` limited to rows whose `column` is one of `record_ids` (None: no limit)."""
    if record_ids is None:
        return sql, {}
    params = {f"rid{i}": rid for i, rid in enumerate(record_ids)}
    names = ", ".join(f":{name}" for name in params) or "null"
    return f"select * from ({sql}) s where s.{column} in ({names})", params


def collect_texts(
    store: Store, entities: Sequence[str] = ENTITIES, record_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every non-empty free-text field of the chosen entities, with what trends and themes need;
    with `record_ids`, only those records' fields."""
    import pandas as pd

    frames = []
    for entity, fld, source in SOURCES:
        if entity in entities:
            sql, params = _only(source, "record_id", record_ids)
            df = store.query_df(sql, params)
            if df.empty:
                continue
            df.insert(0, "field", fld)
            df.insert(0, "entity", entity)
            frames.append(df)
    if not frames:
        return pd.DataFrame(columns=[*KEY, "text", "author_role", "ticket_id", "occurred_at", "customer_id"])
    return pd.concat(frames, ignore_index=True)


@dataclass
class RegistryThemes:
    """Active themes of the registry, in the arrays assignment needs."""

    ids: list[str]
    centroids: np.ndarray
    radii: np.ndarray
    model_version: str | None


def active_themes(store: Store, embedder_version: str | None = None) -> RegistryThemes:
    """Active themes; only those whose centroid lives in the given embedder's space."""
    import numpy as np

    rows = store.query_df(
        "select theme_id, centroid, radius, model_version from themes where status = 'active' order by theme_id"
    )
    if embedder_version is not None:
        rows = rows[rows["model_version"] == embedder_version]
    if rows.empty:
        return RegistryThemes([], np.zeros((0, 1), dtype=np.float32), np.zeros(0), embedder_version)
    centroids = np.asarray([json.loads(c) for c in rows["centroid"]], dtype=np.float32)
    return RegistryThemes(
        rows["theme_id"].tolist(), centroids, rows["radius"].to_numpy(dtype=float), embedder_version
    )


def agent_accounts(store: Store) -> list[str]:
    """Agents whose name is an account handle (`AmazonHelp`, `hulu_support`): the desk's own
    accounts answering as agents, never redacted as a person's handle. Names with a space, and
    lone first names (`Olivia`), are people, not accounts."""
    import re

    from insightdesk.text.names import gazetteer

    rows = store.query_df("select distinct name from agents where name is not null")
    first_names = gazetteer()[0]
    handle = re.compile(r"^@?[A-Za-z0-9_]{3,30}$")
    return [
        str(n)
        for n in rows["name"].tolist()
        if handle.match(str(n)) and str(n).lstrip("@").lower() not in first_names
    ]


# -- analyse ---------------------------------------------------------------------------------
@dataclass
class AnalyzeReport:
    texts: int  # free-text fields found
    analysed: int  # (re)analysed in this run
    skipped: int  # unchanged since their last analysis with the same models
    themed: int  # given a theme
    languages: dict[str, int] = field(default_factory=dict)
    sentiments: dict[str, int] = field(default_factory=dict)
    pii: dict[str, int] = field(default_factory=dict)
    model_name: str = ""
    model_version: str = ""
    # Texts left out by the consent ledger (`text_analytics`), by reason; their old analyses removed.
    withheld: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Free-text fields in the store (analysed now or unchanged since their last analysis)."""
        return self.texts


def analyze_store(
    store: Store,
    *,
    entities: Sequence[str] = ENTITIES,
    reanalyze: bool = False,
    batch_size: int = 5000,
    pipeline: TextPipeline | None = None,
    record_ids: Sequence[str] | None = None,
) -> AnalyzeReport:
    """Analyse every free-text field in the store and write `text_analyses`.

    Incremental: a text is analysed again only when it changed or the models changed (or with
    `reanalyze=True`). New texts join existing themes without a refit. `record_ids` limits the
    run to those records (e.g. the feedback rows of one survey response) without reading the rest.
    """
    import pandas as pd

    pipeline = pipeline or TextPipeline.default()
    accounts = agent_accounts(store)
    if accounts:
        own = pipeline.redactor.organisation.with_accounts(accounts)
        pipeline.redactor = pipeline.redactor.with_organisation(own)
    texts = collect_texts(store, entities, record_ids)
    report = AnalyzeReport(
        len(texts), 0, 0, 0, model_name=pipeline.model_name, model_version=pipeline.model_version
    )
    if texts.empty:
        return report
    texts = _within_consent(store, texts, report)
    texts["text_sha256"] = texts["text"].map(_sha)
    if not reanalyze:
        done = store.query_df(
            *_only(
                "select entity, record_id, field, text_sha256, model_version from text_analyses",
                "record_id",
                record_ids,
            )
        )
        if not done.empty:
            merged = texts.merge(done, on=[*KEY, "text_sha256"], how="left")
            fresh = merged["model_version"].eq(pipeline.model_version).to_numpy()
            report.skipped = int(fresh.sum())
            texts = texts[~fresh].reset_index(drop=True)
    registry = active_themes(store, pipeline.embedder.version)
    counters: dict[str, dict[str, int]] = {"languages": {}, "sentiments": {}, "pii": {}}
    for start in range(0, len(texts), batch_size):
        batch = texts.iloc[start : start + batch_size]
        results = pipeline.analyse(
            batch["text"].tolist(),
            centroids=registry.centroids if registry.ids else None,
            radii=registry.radii,
            themeable=(batch["author_role"] == "customer").tolist(),
        )
        now = now_utc()
        out = pd.DataFrame(
            {
                "entity": batch["entity"].to_numpy(),
                "record_id": batch["record_id"].to_numpy(),
                "field": batch["field"].to_numpy(),
                "text_sha256": batch["text_sha256"].to_numpy(),
                "language": [r.language for r in results],
                "language_confidence": [r.language_confidence for r in results],
                "redacted_text": [r.redacted_text for r in results],
                "pii_counts": [r.pii_json() for r in results],
                "sentiment_label": [r.sentiment_label for r in results],
                "sentiment_score": [r.sentiment_score for r in results],
                "sentiment_status": [r.sentiment_status for r in results],
                "theme_id": [registry.ids[r.theme_index] if r.theme_index >= 0 else None for r in results],
                "theme_similarity": [r.theme_similarity for r in results],
                "author_role": batch["author_role"].to_numpy(),
                "ticket_id": batch["ticket_id"].to_numpy(),
                "occurred_at": pd.to_datetime(batch["occurred_at"]).to_numpy(),
                "model_name": pipeline.model_name,
                "model_version": pipeline.model_version,
                "analysed_at": now,
            }
        )
        _replace_rows(store, T.text_analyses, out, KEY)
        # A person's correction outlives a re-analysis (labels.py).
        from insightdesk.text.labels import apply_labels

        apply_labels(store, out)
        report.analysed += len(out)
        report.themed += int(out["theme_id"].notna().sum())
        for r in results:
            _bump(counters["languages"], r.language)
            _bump(counters["sentiments"], r.sentiment_label or r.sentiment_status)
            for kind, n in r.pii_counts.items():
                _bump(counters["pii"], kind, n)
        log.info("analysed %d/%d texts", report.analysed, len(texts))
    report.languages, report.sentiments, report.pii = (
        counters["languages"],
        counters["sentiments"],
        counters["pii"],
    )
    return report


def _within_consent(store: Store, texts: pd.DataFrame, report: AnalyzeReport) -> pd.DataFrame:
    """The texts whose person allows text analytics (consent_scope.py); the others are counted and
    any analysis made of them before (a withdrawal since) is deleted."""
    from insightdesk.text.consent_scope import consent_scope

    scope = consent_scope(store, "text_analytics")
    people = texts["customer_id"]
    allowed = scope.allows(people)
    if scope.basis == "consent":
        # A survey comment was written for the survey to be read: the survey consent in effect
        # covers its analysis, unless the person refused text analytics itself.
        surveyed = consent_scope(store, "survey").granted
        allowed |= (texts["entity"] == "feedback") & people.isin(surveyed) & ~people.isin(scope.refused)
    allowed = allowed.to_numpy()
    if allowed.all():
        return texts
    out = texts[~allowed]
    report.withheld[scope.reason] = len(out)
    ta = T.text_analyses
    match = sa.and_(*[ta.c[k] == sa.bindparam(f"k_{k}") for k in KEY])
    with store.begin() as conn:
        conn.execute(ta.delete().where(match), [{f"k_{k}": r[k] for k in KEY} for r in _records(out[KEY])])
    return texts[allowed].reset_index(drop=True)


def _bump(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n
