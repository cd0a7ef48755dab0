"""The model matrix of a driver fit: one-hot attributes and standardised numbers (no store I/O).

Categorical attributes are one-hot encoded with rare levels pooled and the most frequent level as
the reference; missing values are a level of their own. Numbers are log-scaled when heavy-tailed,
standardised, and missing values sit at the mean with an indicator column. Each numeric attribute
carries the contrast its effect is reported on (p25 -> p75, 0 -> 1 for a flag...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insightdesk.insights.common.features import HEAVY_TAILED, MISSING
from insightdesk.insights.drivers.config import OTHER


@dataclass
class _Categorical:
    name: str
    levels: list[str]  # levels[0] is the reference (no column)
    codes: np.ndarray  # level index per row
    start: int  # first design column (levels[1])
    counts: np.ndarray


@dataclass
class _Numeric:
    name: str
    column: int
    mean: float
    sd: float
    low: float  # contrast, in raw units
    high: float
    label: str
    n_known: int
    log: bool

    def z(self, raw: float) -> float:
        value = np.log1p(max(raw, 0.0)) if self.log else raw
        return (value - self.mean) / self.sd


@dataclass
class Design:
    """The model matrix of a driver fit and how each reported attribute maps onto it."""

    x: np.ndarray
    columns: list[str]
    categorical: list[_Categorical]
    numeric: list[_Numeric]
    skipped: dict[str, str] = field(default_factory=dict)


def _pool(values: pd.Series, min_level_n: int) -> pd.Series:
    """Missing values as their own level, rare levels (fewer than `min_level_n` rows) pooled."""
    s = values.astype("object").where(values.notna(), MISSING).astype(str)
    counts = s.value_counts()
    rare = counts.index[counts < min_level_n]
    if len(rare) > 1:  # pooling a single rare level would only rename it
        s = s.where(~s.isin(rare), OTHER)
    return s


def _contrast(raw: pd.Series) -> tuple[float, float, str] | None:
    """Low and high values of a numeric attribute's contrast, or None when it does not vary."""
    known = raw.dropna()
    if known.nunique() < 2:
        return None
    if set(known.unique()) <= {0.0, 1.0}:
        return 0.0, 1.0, "0 -> 1"
    low, high = known.quantile(0.25), known.quantile(0.75)
    label = "p25 -> p75"
    if high <= low:
        low = known.median()
        for q in (0.9, 0.95, 0.99, 1.0):
            high = known.quantile(q)
            if high > low:
                label = f"p50 -> p{round(q * 100)}"
                break
    return float(low), float(high), f"{label}: {low:.4g} -> {high:.4g}"


def build_design(
    frame: pd.DataFrame,
    categorical: Sequence[str],
    numeric: Sequence[str],
    *,
    min_level_n: int = 30,
) -> Design:
    """One-hot categoricals (reference = most frequent level) and standardised numerics."""
    n = len(frame)
    blocks: list[np.ndarray] = []
    columns: list[str] = []
    cats: list[_Categorical] = []
    nums: list[_Numeric] = []
    skipped: dict[str, str] = {}
    for name in categorical:
        if name not in frame:
            skipped[name] = "not in the data"
            continue
        pooled = _pool(frame[name], min_level_n)
        counts = pooled.value_counts(sort=False)
        # Most frequent first (ties by name, so runs are reproducible).
        levels = sorted(counts.index, key=lambda lv: (-counts[lv], lv))
        if len(levels) < 2:
            skipped[name] = "a single level" if pooled.iloc[0] != MISSING else "always missing"
            continue
        index = {lv: i for i, lv in enumerate(levels)}
        codes = pooled.map(index).to_numpy(dtype=np.int64)
        onehot = np.zeros((n, len(levels) - 1))
        rows = np.flatnonzero(codes > 0)
        onehot[rows, codes[rows] - 1] = 1.0
        cats.append(
            _Categorical(name, levels, codes, len(columns), np.bincount(codes, minlength=len(levels)))
        )
        blocks.append(onehot)
        columns += [f"{name}={lv}" for lv in levels[1:]]
    for name in numeric:
        if name not in frame:
            skipped[name] = "not in the data"
            continue
        raw = pd.to_numeric(frame[name], errors="coerce").astype(float)
        contrast = _contrast(raw)
        if contrast is None:
            skipped[name] = "does not vary" if raw.notna().any() else "always missing"
            continue
        log = name in HEAVY_TAILED
        values = np.log1p(raw.clip(lower=0)) if log else raw
        mean, sd = float(values.mean()), float(values.std())
        known = raw.notna().to_numpy()
        # Missing values sit at the mean, with an indicator column so they do not bias the slope.
        blocks.append(((values.fillna(mean) - mean) / sd).to_numpy()[:, None])
        nums.append(_Numeric(name, len(columns), mean, sd, *contrast, int(known.sum()), log))
        columns.append(name)
        if not known.all():
            blocks.append((~known).astype(float)[:, None])
            columns.append(f"{name}={MISSING}")
    x = np.hstack(blocks) if blocks else np.zeros((n, 0))
    return Design(x, columns, cats, nums, skipped)
