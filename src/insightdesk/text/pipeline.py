"""The per-text pipeline: redact, detect the language, score sentiment, embed, assign a theme.

Pure: texts in, results out. Redaction runs first so that everything after it (language,
sentiment, embeddings, theme quotes) only ever sees redacted text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from typing import TYPE_CHECKING

from insightdesk.text import language as lang_mod
from insightdesk.text.embed import Embedder, load_embedder
from insightdesk.text.redact import Redactor
from insightdesk.text.sentiment import SentimentModel, score_texts
from insightdesk.text.sentiment_cascade import DEFAULT_SENTIMENT, load_sentiment

if TYPE_CHECKING:
    import numpy as np

# Bump when the redaction rules change, so stored results show which rules made them.
REDACTOR_VERSION = "regex-stdnum-phonenumbers-gazetteer.2"


@dataclass(frozen=True)
class TextResult:
    redacted_text: str
    pii_counts: dict[str, int]
    language: str
    language_confidence: float
    sentiment_label: str | None
    sentiment_score: float | None
    sentiment_status: str
    theme_index: int  # index into the centroids given, -1 for none
    theme_similarity: float | None

    def pii_json(self) -> str:
        return json.dumps(self.pii_counts, sort_keys=True)


@dataclass
class TextPipeline:
    """Everything a text goes through; built once per process (models load in about a second)."""

    embedder: Embedder
    sentiment: SentimentModel
    redactor: Redactor = field(default_factory=Redactor)
    languages: tuple[str, ...] = lang_mod.DEFAULT_LANGUAGES

    @classmethod
    def default(cls, sentiment: str = DEFAULT_SENTIMENT) -> TextPipeline:
        """The shipped models; `sentiment` is `cascade` (default), `transformer`, `linear` or `vader`.

        The redactor knows the desk's own names and accounts from INSIGHTDESK_TEXT_ORGANISATION_FILE.
        """
        from insightdesk.config import get_settings
        from insightdesk.text.organisations import load_organisation

        organisation = load_organisation(get_settings().text_organisation_file)
        return cls(
            embedder=load_embedder(),
            sentiment=load_sentiment(sentiment),
            redactor=Redactor(organisation=organisation),
        )

    @property
    def model_name(self) -> str:
        return f"lingua+{REDACTOR_VERSION}+{self.sentiment.name}"

    @property
    def model_version(self) -> str:
        return (
            f"lingua {package_version('lingua-language-detector')} ({lang_mod.SETTINGS}); "
            f"redactor {REDACTOR_VERSION}"
            f"{self.redactor.organisation.fingerprint()}; "
            f"embedder {self.embedder.version}; sentiment {self.sentiment.version}"
        )

    def analyse(
        self,
        texts: Sequence[str | None],
        *,
        centroids: np.ndarray | None = None,
        radii: np.ndarray | None = None,
        themeable: Sequence[bool] | None = None,
    ) -> list[TextResult]:
        """Results per text. Theme assignment needs `centroids` and `radii` (see themes.assign);
        `themeable` limits it (e.g. to customer-written texts)."""
        import numpy as np

        from insightdesk.text.themes import assign

        redactions = self.redactor.redact_many(texts)
        redacted = [r.text for r in redactions]
        # Identical texts (templates, "Thanks!") are analysed once per batch.
        unique = list(dict.fromkeys(redacted))
        position = {t: i for i, t in enumerate(unique)}
        back = [position[t] for t in redacted]
        guesses = lang_mod.detect_languages(unique, languages=self.languages)
        languages = [g.language for g in guesses]
        # One embedding pass serves both the sentiment classifier and theme assignment.
        vectors = self.embedder.encode(unique)
        sentiments = score_texts(self.sentiment, unique, languages, vectors)
        theme_idx = np.full(len(unique), -1)
        theme_sim = np.full(len(unique), np.nan, dtype=np.float32)
        if centroids is not None and len(centroids):
            ok = [
                i for i, (t, lang) in enumerate(zip(unique, languages, strict=True)) if is_themeable(t, lang)
            ]
            if ok:
                idx, sims = assign(
                    vectors[ok], centroids, radii if radii is not None else np.zeros(len(centroids))
                )
                theme_idx[ok] = idx
                theme_sim[ok] = sims
        results = []
        for i, red in enumerate(redactions):
            u = back[i]
            g, s = guesses[u], sentiments[u]
            themed = themeable is None or themeable[i]
            results.append(
                TextResult(
                    redacted_text=red.text,
                    pii_counts=red.counts(),
                    language=g.language,
                    language_confidence=round(g.confidence, 4),
                    sentiment_label=s.label,
                    sentiment_score=s.score,
                    sentiment_status=s.status,
                    theme_index=int(theme_idx[u]) if themed else -1,
                    theme_similarity=(
                        None if not themed or np.isnan(theme_sim[u]) else round(float(theme_sim[u]), 4)
                    ),
                )
            )
        return results


def ingest_redactor() -> Callable[[str], str]:
    """The redactor a source that stores redacted text only hands to ingest (`ingest_file(...,
    redact_text=...)`): the same rules and organisation file as the analysis, text in, text out."""
    from insightdesk.config import get_settings
    from insightdesk.text.organisations import load_organisation

    redactor = Redactor(organisation=load_organisation(get_settings().text_organisation_file))
    return lambda text: redactor.redact(text).text


THEME_LANGUAGES = frozenset({"en", lang_mod.UNKNOWN})
MIN_THEME_WORDS = 3


def is_themeable(redacted: str, language: str) -> bool:
    """Themes come from the English embedder: other languages would cluster by language."""
    return language in THEME_LANGUAGES and len((redacted or "").split()) >= MIN_THEME_WORDS
