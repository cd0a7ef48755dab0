"""Pairwise precision, recall and F1 of a clustering against the truth, and the threshold that labels
support best.

Pairwise counts: a pair of records is a true positive when both clusterings put it together.
They are computed from the contingency of (predicted, true) clusters, never by listing pairs, so
they scale to a million records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


@dataclass(frozen=True)
class PairwiseScore:
    true_positives: int
    predicted_pairs: int
    true_pairs: int
    records: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def interval(self, value: float, n: int) -> tuple[float, float]:
        """Wilson 95% interval of a proportion over n pairs (pairs are not independent: a guide)."""
        if n == 0:
            return (math.nan, math.nan)
        z = 1.96
        centre = (value + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(value * (1 - value) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return (centre - half, centre + half)

    def as_dict(self) -> dict[str, Any]:
        p_low, p_high = self.interval(self.precision, self.predicted_pairs)
        r_low, r_high = self.interval(self.recall, self.true_pairs)
        return {
            "records": self.records,
            "true_pairs": self.true_pairs,
            "predicted_pairs": self.predicted_pairs,
            "true_positives": self.true_positives,
            "precision": round(self.precision, 4),
            "precision_ci": [round(p_low, 4), round(p_high, 4)],
            "recall": round(self.recall, 4),
            "recall_ci": [round(r_low, 4), round(r_high, 4)],
            "f1": round(self.f1, 4),
        }


def pairwise_score(predicted: pd.Series, truth: pd.Series) -> PairwiseScore:
    """Score cluster labels `predicted` against `truth` (both indexed by record id)."""
    frame = pd.DataFrame({"p": predicted, "t": truth.reindex(predicted.index)}).dropna()
    both = frame.groupby(["p", "t"]).size()
    return PairwiseScore(
        true_positives=_pairs(both),
        predicted_pairs=_pairs(frame.groupby("p").size()),
        true_pairs=_pairs(frame.groupby("t").size()),
        records=len(frame),
    )


def best_threshold(probabilities: pd.Series, labels: pd.Series, minimum: int) -> float | None:
    """The match probability that maximises F1 on labelled pairs (1 = same person, 0 = not), or None
    when fewer than `minimum` labels of either kind exist (a threshold from a handful is noise)."""
    frame = pd.DataFrame({"p": probabilities.astype(float), "y": labels.astype(int)}).dropna()
    positives = int(frame["y"].sum())
    if positives < minimum or len(frame) - positives < minimum:
        return None
    frame = frame.sort_values("p", ascending=False).reset_index(drop=True)
    true_pos = frame["y"].cumsum()
    predicted = pd.Series(range(1, len(frame) + 1))
    f1 = 2 * true_pos / (predicted + positives)
    # Only a cut between distinct probabilities is a threshold anyone could apply.
    last_of_value = frame["p"] != frame["p"].shift(-1)
    best = f1.where(last_of_value).idxmax()
    return float(frame.loc[best, "p"])
