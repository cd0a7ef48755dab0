"""Themes (pain points): discover, label, assign incrementally, and keep identities across refits.

Discovery clusters unit-length sentence embeddings in two stages: k-means over-segments the texts
into many small, tight groups, then average-linkage agglomeration merges groups whose centroids
are closer than a cosine threshold. The number of themes follows from the data and the threshold
rather than being fixed in advance; groups smaller than `min_size` are left unassigned (noise).
Labels are the most distinctive terms of each theme by class-based TF-IDF (as BERTopic does),
and the quotes are the members nearest the centroid (callers pass redacted text).

New texts join the nearest theme when their similarity reaches that theme's radius (the 5th
percentile of its members' similarities at fit time), so assignment needs no refit. A refit is
reconciled with the registry by centroid similarity (`reconcile`), which records continuations,
merges, splits, new themes and retirements, so trend lines keep their theme ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Tuned on banking77's *train* split only (docs/quality.md reports its *test* split).
MERGE_DISTANCE = 0.2  # cosine distance under which two k-means groups become one theme
MIN_SIZE = 5
GROUP_SIZE = 20  # texts per k-means group in the over-segmentation
GROUPS_MAX = 600
RADIUS_QUANTILE = 0.05
MIN_RADIUS = 0.35  # never assign below this cosine similarity, whatever a theme's spread
MATCH_SIMILARITY = 0.8  # centroid cosine above which a refit theme continues a registered one


@dataclass
class Theme:
    index: int  # position in the fit (0..k-1)
    centroid: np.ndarray
    size: int
    radius: float
    keywords: list[str]
    quotes: list[str]

    @property
    def label(self) -> str:
        return " / ".join(self.keywords[:3]) if self.keywords else f"theme {self.index}"


@dataclass
class Discovery:
    themes: list[Theme]
    assignments: np.ndarray  # theme index per text, -1 for unassigned
    similarities: np.ndarray  # cosine similarity to the assigned (or nearest) centroid
    params: dict = field(default_factory=dict)


def spherical_kmeans(vectors: np.ndarray, k: int, *, seed: int = 0, iterations: int = 20) -> np.ndarray:
    """Group ids of unit-length vectors by cosine k-means (a few numpy matmuls per iteration).

    Plain numpy rather than scikit-learn's KMeans: over-segmentation needs tight groups, not a
    converged optimum, and a fixed, small iteration count keeps 100k texts to seconds.
    """
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n = len(vectors)
    # Random texts as seeds: k-means++ costs more than all iterations here, and the later
    # agglomeration repairs what a plain start gets wrong.
    centroids = vectors[rng.choice(n, size=k, replace=False)].astype(np.float32)
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        for start in range(0, n, 50_000):
            chunk = vectors[start : start + 50_000]
            labels[start : start + 50_000] = (chunk @ centroids.T).argmax(axis=1)
        onehot = sp.csr_matrix((np.ones(n, dtype=np.float32), (labels, np.arange(n))), shape=(k, n))
        sums = np.asarray(onehot @ vectors)
        empty = np.asarray(onehot.sum(axis=1)).ravel() == 0
        # An emptied group restarts at a random text, so k groups survive.
        sums[empty] = vectors[rng.choice(n, size=int(empty.sum()), replace=False)]
        centroids = (sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return labels


def cluster(
    vectors: np.ndarray,
    *,
    n_groups: int | None = None,
    merge_distance: float = MERGE_DISTANCE,
    n_themes: int | None = None,
    min_size: int = MIN_SIZE,
    seed: int = 0,
) -> np.ndarray:
    """Cluster labels (-1 = noise) for unit-length `vectors`.

    `n_themes` fixes the number of themes (agglomeration stops there) instead of the threshold.
    """
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    n = len(vectors)
    if n < max(2 * min_size, 4):
        return np.full(n, -1)
    # Small corpora still need enough groups for the agglomeration to have something to merge.
    k0 = n_groups or int(min(GROUPS_MAX, max(n // GROUP_SIZE, min(n // 2, 50))))
    groups = spherical_kmeans(vectors, k0, seed=seed)
    k0 = int(groups.max()) + 1
    centroids = np.vstack(
        [vectors[groups == g].mean(axis=0) if (groups == g).any() else vectors[0] for g in range(k0)]
    )
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    if n_themes is not None:
        agg = AgglomerativeClustering(n_clusters=min(n_themes, k0), metric="cosine", linkage="average")
    else:
        agg = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=merge_distance
        )
    merged = agg.fit_predict(centroids)
    labels = merged[groups]
    # Themes too small to be a recurring pain point are noise.
    counts = np.bincount(labels, minlength=merged.max() + 1)
    keep = np.flatnonzero(counts >= min_size)
    remap = np.full(counts.size, -1)
    remap[keep] = np.arange(keep.size)
    return remap[labels]


def distinctive_terms(texts: Sequence[str], labels: np.ndarray, *, top: int = 8) -> dict[int, list[str]]:
    """Class-based TF-IDF: terms frequent in one theme and rare across themes."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    ids = sorted(int(x) for x in set(labels.tolist()) if x >= 0)
    if not ids:
        return {}
    vectorizer = CountVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2,
        max_features=50_000,
        # Placeholders (<PERSON_1>) and digits say nothing about a theme.
        token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b",
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary
        return {i: [] for i in ids}
    vocab = np.asarray(vectorizer.get_feature_names_out())
    per_class = np.vstack([np.asarray(counts[labels == i].sum(axis=0)).ravel() for i in ids])
    tf = per_class / np.maximum(per_class.sum(axis=1, keepdims=True), 1)
    avg_words = per_class.sum() / len(ids)
    idf = np.log(1 + avg_words / np.maximum(per_class.sum(axis=0), 1))
    scores = tf * idf
    out: dict[int, list[str]] = {}
    for row, i in enumerate(ids):
        order = np.argsort(-scores[row])
        terms: list[str] = []
        for j in order:
            if scores[row, j] <= 0 or len(terms) >= top:
                break
            term = str(vocab[j])
            # Skip a unigram already inside a chosen bigram and vice versa: more distinct words.
            if any(term in t or t in term for t in terms):
                continue
            terms.append(term)
        out[i] = terms
    return out


def discover(
    texts: Sequence[str],
    vectors: np.ndarray,
    *,
    min_size: int = MIN_SIZE,
    merge_distance: float = MERGE_DISTANCE,
    n_themes: int | None = None,
    n_quotes: int = 3,
    seed: int = 0,
) -> Discovery:
    """Fit themes on `texts` (redacted) and their unit-length `vectors`."""
    import numpy as np

    labels = cluster(vectors, merge_distance=merge_distance, n_themes=n_themes, min_size=min_size, seed=seed)
    terms = distinctive_terms(texts, labels)
    themes: list[Theme] = []
    sims = np.zeros(len(texts), dtype=np.float32)
    for i in sorted(terms):
        members = np.flatnonzero(labels == i)
        centroid = vectors[members].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        member_sims = vectors[members] @ centroid
        sims[members] = member_sims
        nearest = members[np.argsort(-member_sims)]
        quotes: list[str] = []
        for j in nearest:
            if len(quotes) >= n_quotes:
                break
            if texts[j] not in quotes:
                quotes.append(texts[j])
        radius = max(MIN_RADIUS, float(np.quantile(member_sims, RADIUS_QUANTILE)))
        themes.append(Theme(i, centroid.astype(np.float32), int(members.size), radius, terms[i], quotes))
    params = {
        "algorithm": "kmeans over-segmentation + average-linkage cosine agglomeration",
        "min_size": min_size,
        "merge_distance": merge_distance,
        "n_themes": n_themes,
        "seed": seed,
    }
    return Discovery(themes, labels, sims, params)


def assign(vectors: np.ndarray, centroids: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest theme per vector (-1 when outside its radius) and the similarity to it."""
    import numpy as np

    if len(centroids) == 0 or len(vectors) == 0:
        return np.full(len(vectors), -1), np.zeros(len(vectors), dtype=np.float32)
    sims = vectors @ centroids.T
    best = sims.argmax(axis=1)
    best_sim = sims[np.arange(len(vectors)), best]
    return np.where(best_sim >= radii[best], best, -1), best_sim.astype(np.float32)


@dataclass
class Reconciliation:
    """How a fresh fit maps onto the registered themes.

    `inherits[j]` is the registered id new theme j continues (None: a new theme);
    `split_from[j]` the registered id a new theme was split off; `merged[old] = new_j` for
    registered themes absorbed by new theme j; `retired` registered ids with no successor.
    """

    inherits: list[str | None]
    split_from: list[str | None]
    merged: dict[str, int]
    retired: list[str]


def reconcile(
    old_ids: Sequence[str],
    old_centroids: np.ndarray,
    new_centroids: np.ndarray,
    *,
    match: float = MATCH_SIMILARITY,
) -> Reconciliation:
    """Map new themes onto registered ones by mutual best centroid similarity.

    Mutual best pairs continue the registered id. A new theme whose best match prefers another
    new theme is a split off that registered theme; a registered theme whose best new theme
    continues a different id has been merged into it. Unmatched registered themes are retired.
    """
    import numpy as np

    n_new = len(new_centroids)
    inherits: list[str | None] = [None] * n_new
    split_from: list[str | None] = [None] * n_new
    merged: dict[str, int] = {}
    if len(old_ids) == 0 or n_new == 0:
        return Reconciliation(inherits, split_from, merged, list(old_ids))
    sims = new_centroids @ old_centroids.T  # (new, old)
    new_best = sims.argmax(axis=1)
    old_best = sims.argmax(axis=0)
    new_ok = sims[np.arange(n_new), new_best] >= match
    old_ok = sims[old_best, np.arange(len(old_ids))] >= match
    for j in range(n_new):
        if new_ok[j]:
            i = int(new_best[j])
            if old_ok[i] and old_best[i] == j:
                inherits[j] = old_ids[i]
            else:
                split_from[j] = old_ids[i]
    retired = []
    for i, old_id in enumerate(old_ids):
        if old_id in inherits:
            continue
        if old_ok[i]:
            merged[old_id] = int(old_best[i])
        else:
            retired.append(old_id)
    return Reconciliation(inherits, split_from, merged, retired)
