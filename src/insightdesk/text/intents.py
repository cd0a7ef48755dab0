"""A user-trainable classifier (intents or a desk's own taxonomy) over the shipped sentence embeddings.

Multinomial logistic regression (scikit-learn) on the static embeddings every text already gets:
it trains in a second on thousands of labels, needs no torch, and stores as JSON coefficients
(no pickle, so loading runs no code). Which labels are held out is fixed by a hash of the text's
key, so a retrained model is always compared with the active one on labels neither was trained on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

HOLDOUT_FRACTION = 0.25
MIN_LABELS = 20  # fewer labels than this cannot train and test a model
MIN_PER_CLASS = 2
C = 4.0  # weak regularisation: embeddings are dense and few labels are precious


class TrainingError(ValueError):
    """Not enough or not varied enough labels; the message says what is missing."""


def is_holdout(key: str, fraction: float = HOLDOUT_FRACTION) -> bool:
    """Whether a labelled text is held out, fixed by a hash of its key (stable across retrains)."""
    bucket = int(hashlib.sha1(("holdout:" + key).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < fraction


@dataclass
class IntentModel:
    classes: list[str]
    coef: np.ndarray  # (n_classes, dim)
    intercept: np.ndarray  # (n_classes,)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        from insightdesk.text.sentiment import softmax

        if len(self.classes) == 1:
            import numpy as np

            return np.ones((len(vectors), 1), dtype=np.float32)
        return softmax(vectors @ self.coef.T + self.intercept)

    def predict(self, vectors: np.ndarray) -> tuple[list[str], list[float]]:
        """Most probable class per vector and its probability (the confidence the review queue uses)."""
        if not len(vectors):
            return [], []
        p = self.probabilities(vectors)
        best = p.argmax(axis=1)
        return [self.classes[i] for i in best], [float(p[r, i]) for r, i in enumerate(best)]

    def to_json(self) -> str:
        return json.dumps(
            {"coef": self.coef.round(6).tolist(), "intercept": self.intercept.round(6).tolist()}
        )

    @classmethod
    def from_json(cls, classes: Sequence[str], weights: str) -> IntentModel:
        import numpy as np

        payload = json.loads(weights)
        return cls(
            list(classes),
            np.asarray(payload["coef"], dtype=np.float32),
            np.asarray(payload["intercept"], dtype=np.float32),
        )


def train(vectors: np.ndarray, labels: Sequence[str], *, c: float = C) -> IntentModel:
    """Fit on unit-length `vectors` and their labels (balanced class weights: rare intents count)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if len(labels) < MIN_LABELS:
        raise TrainingError(f"{len(labels)} training labels; at least {MIN_LABELS} are needed")
    if len(counts) < 2:
        raise TrainingError("all training labels have one class; label at least two classes")
    thin = sorted(k for k, n in counts.items() if n < MIN_PER_CLASS)
    if thin:
        raise TrainingError(
            f"classes with fewer than {MIN_PER_CLASS} training labels: {', '.join(thin[:10])}; label more of them"
        )
    lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    lr.fit(vectors, np.asarray(labels))
    coef, intercept = lr.coef_, lr.intercept_
    if len(lr.classes_) == 2:  # scikit-learn keeps one row for two classes: make it symmetric
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.asarray([-intercept[0] / 2, intercept[0] / 2])
    return IntentModel([str(x) for x in lr.classes_], coef.astype(np.float32), intercept.astype(np.float32))


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Macro-F1 over the true classes (a predicted class the truth never has counts against it)."""
    from sklearn.metrics import f1_score

    labels = sorted(set(y_true))
    return float(f1_score(list(y_true), list(y_pred), labels=labels, average="macro", zero_division=0))
