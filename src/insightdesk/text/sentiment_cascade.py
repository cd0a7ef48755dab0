"""The default sentiment model: the fast linear model on every text, the transformer where it is unsure.

The linear model (sentiment.EmbeddingSentiment) scores a text in about a tenth of a millisecond;
the fine-tuned transformer (transformer.TransformerSentiment) is much more accurate but costs
about 3 ms on two cores. Texts whose linear-model confidence (its highest class probability) is
under the gate threshold are scored again by the transformer, whose probabilities then replace the
linear ones. The threshold ships with the transformer (its config.json), calibrated on a
validation split so that about a tenth of texts are routed: the share that keeps the whole
pipeline above 1,000 texts/s. docs/quality.md measures the accuracy of each part and of the
cascade, docs/benchmarks.md the throughput.

The decision for a text depends on that text alone (a fixed threshold, not a share of the batch),
so a text gets the same label whatever it is analysed with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from insightdesk.text.sentiment import (
    EmbeddingSentiment,
    SentimentModel,
    VaderSentiment,
    labels_and_scores,
    load_classifier,
)
from insightdesk.text.transformer import TransformerSentiment, load_transformer

if TYPE_CHECKING:
    import numpy as np

SENTIMENT_MODELS = ("cascade", "transformer", "linear", "vader")
DEFAULT_SENTIMENT = "cascade"


@dataclass
class CascadeSentiment:
    fast: EmbeddingSentiment
    slow: TransformerSentiment
    threshold: float  # route a text when the fast model's top probability is below this

    def __post_init__(self) -> None:
        # The transformer's probabilities replace the linear model's column for column.
        if self.slow.classes != self.fast.classes:
            raise ValueError(f"class order differs: {self.fast.classes} vs {self.slow.classes}")

    @property
    def name(self) -> str:
        return f"cascade({self.fast.name}|{self.slow.name}<{self.threshold:.3f})"

    @property
    def version(self) -> str:
        return f"{self.fast.version}+{self.slow.version}"

    @property
    def classes(self) -> list[str]:
        return self.fast.classes

    def routed(self, p_fast: np.ndarray) -> np.ndarray:
        """Which texts (rows of the fast model's probabilities) go to the transformer."""
        return p_fast.max(axis=1) < self.threshold

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        import numpy as np

        p = self.fast.probabilities(texts, vectors)
        route = np.flatnonzero(self.routed(p))
        if len(route):
            p[route] = self.slow.probabilities([texts[int(i)] for i in route])
        return p

    def predict(
        self, texts: Sequence[str], vectors: np.ndarray | None = None
    ) -> tuple[list[str], list[float]]:
        if not len(texts):
            return [], []
        return labels_and_scores(self.probabilities(texts, vectors), self.classes)


def load_sentiment(kind: str = DEFAULT_SENTIMENT, *, threshold: float | None = None) -> SentimentModel:
    """A shipped sentiment model by kind: `cascade` (default), `transformer`, `linear` or `vader`.

    `threshold` overrides the cascade's gate (1.0 sends every text to the transformer, 0 none).
    """
    if kind == "cascade":
        slow = load_transformer()
        gate = float(slow.info["gate"]["threshold"]) if threshold is None else float(threshold)
        return CascadeSentiment(fast=load_classifier(), slow=slow, threshold=gate)
    if kind == "transformer":
        return load_transformer()
    if kind == "linear":
        return load_classifier()
    if kind == "vader":
        return VaderSentiment()
    raise ValueError(f"unknown sentiment model {kind!r}; choose one of {', '.join(SENTIMENT_MODELS)}")
