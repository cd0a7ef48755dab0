"""Themes (pain points): discover, label, assign incrementally, and keep identities across refits.

Discovery clusters unit-length sentence embeddings by Ward agglomeration, cut at a merge cost, so
the number of themes follows from the data rather than being fixed in advance (on more texts than
Ward's quadratic memory allows, a random sample is clustered and the rest joins the nearest
centroid). Groups smaller than `min_size` are left unassigned (noise). Ward beat k-means +
average linkage and BERTopic's UMAP + HDBSCAN on banking77 (docs/quality.md).
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

from insightdesk.text.theme_labels import distinctive_terms, unique_labels

if TYPE_CHECKING:
    import numpy as np

# Tuned on banking77's *train* split only (docs/quality.md reports its *test* split).
WARD_DISTANCE = 2.0  # Ward merge cost at which agglomeration stops, for CALIBRATION_SIZE texts
CALIBRATION_SIZE = 3000  # tuned on 3,080-text samples of banking77's train split
MIN_SIZE = 5
SAMPLE_MAX = 6000  # Ward runs on at most this many texts (memory grows with the square)
RADIUS_QUANTILE = 0.05
MIN_RADIUS = 0.35  # never assign below this cosine similarity, whatever a theme's spread
MATCH_SIMILARITY = 0.8  # centroid cosine above which a refit theme continues a registered one
MAX_THEMES = 25  # a person reads 25 themes; past that the cut is made at 25
NEAR_DUPLICATE = 0.9  # centroid cosine above which two themes sharing terms are merged
SHARED_TERMS = 3  # ... when they share at least this many of their top five terms


@dataclass
class Theme:
    index: int  # position in the fit (0..k-1)
    centroid: np.ndarray
    size: int
    radius: float
    keywords: list[str]
    quotes: list[str]
    name: str = ""  # unique within its fit (theme_labels.unique_labels)

    @property
    def label(self) -> str:
        return self.name or (" / ".join(self.keywords[:3]) if self.keywords else f"theme {self.index}")


@dataclass
class Discovery:
    themes: list[Theme]
    assignments: np.ndarray  # theme index per text, -1 for unassigned
    similarities: np.ndarray  # cosine similarity to the assigned (or nearest) centroid
    params: dict = field(default_factory=dict)


def spherical_kmeans(vectors: np.ndarray, k: int, *, seed: int = 0, iterations: int = 20) -> np.ndarray:
    """Group ids of unit-length vectors by cosine k-means (a few numpy matmuls per iteration).

    Used to split one theme into parts. Plain numpy: a fixed, small iteration count keeps it to
    seconds on any theme size.
    """
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n = len(vectors)
    # Random texts as seeds (seeded, so a split is reproducible).
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
    distance: float = WARD_DISTANCE,
    n_themes: int | None = None,
    min_size: int = MIN_SIZE,
    sample_max: int = SAMPLE_MAX,
    max_themes: int | None = MAX_THEMES,
    seed: int = 0,
) -> np.ndarray:
    """Cluster labels (-1 = noise) for unit-length `vectors`.

    Ward agglomeration, cut where merging would cost more than `distance` (or at `n_themes`).
    Above `sample_max` texts it runs on a random sample and every text joins the nearest
    resulting centroid: Ward needs memory quadratic in the texts it sees.
    """
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    n = len(vectors)
    if n < max(2 * min_size, 4):
        return np.full(n, -1)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=sample_max, replace=False)) if n > sample_max else np.arange(n)
    # Ward's merge cost grows with the square root of cluster sizes, so the cut scales with the
    # sample: the same `distance` then means the same centroid separation at any corpus size.
    threshold = distance * max(0.75, (len(sample) / CALIBRATION_SIZE) ** 0.5)
    agg = AgglomerativeClustering(
        n_clusters=min(n_themes, len(sample)) if n_themes else None,
        linkage="ward",
        distance_threshold=None if n_themes else threshold,
    )
    sample_labels = agg.fit_predict(vectors[sample])
    if max_themes and not n_themes and _themes_of(sample_labels, min_size) > max_themes:
        # More themes than a person reads: cut the same tree higher, at `max_themes` groups.
        agg = AgglomerativeClustering(n_clusters=min(max_themes, len(sample)), linkage="ward")
        sample_labels = agg.fit_predict(vectors[sample])
    if len(sample) == n:
        labels = sample_labels
    else:
        k = int(sample_labels.max()) + 1
        centroids = np.vstack([vectors[sample[sample_labels == i]].mean(axis=0) for i in range(k)])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        labels = np.empty(n, dtype=np.int64)
        for start in range(0, n, 50_000):
            labels[start : start + 50_000] = (vectors[start : start + 50_000] @ centroids.T).argmax(axis=1)
    # Themes too small to be a recurring pain point are noise.
    counts = np.bincount(labels)
    keep = np.flatnonzero(counts >= min_size)
    remap = np.full(counts.size, -1)
    remap[keep] = np.arange(keep.size)
    return remap[labels]


def _themes_of(labels: np.ndarray, min_size: int) -> int:
    import numpy as np

    return int((np.bincount(labels) >= min_size).sum())


def merge_near_duplicates(
    vectors: np.ndarray,
    labels: np.ndarray,
    terms: dict[int, list[str]],
    *,
    similarity: float = NEAR_DUPLICATE,
) -> np.ndarray:
    """Labels with near-duplicate groups merged into the larger: centroids closer than `similarity`
    *and* SHARED_TERMS of their top five terms shared. Centroids alone merge too much on long texts
    (every complaint narrative embeds near every other), terms alone merge different intents that
    share words ("card" themes)."""
    import numpy as np

    ids = sorted(terms)
    if len(ids) < 2:
        return labels
    cents = np.vstack([vectors[labels == i].mean(axis=0) for i in ids])
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
    sims = cents @ cents.T
    sizes = {i: int((labels == i).sum()) for i in ids}
    parent = {i: i for i in ids}
    for a, first in enumerate(ids):
        for b in range(a + 1, len(ids)):
            second = ids[b]
            shared = len(set(terms[first][:5]) & set(terms[second][:5]))
            if sims[a, b] >= similarity and shared >= SHARED_TERMS:
                keep, drop = sorted((parent[first], parent[second]), key=lambda i: -sizes[i])
                for k, v in parent.items():
                    if v == drop:
                        parent[k] = keep
    if all(parent[i] == i for i in ids):
        return labels
    # Renumber the surviving groups 0..k-1 in their old order.
    survivors = sorted(set(parent.values()))
    new_id = {old: survivors.index(parent[old]) for old in ids}
    return np.asarray([new_id.get(int(x), -1) if x >= 0 else -1 for x in labels])


def discover(
    texts: Sequence[str],
    vectors: np.ndarray,
    *,
    min_size: int = MIN_SIZE,
    distance: float = WARD_DISTANCE,
    n_themes: int | None = None,
    n_quotes: int = 3,
    seed: int = 0,
) -> Discovery:
    """Fit themes on `texts` (redacted) and their unit-length `vectors`."""
    import numpy as np

    labels = cluster(vectors, distance=distance, n_themes=n_themes, min_size=min_size, seed=seed)
    terms = distinctive_terms(texts, labels)
    merged = merge_near_duplicates(vectors, labels, terms)
    if merged is not labels:
        labels, terms = merged, distinctive_terms(texts, merged)
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
    for theme, name in zip(themes, unique_labels([t.keywords for t in themes]), strict=True):
        theme.name = name
    params = {
        "algorithm": f"ward agglomeration (sample of at most {SAMPLE_MAX}, rest to nearest centroid), "
        f"at most {MAX_THEMES} themes, near-duplicates (centroid cosine >= {NEAR_DUPLICATE} and "
        f"{SHARED_TERMS} of five top terms shared) merged",
        "min_size": min_size,
        "distance": distance,
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
