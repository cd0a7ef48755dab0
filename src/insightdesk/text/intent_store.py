"""The user-trainable classifier in the store: train from labels, activate only if better, predict,
and the review queue of low-confidence predictions.

Training uses the latest human `intent` label of each text. A fixed quarter of the labelled texts
(by a hash of the text's key) is held out; the new model and the active one are both scored on it,
and the new one becomes active only if its macro-F1 is higher (the first model needs only to
train). Every trained version is kept in `text_classifiers` with both scores and the decision.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text import intents
from insightdesk.text.consent_scope import TEXT_CUSTOMERS_SQL, training_rows
from insightdesk.text.labels import frame, latest_labels
from insightdesk.text.pipeline_store import now_utc

if TYPE_CHECKING:
    import pandas as pd

    from insightdesk.store import Store
    from insightdesk.text.embed import Embedder

TAXONOMY = "intent"
REVIEW_BELOW = 0.5  # predictions less confident than this wait for a person in the review queue


@dataclass
class TrainReport:
    classifier_id: str
    activated: bool
    decision: str
    n_train: int
    n_holdout: int
    holdout_f1: float | None
    active_id: str | None
    active_f1: float | None
    predicted: int  # texts (re)classified by the model now active
    withheld: dict[str, int] = field(default_factory=dict)  # labelled texts left out, by reason


def _labelled_texts(store: Store) -> pd.DataFrame:
    labels = latest_labels(store, "intent")
    if labels.empty:
        return labels
    ta = T.text_analyses
    texts = frame(store, sa.select(ta.c.entity, ta.c.record_id, ta.c.field, ta.c.redacted_text))
    merged = labels.merge(texts, on=["entity", "record_id", "field"], how="inner")
    return merged.dropna(subset=["redacted_text"]).reset_index(drop=True)


def active_classifier(store: Store, taxonomy: str = TAXONOMY) -> dict[str, Any] | None:
    tc = T.text_classifiers
    with store.engine.connect() as conn:
        row = (
            conn.execute(sa.select(tc).where(tc.c.taxonomy == taxonomy, tc.c.status == "active"))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def train_classifier(
    store: Store, *, trained_by: str, embedder: Embedder | None = None, taxonomy: str = TAXONOMY
) -> TrainReport:
    """Train on the intent labels; activate the new model only if it beats the active one."""
    import numpy as np

    from insightdesk.text.embed import load_embedder

    embedder = embedder or load_embedder()
    data = _labelled_texts(store)
    withheld: dict[str, int] = {}
    if not data.empty:
        # The training set honours the consent ledger's `model_training` purpose (consent_scope.py).
        people = store.query_df(TEXT_CUSTOMERS_SQL)
        owners = data.merge(people, on=["entity", "record_id"], how="left")["customer_id"]
        data, left_out, reason = training_rows(store, data, owners)
        withheld = {reason: left_out} if left_out else {}
    if data.empty:
        raise intents.TrainingError(
            "no intent labels yet: label texts with `insightdesk text label ... intent`"
            + (
                f" ({sum(withheld.values())} labelled texts left out: {', '.join(withheld)})"
                if withheld
                else ""
            )
        )
    keys = data["entity"] + "/" + data["record_id"] + "/" + data["field"]
    held = np.asarray([intents.is_holdout(k) for k in keys])
    if held.sum() == 0 or (~held).sum() == 0:
        raise intents.TrainingError(f"{len(data)} labels are too few to hold some out; label more texts")
    vectors = embedder.encode(data["redacted_text"].tolist())
    y = data["value"].to_numpy()
    model = intents.train(vectors[~held], y[~held].tolist())
    score = intents.macro_f1(y[held].tolist(), model.predict(vectors[held])[0])
    active = active_classifier(store, taxonomy)
    active_f1 = None
    if active is not None and active["embedder_version"] == embedder.version:
        old = intents.IntentModel.from_json(json.loads(active["classes"]), active["weights"])
        active_f1 = intents.macro_f1(y[held].tolist(), old.predict(vectors[held])[0])
    if active is None:
        activated, decision = True, f"first {taxonomy} model: held-out macro-F1 {score:.3f}"
    elif active_f1 is None:
        activated, decision = (
            True,
            "the active model was trained on another embedder version and cannot be scored",
        )
    elif score > active_f1:
        activated, decision = True, f"held-out macro-F1 {score:.3f} beats the active model's {active_f1:.3f}"
    else:
        activated, decision = (
            False,
            f"held-out macro-F1 {score:.3f} does not beat the active model's {active_f1:.3f}",
        )
    now = now_utc()
    classifier_id = now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tc = T.text_classifiers
    with store.begin() as conn:
        if activated and active is not None:
            conn.execute(
                tc.update().where(tc.c.classifier_id == active["classifier_id"]).values(status="retired")
            )
        conn.execute(
            tc.insert().values(
                classifier_id=classifier_id,
                taxonomy=taxonomy,
                status="active" if activated else "rejected",
                classes=json.dumps(model.classes),
                weights=model.to_json(),
                embedder_version=embedder.version,
                n_train=int((~held).sum()),
                n_holdout=int(held.sum()),
                holdout_f1=round(score, 4),
                active_id=active["classifier_id"] if active else None,
                active_f1=None if active_f1 is None else round(active_f1, 4),
                decision=decision,
                trained_by=trained_by,
                trained_at=now,
                activated_at=now if activated else None,
            )
        )
    predicted = classify_store(store, embedder=embedder, taxonomy=taxonomy) if activated else 0
    return TrainReport(
        classifier_id, activated, decision, int((~held).sum()), int(held.sum()), score,
        active["classifier_id"] if active else None, active_f1, predicted, withheld,
    )  # fmt: skip


def classify_store(store: Store, *, embedder: Embedder | None = None, taxonomy: str = TAXONOMY) -> int:
    """Predict every analysed customer text with the active model; returns how many."""
    import pandas as pd

    from insightdesk.text.embed import load_embedder
    from insightdesk.text.pipeline_store import _replace_rows

    active = active_classifier(store, taxonomy)
    if active is None:
        return 0
    embedder = embedder or load_embedder()
    if active["embedder_version"] != embedder.version:
        raise intents.TrainingError(
            f"the active {taxonomy} model was trained on another embedder version: retrain it"
        )
    model = intents.IntentModel.from_json(json.loads(active["classes"]), active["weights"])
    ta = T.text_analyses
    texts = frame(
        store,
        sa.select(ta.c.entity, ta.c.record_id, ta.c.field, ta.c.redacted_text).where(
            ta.c.author_role == "customer", ta.c.redacted_text.is_not(None)
        ),
    )
    if texts.empty:
        return 0
    labels, confidence = model.predict(embedder.encode(texts["redacted_text"].tolist()))
    out = pd.DataFrame(
        {
            "entity": texts["entity"],
            "record_id": texts["record_id"],
            "field": texts["field"],
            "taxonomy": taxonomy,
            "label": labels,
            "confidence": [round(c, 4) for c in confidence],
            "classifier_id": active["classifier_id"],
            "predicted_at": now_utc(),
        }
    )
    _replace_rows(store, T.text_intents, out, ["entity", "record_id", "field", "taxonomy"])
    return len(out)


def review_queue(
    store: Store, *, below: float = REVIEW_BELOW, limit: int = 50, taxonomy: str = TAXONOMY, scope: Any = None
) -> pd.DataFrame:
    """Least confident predictions without a human intent label yet, least confident first."""
    ti, ta, tl = T.text_intents, T.text_analyses, T.text_labels
    labelled = sa.select(tl.c.label_id).where(
        tl.c.entity == ti.c.entity,
        tl.c.record_id == ti.c.record_id,
        tl.c.field == ti.c.field,
        tl.c.kind == "intent",
    )
    query = (
        sa.select(ti.c.entity, ti.c.record_id, ti.c.field, ti.c.label, ti.c.confidence, ta.c.redacted_text)
        .join(
            ta,
            sa.and_(ta.c.entity == ti.c.entity, ta.c.record_id == ti.c.record_id, ta.c.field == ti.c.field),
        )
        .where(ti.c.taxonomy == taxonomy, ti.c.confidence < below, ~labelled.exists())
        .order_by(ti.c.confidence, ti.c.entity, ti.c.record_id, ti.c.field)
        .limit(limit)
    )
    if scope is not None:
        query = query.where(scope)
    return frame(store, query)


def classifier_history(store: Store, taxonomy: str = TAXONOMY) -> pd.DataFrame:
    """Every trained version, newest first, without its weights."""
    tc = T.text_classifiers
    columns = [c for c in tc.c if c.name != "weights"]
    return frame(store, sa.select(*columns).where(tc.c.taxonomy == taxonomy).order_by(tc.c.trained_at.desc()))
