"""Readable theme labels: class-based TF-IDF over cleaned, plural-folded words; unique per fit.

The first labels carried junk (`don`, `ve`, `amp`, `http`): contraction fragments, HTML entities
and link pieces that are frequent in one theme by accident of its source. Texts are cleaned
before counting (entities unescaped, links, handles, placeholders and masks removed), a stop list
covers contractions and web debris, and plural and singular count as one term (`card`/`cards`),
shown in its most frequent surface form. No lemmatiser ships offline in the core install, so
folding is limited to regular plurals.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b\S+\.(?:com|net|org|co|io|ly)(?:/\S*)?\b", re.IGNORECASE)
_NOISE = re.compile(r"<[A-Z]+(?:_\d+)?>|@\w+|#(?=\w)|&\w+;|\b[Xx]{2,}\b")
_APOSTROPHE = re.compile(r"[’‘`´]")
_CONTRACTION = re.compile(r"\b(\w+)'(?:s|t|re|ve|ll|d|m)\b", re.IGNORECASE)
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_]+\b"

# Fragments of contractions, web debris and chat filler that say nothing about a theme.
EXTRA_STOP_WORDS = frozenset(
    """
    don doesn didn isn wasn weren aren haven hasn hadn won wouldn couldn shouldn can cant dont
    im ive ill id youre youve theyre thats whats lets ve ll re amp quot nbsp apos gt lt http https
    www com link url pls plz thx thanks thank hi hello hey just got get like ok okay yes yeah
    hasnt havent doesnt didnt isnt wasnt wont wouldnt couldnt shouldnt ur u
    """.split()  # noqa: SIM905
)


def clean(text: str) -> str:
    """The words of a text for labelling: entities unescaped; links, handles, placeholders,
    masks and contraction endings removed."""
    text = html.unescape(html.unescape(text or ""))
    text = _URL.sub(" ", text)
    text = _NOISE.sub(" ", text)
    text = _APOSTROPHE.sub("'", text)
    return _CONTRACTION.sub(r"\1", text)


def fold(word: str) -> str:
    """A regular plural's singular (`charges` -> `charge`, `queries` -> `query`); else the word."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | EXTRA_STOP_WORDS


def distinctive_terms(texts: Sequence[str], labels: np.ndarray, *, top: int = 8) -> dict[int, list[str]]:
    """Class-based TF-IDF (as BERTopic): folded terms frequent in one theme and rare across themes."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    ids = sorted(int(x) for x in set(labels.tolist()) if x >= 0)
    if not ids:
        return {}
    stop = _stop_words()
    surface: Counter[tuple[str, str]] = Counter()

    def analyse(text: str) -> list[str]:
        words = [w for w in re.findall(_TOKEN, clean(text).lower()) if w not in stop]
        folded = [fold(w) for w in words]
        surface.update(zip(folded, words, strict=True))
        folded = [w for w in folded if w not in stop]
        return folded + [f"{a} {b}" for a, b in itertools.pairwise(folded)]

    vectorizer = CountVectorizer(analyzer=analyse, min_df=2, max_features=50_000)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary
        return {i: [] for i in ids}
    shown: dict[str, str] = {}
    for (folded, word), _ in surface.most_common():
        shown.setdefault(folded, word)
    vocab = [" ".join(shown.get(w, w) for w in term.split()) for term in vectorizer.get_feature_names_out()]
    per_class = np.vstack([np.asarray(counts[labels == i].sum(axis=0)).ravel() for i in ids])
    tf = per_class / np.maximum(per_class.sum(axis=1, keepdims=True), 1)
    avg_words = per_class.sum() / len(ids)
    idf = np.log(1 + avg_words / np.maximum(per_class.sum(axis=0), 1))
    scores = tf * idf
    out: dict[int, list[str]] = {}
    for row, i in enumerate(ids):
        terms: list[str] = []
        for j in np.argsort(-scores[row]):
            if scores[row, j] <= 0 or len(terms) >= top:
                break
            term = vocab[j]
            # Skip a term sharing a word with a chosen one: more distinct words per label.
            if any(set(term.split()) & set(t.split()) for t in terms):
                continue
            terms.append(term)
        out[i] = terms
    return out


def unique_labels(keywords: Sequence[Sequence[str]], *, words: int = 3) -> list[str]:
    """One label per theme from its keywords; a label another theme already has takes the theme's
    next keyword instead of its last, then a number, so no two themes read the same."""
    labels: list[str] = []
    taken: set[str] = set()
    for index, terms in enumerate(keywords):
        chosen = list(terms[:words])
        label = " / ".join(chosen) if chosen else f"theme {index + 1}"
        spare = list(terms[words:])
        while label.lower() in taken and spare:
            chosen[-1] = spare.pop(0)
            label = " / ".join(chosen)
        if label.lower() in taken:
            label = f"{label} ({index + 1})"
        taken.add(label.lower())
        labels.append(label)
    return labels
