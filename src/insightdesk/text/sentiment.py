"""Sentiment: negative / neutral / positive and a score in [-1, 1].

Two approaches, compared in docs/quality.md on held-out real data:
- `VaderSentiment`: the VADER lexicon (English only), compound score with its authors' ±0.05
  thresholds. The baseline.
- `EmbeddingSentiment`: multinomial logistic regression on word uni- and bigram TF-IDF (words
  after a negator marked as negated), the shipped static sentence embeddings and VADER's four scores, trained in this repository on permissively licensed data
  (scripts/build_text_models.py sentiment). The default. Stored as JSON (coefficients, not a
  pickle) so loading runs no code and survives scikit-learn upgrades.

Both support English only. Texts in another detected language are flagged `unsupported_language`
with no label rather than guessed; texts too short to tell the language are scored but flagged
`language_unknown` (short support replies are overwhelmingly in the desk's main language).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from insightdesk.text.embed import MODELS_DIR, Embedder, file_digest, load_embedder

if TYPE_CHECKING:
    import numpy as np

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
SUPPORTED_LANGUAGES = frozenset({"en"})
DEFAULT_CLASSIFIER = MODELS_DIR / "sentiment_lr.json"
VADER_THRESHOLD = 0.05  # VADER's documented neutral band on the compound score


@dataclass(frozen=True)
class SentimentResult:
    label: str | None  # None when not scored (unsupported language, empty text)
    score: float | None  # P(positive) - P(negative), or VADER's compound
    status: str  # ok | language_unknown | unsupported_language | empty


class SentimentModel(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def predict(
        self, texts: Sequence[str], vectors: np.ndarray | None = None
    ) -> tuple[list[str], list[float]]: ...


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise class probabilities from logits (modified in place)."""
    import numpy as np

    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def labels_and_scores(p: np.ndarray, classes: Sequence[str]) -> tuple[list[str], list[float]]:
    """The most probable class of each row and its score, P(positive) - P(negative)."""
    pos, neg = classes.index("positive"), classes.index("negative")
    return [classes[i] for i in p.argmax(axis=1)], [float(s) for s in p[:, pos] - p[:, neg]]


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_features(texts: Sequence[str]) -> np.ndarray:
    """VADER's neg, neu, pos and compound per text."""
    import numpy as np

    analyzer = _vader()
    rows = []
    for text in texts:
        s = analyzer.polarity_scores(text or "")
        rows.append((s["neg"], s["neu"], s["pos"], s["compound"]))
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), 4)


class VaderSentiment:
    """The lexicon baseline."""

    name = "vader"

    def __init__(self) -> None:
        from importlib.metadata import version

        self.version = version("vaderSentiment")

    def predict(
        self, texts: Sequence[str], vectors: np.ndarray | None = None
    ) -> tuple[list[str], list[float]]:
        compounds = vader_features(texts)[:, 3]
        labels = [
            "positive" if c >= VADER_THRESHOLD else "negative" if c <= -VADER_THRESHOLD else "neutral"
            for c in compounds
        ]
        return labels, [float(c) for c in compounds]


# Word n-grams catch what a bag of static vectors cannot (negation: "not good"); the dense
# part is down-weighted so that neither block dominates the shared L2 penalty.
NGRAMS = (1, 2)
MAX_NGRAMS = 50_000
DENSE_WEIGHT = 0.1
# Partial class balancing (weight = balanced weight ** power) beat full balancing (power 1) and
# none (0) on a validation split of the training data: full balancing over-predicts the rare
# classes of a source, while the metric is macro-F1 over all sources pooled.
CLASS_WEIGHT_POWER = 0.5
TEXT_FORM = "negation-marked"  # recorded in the JSON; the loader refuses any other form

_NEGATORS = frozenset(
    {"not", "no", "never", "cannot", "nothing", "nobody", "none", "neither", "nor", "without", "hardly", "barely"}
)  # fmt: skip
_TOKEN = re.compile(r"[a-z0-9_]+(?:'[a-z]+)?|[.,!?;:]")


def negation_marked(text: str) -> str:
    """Lower-cased words, each suffixed `_NEG` between a negator and the next punctuation mark.

    "wasn't rude, not good" -> "wasn't rude_NEG good_NEG": the n-gram model then learns that a
    negated word is a different feature, which bigrams alone see only for adjacent words.
    """
    out: list[str] = []
    negated = False
    for token in _TOKEN.findall(text.lower()):
        if token in ".,!?;:":
            negated = False
            continue
        out.append(token + "_NEG" if negated else token)
        if token in _NEGATORS or token.endswith("n't"):
            negated = True
    return " ".join(out)


def _tfidf(vocabulary: Sequence[str] | None = None, idf: np.ndarray | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    common = {"ngram_range": NGRAMS, "sublinear_tf": True, "preprocessor": negation_marked,
              "token_pattern": r"\S+"}  # fmt: skip
    if vocabulary is None:
        return TfidfVectorizer(min_df=3, max_features=MAX_NGRAMS, **common)
    vectorizer = TfidfVectorizer(vocabulary=list(vocabulary), **common)
    vectorizer.idf_ = idf
    return vectorizer


@dataclass
class EmbeddingSentiment:
    """Logistic regression on [word n-gram TF-IDF, embedding, VADER scores]; weights from JSON."""

    embedder: Embedder
    classes: list[str]
    coef: np.ndarray  # (n_classes, n_ngrams + n_dense)
    intercept: np.ndarray  # (n_classes,)
    mean: np.ndarray  # standardisation of the dense block
    scale: np.ndarray
    vocabulary: list[str]
    idf: np.ndarray
    version: str
    info: dict = field(default_factory=dict)
    name: str = "tfidf+minilm-m2v-256+vader+logreg"

    def __post_init__(self) -> None:
        self._vectorizer = _tfidf(self.vocabulary, self.idf) if len(self.vocabulary) else None

    def dense(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """[embedding, VADER scores]; pass `vectors` when the texts are already embedded."""
        import numpy as np

        if vectors is None:
            vectors = self.embedder.encode(texts)
        return np.hstack([vectors, vader_features(texts)])

    def features(self, texts: Sequence[str], vectors: np.ndarray | None = None):
        import scipy.sparse as sp

        if self._vectorizer is None:
            raise ValueError("this sentiment model has no n-gram vocabulary: train or load one first")
        dense = (self.dense(texts, vectors) - self.mean) / self.scale * DENSE_WEIGHT
        return sp.hstack([self._vectorizer.transform(texts), sp.csr_matrix(dense)]).tocsr()

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        import numpy as np

        return softmax(np.asarray(self.features(texts, vectors) @ self.coef.T) + self.intercept)

    def predict(
        self, texts: Sequence[str], vectors: np.ndarray | None = None
    ) -> tuple[list[str], list[float]]:
        if not len(texts):
            return [], []
        return labels_and_scores(self.probabilities(texts, vectors), self.classes)

    def save(self, path: Path) -> None:
        payload = {
            "name": self.name,
            "embedder": self.embedder.name,
            "embedder_version": self.embedder.version,
            "classes": self.classes,
            "ngram_range": list(NGRAMS),
            "text_form": TEXT_FORM,
            "dense_weight": DENSE_WEIGHT,
            "vocabulary": self.vocabulary,
            "idf": self.idf.round(5).tolist(),
            "coef": self.coef.round(5).tolist(),
            "intercept": self.intercept.round(6).tolist(),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "info": self.info,
        }
        path.write_text(json.dumps(payload, separators=(",", ":")) + "\n")


def load_classifier(path: Path = DEFAULT_CLASSIFIER) -> EmbeddingSentiment:
    """The shipped classifier; refuses one trained on other embeddings than those shipped."""
    import numpy as np

    from insightdesk.text.embed import ModelMissingError

    if not path.exists():
        raise ModelMissingError(
            f"sentiment classifier {path} not found; rebuild it with "
            "`python scripts/build_text_models.py sentiment`"
        )
    payload = json.loads(path.read_text())
    if payload.get("text_form") != TEXT_FORM:
        raise ModelMissingError(
            f"{path.name} was trained on another text form than {TEXT_FORM!r}: rerun "
            "`python scripts/build_text_models.py sentiment`"
        )
    embedder = load_embedder(payload["embedder"])
    if payload["embedder_version"] != embedder.version:
        raise ModelMissingError(
            f"{path.name} was trained on embedder version {payload['embedder_version']}, but the shipped "
            f"embedder is {embedder.version}: rerun `python scripts/build_text_models.py sentiment`"
        )
    return EmbeddingSentiment(
        embedder=embedder,
        classes=list(payload["classes"]),
        coef=np.asarray(payload["coef"], dtype=np.float32),
        intercept=np.asarray(payload["intercept"], dtype=np.float32),
        mean=np.asarray(payload["mean"], dtype=np.float32),
        scale=np.asarray(payload["scale"], dtype=np.float32),
        vocabulary=list(payload["vocabulary"]),
        idf=np.asarray(payload["idf"], dtype=np.float64),
        version=file_digest(path),
        info=payload.get("info", {}),
        name=payload["name"],
    )


def source_balanced_weights(
    labels: Sequence[str], sources: Sequence[str] | np.ndarray, power: float = CLASS_WEIGHT_POWER
) -> np.ndarray:
    """Per-text weights that balance the classes within each source, to `power` (0: none, 1: full)."""
    import numpy as np

    y = np.asarray([LABELS.index(label) for label in labels])
    groups = np.asarray(sources)
    weights = np.ones(len(y))
    for g in np.unique(groups):
        in_group = groups == g
        for k in range(len(LABELS)):
            mask = in_group & (y == k)
            if mask.any():
                weights[mask] = (in_group.sum() / (len(LABELS) * mask.sum())) ** power
    return weights


def train_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    sources: Sequence[str] | None = None,
    embedder: Embedder | None = None,
    c: float = 1.0,
    seed: int = 0,
) -> EmbeddingSentiment:
    """Fit the classifier. Classes are (partly) balanced per source so no one dataset's prior dominates."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    embedder = embedder or load_embedder()
    texts = list(texts)
    vectorizer = _tfidf()
    ngrams = vectorizer.fit_transform(texts)
    model = EmbeddingSentiment(
        embedder=embedder,
        classes=list(LABELS),
        coef=np.zeros(0),
        intercept=np.zeros(0),
        mean=np.zeros(0),
        scale=np.ones(0),
        vocabulary=[],
        idf=np.zeros(0),
        version="",
    )
    dense = model.dense(texts)
    mean, scale = dense.mean(axis=0), dense.std(axis=0) + 1e-6
    x = sp.hstack([ngrams, sp.csr_matrix((dense - mean) / scale * DENSE_WEIGHT)]).tocsr()
    y = np.asarray([LABELS.index(label) for label in labels])
    groups = np.asarray(sources if sources is not None else ["all"] * len(texts))
    weights = source_balanced_weights(labels, groups)
    lr = LogisticRegression(C=c, max_iter=3000, random_state=seed)
    lr.fit(x, y, sample_weight=weights)
    vocab = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    model = EmbeddingSentiment(
        embedder=embedder,
        classes=list(LABELS),
        coef=lr.coef_.astype(np.float32),
        intercept=lr.intercept_.astype(np.float32),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        vocabulary=vocab,
        idf=vectorizer.idf_,
        version="",
    )
    model.info = {
        "n_train": len(y),
        "sources": sorted(set(groups.tolist())),
        "C": c,
        "ngrams": len(vocab),
        "class_weighting": f"balanced within each source, to the power {CLASS_WEIGHT_POWER}",
    }
    return model


def score_texts(
    model: SentimentModel, texts: Sequence[str], languages: Sequence[str], vectors: np.ndarray | None = None
) -> list[SentimentResult]:
    """Sentiment for each text, respecting the model's language support."""
    from insightdesk.text.language import UNKNOWN

    todo = [
        i
        for i, (t, lang) in enumerate(zip(texts, languages, strict=True))
        if t and t.strip() and (lang in SUPPORTED_LANGUAGES or lang == UNKNOWN)
    ]
    subset = vectors[todo] if vectors is not None and todo else None
    labels, scores = model.predict([texts[i] for i in todo], subset) if todo else ([], [])
    out: list[SentimentResult] = []
    for t, lang in zip(texts, languages, strict=True):
        if not t or not t.strip():
            out.append(SentimentResult(None, None, "empty"))
        elif lang not in SUPPORTED_LANGUAGES and lang != UNKNOWN:
            out.append(SentimentResult(None, None, "unsupported_language"))
        else:
            out.append(SentimentResult(None, None, "pending"))
    for i, label, score in zip(todo, labels, scores, strict=True):
        status = "ok" if languages[i] in SUPPORTED_LANGUAGES else "language_unknown"
        out[i] = SentimentResult(label, None if math.isnan(score) else round(score, 4), status)
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of a text (a light rule: end punctuation or line breaks)."""
    import re

    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text or "") if s.strip()]


def sentence_sentiment(model: SentimentModel, text: str) -> list[tuple[str, str, float]]:
    """(sentence, label, score) per sentence: where a mixed text's praise and complaint lie."""
    sentences = split_sentences(text)
    labels, scores = model.predict(sentences) if sentences else ([], [])
    return list(zip(sentences, labels, scores, strict=True))
