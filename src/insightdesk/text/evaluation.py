"""Metrics for docs/quality.md: held-out splits, macro-F1 with bootstrap intervals, span P/R.

Pure functions; the dataset loaders live in scripts/text_datasets.py (they read ../shared/data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def split_of(text: str, test_fraction: float = 0.2) -> str:
    """ "train" or "test", fixed by a hash of the normalised text (duplicates never straddle)."""
    key = " ".join(str(text).lower().split()).encode()
    bucket = int(hashlib.sha1(key).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < test_fraction else "train"


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float  # 2.5th percentile of the bootstrap
    high: float  # 97.5th percentile
    n: int

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def _macro_f1_codes(t: np.ndarray, p: np.ndarray, k: int) -> float:
    """Macro-F1 over classes 0..k-1 from integer codes (-1 = a label outside the set)."""
    import numpy as np

    valid_t, valid_p = t >= 0, p >= 0
    tp = np.bincount(t[(t == p) & valid_t], minlength=k)[:k]
    support = np.bincount(t[valid_t], minlength=k)[:k]
    predicted = np.bincount(p[valid_p], minlength=k)[:k]
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    return float(f1.mean())


def macro_f1(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str], *, n_boot: int = 1000, seed: int = 0
) -> Estimate:
    """Macro-F1 over `labels` (as scikit-learn's f1_score, average="macro", zero_division=0) with a
    95% percentile-bootstrap interval (texts resampled)."""
    import numpy as np

    code = {label: i for i, label in enumerate(labels)}
    t = np.asarray([code.get(y, -1) for y in y_true])
    p = np.asarray([code.get(y, -1) for y in y_pred])
    k = len(code)
    value = _macro_f1_codes(t, p, k)
    rng = np.random.default_rng(seed)
    boots = [
        _macro_f1_codes(t[idx], p[idx], k) for idx in (rng.integers(0, len(t), len(t)) for _ in range(n_boot))
    ]
    low, high = np.percentile(boots, [2.5, 97.5]) if boots else (value, value)
    return Estimate(value, float(low), float(high), len(t))


@dataclass(frozen=True)
class SpanScore:
    type: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return float("nan"), float("nan")
    phat = successes / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * ((phat * (1 - phat) / n + z * z / (4 * n * n)) ** 0.5) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def span_scores(
    gold: Sequence[Sequence[tuple[int, int, str]]], pred: Sequence[Sequence[tuple[int, int, str]]]
) -> dict[str, SpanScore]:
    """Per-type counts; a prediction is a hit when it overlaps an unmatched gold span of its type."""
    counts: dict[str, list[int]] = {}
    for g_spans, p_spans in zip(gold, pred, strict=True):
        used: set[int] = set()
        for ps, pe, pt in p_spans:
            c = counts.setdefault(pt, [0, 0, 0])
            hit = next(
                (
                    i
                    for i, (gs, ge, gt) in enumerate(g_spans)
                    if i not in used and gt == pt and ps < ge and gs < pe
                ),
                None,
            )
            if hit is None:
                c[1] += 1
            else:
                used.add(hit)
                c[0] += 1
        for i, (_, _, gt) in enumerate(g_spans):
            if i not in used:
                counts.setdefault(gt, [0, 0, 0])[2] += 1
    return {k: SpanScore(k, *v) for k, v in sorted(counts.items())}
