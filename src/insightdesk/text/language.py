"""Language of a text, or "unknown" when the text is too short or too ambiguous to tell.

lingua with a restricted language set: the models ship inside the wheel, a small set loads in about
a second (all 75 languages would cost 1.3 GB and seconds). Every text goes through lingua's
high-accuracy mode. Its low-accuracy mode (trigrams only) was used for texts over ten words and read
ordinary English as another language: 461 of the bundled sample's 8,035 texts, mostly CFPB's
"Incorrect information on your report" (French) and BANKING77 queries such as "Where do I find my
code to verify my top-up card?" (German, 0.99). High accuracy costs about 25% more CPU on the
sample's texts (2.8 s instead of 2.2 s for 8,010 texts); the fast models, loaded beside the accurate
ones before, are no longer loaded (docs/quality.md, Language).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

UNKNOWN = "unknown"

# The languages of the shared real data (UMSAB, GermEval) plus Dutch for European desks.
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "pt", "nl", "ar", "hi")

# Texts with fewer letters than this, or fewer words, are "unknown": lingua is unreliable there.
MIN_LETTERS = 12
MIN_WORDS = 2
# Below this confidence (lingua's relative probability of its best guess) we say "unknown" too.
MIN_CONFIDENCE = 0.5
# Part of the text pipeline's model version: a stored label made under other settings is redone.
SETTINGS = f"high-accuracy, min confidence {MIN_CONFIDENCE}, min {MIN_LETTERS} letters/{MIN_WORDS} words"

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Placeholders, handles and links carry no language evidence.
_NOISE = re.compile(r"<[A-Z_]+(?:_\d+)?>|@\w+|https?://\S+|www\.\S+")


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # ISO 639-1 code or "unknown"
    confidence: float


@lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...], low_accuracy: bool):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages]
    builder = LanguageDetectorBuilder.from_languages(*langs)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def _usable(text: str) -> str | None:
    cleaned = _NOISE.sub(" ", text or "")
    if len(_LETTER.findall(cleaned)) < MIN_LETTERS or len(_WORD.findall(cleaned)) < MIN_WORDS:
        return None
    return cleaned


def detect_languages(
    texts: Sequence[str],
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    low_accuracy: bool = False,
    min_confidence: float = MIN_CONFIDENCE,
) -> list[LanguageGuess]:
    """One guess per text; "unknown" for empty, too short or ambiguous texts.

    `low_accuracy=True` (trigrams only) is kept for measurements; production never uses it.
    """
    cleaned = [_usable(t) for t in texts]
    todo = [i for i, c in enumerate(cleaned) if c is not None]
    results = [LanguageGuess(UNKNOWN, 0.0)] * len(texts)
    if not todo:
        return results
    detector = _detector(tuple(languages), low_accuracy)
    # One confidence vector per text; lingua runs the batch on all cores.
    values = detector.compute_language_confidence_values_in_parallel([cleaned[i] or "" for i in todo])
    for i, ranked in zip(todo, values, strict=True):
        if not ranked:
            continue
        best = ranked[0]
        if best.value < min_confidence:
            results[i] = LanguageGuess(UNKNOWN, float(best.value))
        else:
            results[i] = LanguageGuess(best.language.iso_code_639_1.name.lower(), float(best.value))
    return results


def detect_language(text: str, **kwargs: object) -> LanguageGuess:
    """The language of one text (see `detect_languages`)."""
    return detect_languages([text], **kwargs)[0]  # type: ignore[arg-type]
