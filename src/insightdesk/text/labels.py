"""People correct the machine: a label on a text's theme, sentiment, intent or risk, with who and when.

A correction is stored in `text_labels` (the machine's value beside the person's) and, for
sentiment and theme, applied to `text_analyses` at once, so every chart shows it; a later
re-analysis re-applies the latest human label (`apply_labels`), so the machine never overwrites a
person. Intent labels train the user-trainable classifier (intent_store.py). Who may label is
decided by the caller (the API's permission, the CLI's local user); `scope` narrows the texts a
caller reaches (governance's row scope, built above this layer and passed down).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text.pipeline_store import now_utc
from insightdesk.text.sentiment import LABELS as SENTIMENT_LABELS

if TYPE_CHECKING:
    import pandas as pd

    from insightdesk.store import Store

LABEL_KINDS: tuple[str, ...] = ("theme", "sentiment", "intent", "risk")
RISK_LABELS: tuple[str, ...] = ("high", "low")
INTENT_PATTERN = re.compile(r"^[\w][\w .&/-]{0,63}$")
MAX_NOTE = 2000


class LabelError(ValueError):
    """A label that cannot be stored; the message names the text or field and the problem."""


@dataclass(frozen=True)
class TextKey:
    entity: str
    record_id: str
    field: str

    def __str__(self) -> str:
        return f"{self.entity}/{self.record_id}/{self.field}"


def frame(store: Store, query: Any) -> pd.DataFrame:
    """Rows of a SQLAlchemy query as a pandas frame (columns named as selected)."""
    import pandas as pd

    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _check_value(conn: sa.Connection, key: TextKey, kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == "sentiment" and value not in SENTIMENT_LABELS:
        raise LabelError(f"{key}: sentiment must be one of {', '.join(SENTIMENT_LABELS)}, not {value!r}")
    if kind == "risk" and value not in RISK_LABELS:
        raise LabelError(f"{key}: risk must be one of {', '.join(RISK_LABELS)}, not {value!r}")
    if kind == "intent" and not INTENT_PATTERN.match(value):
        raise LabelError(
            f"{key}: intent {value[:40]!r} must be 1-64 letters, digits, spaces or . & / - _ (starting with one "
            "letter or digit)"
        )
    if kind == "theme":
        status = conn.execute(sa.select(T.themes.c.status).where(T.themes.c.theme_id == value)).scalar()
        if status != "active":
            raise LabelError(
                f"{key}: theme {value[:40]!r} is not an active theme (see `insightdesk themes list`)"
            )
    return value


def _machine_value(conn: sa.Connection, key: TextKey, kind: str, row: Any) -> str | None:
    if kind == "sentiment":
        return row.sentiment_label
    if kind == "theme":
        return row.theme_id
    if kind == "intent":
        ti = T.text_intents
        return conn.execute(
            sa.select(ti.c.label).where(
                ti.c.entity == key.entity, ti.c.record_id == key.record_id, ti.c.field == key.field
            )
        ).scalar()
    return None


def record_label(
    store: Store,
    key: TextKey,
    kind: str,
    value: str,
    *,
    labelled_by: str,
    note: str | None = None,
    scope: Any = None,
) -> dict[str, Any]:
    """Store one correction (and apply it to the text's analysis); returns the stored row."""
    if kind not in LABEL_KINDS:
        raise LabelError(f"{key}: kind must be one of {', '.join(LABEL_KINDS)}, not {kind!r}")
    if note is not None and len(note) > MAX_NOTE:
        raise LabelError(f"{key}: note is longer than {MAX_NOTE} characters")
    ta = T.text_analyses
    where = [ta.c.entity == key.entity, ta.c.record_id == key.record_id, ta.c.field == key.field]
    if scope is not None:
        where.append(scope)
    with store.begin() as conn:
        row = conn.execute(sa.select(ta.c.sentiment_label, ta.c.theme_id).where(*where)).first()
        if row is None:
            raise LabelError(
                f"{key}: no analysed text with that key you may see (run `insightdesk text analyze`)"
            )
        value = _check_value(conn, key, kind, value)
        stored = {
            "label_id": uuid.uuid4().hex,
            "entity": key.entity,
            "record_id": key.record_id,
            "field": key.field,
            "kind": kind,
            "machine_value": _machine_value(conn, key, kind, row),
            "value": value,
            "note": note,
            "labelled_by": labelled_by,
            "labelled_at": now_utc(),
        }
        conn.execute(T.text_labels.insert().values(**stored))
        _apply(conn, [(key, kind, value)])
    return stored


def _apply(conn: sa.Connection, labels: Sequence[tuple[TextKey, str, str]]) -> None:
    ta = T.text_analyses
    for key, kind, value in labels:
        match = (ta.c.entity == key.entity, ta.c.record_id == key.record_id, ta.c.field == key.field)
        if kind == "sentiment":
            conn.execute(ta.update().where(*match).values(sentiment_label=value, sentiment_status="ok"))
        elif kind == "theme":
            conn.execute(ta.update().where(*match).values(theme_id=value, theme_similarity=None))


def latest_labels(store: Store, kind: str | None = None) -> pd.DataFrame:
    """The latest label per text and kind (a person's newer label replaces their older one)."""
    tl = T.text_labels
    ranked = sa.select(
        tl,
        sa.func.row_number()
        .over(
            partition_by=(tl.c.entity, tl.c.record_id, tl.c.field, tl.c.kind),
            order_by=tl.c.labelled_at.desc(),
        )
        .label("rank"),
    )
    if kind is not None:
        ranked = ranked.where(tl.c.kind == kind)
    sub = ranked.subquery()
    query = sa.select(*[c for c in sub.c if c.name != "rank"]).where(sub.c.rank == 1)
    return frame(store, query)


def apply_labels(store: Store, keys: pd.DataFrame | None = None) -> int:
    """Re-apply the latest human sentiment and theme labels (after a re-analysis); returns how many."""
    latest = latest_labels(store)
    latest = latest[latest["kind"].isin(["sentiment", "theme"])]
    if keys is not None and not latest.empty:
        latest = latest.merge(keys[["entity", "record_id", "field"]].drop_duplicates(), how="inner")
    if latest.empty:
        return 0
    labels = [
        (TextKey(r.entity, r.record_id, r.field), r.kind, r.value) for r in latest.itertuples(index=False)
    ]
    with store.begin() as conn:
        active = set(
            conn.execute(sa.select(T.themes.c.theme_id).where(T.themes.c.status == "active")).scalars()
        )
        # A theme label whose theme was since merged away no longer applies; the person's
        # sentiment labels always do.
        _apply(conn, [(k, kind, v) for k, kind, v in labels if kind != "theme" or v in active])
    return len(labels)


def list_labels(
    store: Store, *, kind: str | None = None, limit: int = 100, offset: int = 0, scope: Any = None
) -> pd.DataFrame:
    """Stored corrections, newest first (texts the caller reaches only, when `scope` is given)."""
    tl, ta = T.text_labels, T.text_analyses
    query = sa.select(tl).order_by(tl.c.labelled_at.desc(), tl.c.label_id).limit(limit).offset(offset)
    if kind is not None:
        query = query.where(tl.c.kind == kind)
    if scope is not None:
        reachable = sa.select(ta.c.entity).where(
            ta.c.entity == tl.c.entity, ta.c.record_id == tl.c.record_id, ta.c.field == tl.c.field, scope
        )
        query = query.where(reachable.exists())
    return frame(store, query)
