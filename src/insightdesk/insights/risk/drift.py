"""Whether today's tickets still look like a risk model's training data (no store I/O).

The Population Stability Index of every feature between the training data (its stored reference
profile) and recent tickets, with the usual thresholds (< 0.1 stable, 0.1-0.25 moderate, >= 0.25
major shift).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.insights.risk.config import MIN_DRIFT_N, PSI_FLOOR, PSI_MAJOR, PSI_MODERATE


def feature_profile(x: pd.DataFrame, categorical: Sequence[str], numeric: Sequence[str]) -> dict[str, Any]:
    """Per feature, the binned distribution of the training data (JSON-ready).

    Numbers: decile edges (distinct) and the share in each bin, plus the share missing.
    Categories: the share of each of the 30 most common levels, the rest pooled as `(other)`.
    """
    profile: dict[str, Any] = {}
    for c in numeric:
        values = x[c].to_numpy(dtype=float)
        known = values[~np.isnan(values)]
        edges = np.unique(np.quantile(known, np.linspace(0.1, 0.9, 9))) if len(known) else np.array([])
        profile[c] = {
            "kind": "numeric",
            "n": len(values),
            "edges": edges.tolist(),
            "shares": _numeric_shares(values, edges),
        }
    for c in categorical:
        counts = x[c].astype(str).value_counts()
        top = counts.iloc[:30]
        shares = {str(k): float(v / len(x)) for k, v in top.items()}
        rest = counts.iloc[30:].sum()
        if rest:
            shares["(other)"] = float(rest / len(x))
        profile[c] = {"kind": "categorical", "n": len(x), "shares": shares}
    return profile


def _numeric_shares(values: np.ndarray, edges: np.ndarray) -> list[float]:
    """Shares of the bins (-inf, e1], (e1, e2], ... (ek, inf) then missing."""
    n = len(values)
    if n == 0:
        return [0.0] * (len(edges) + 2)
    missing = np.isnan(values)
    idx = np.searchsorted(np.asarray(edges, dtype=float), values[~missing], side="left")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    return [*(counts / n).tolist(), float(missing.sum() / n)]


def _psi(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.maximum(np.asarray(expected, dtype=float), PSI_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_status(psi: float) -> str:
    if psi >= PSI_MAJOR:
        return "major"
    if psi >= PSI_MODERATE:
        return "moderate"
    return "stable"


def drift_table(profile: dict[str, Any], recent: pd.DataFrame) -> pd.DataFrame:
    """PSI of every profiled feature between the reference profile and `recent` (prepared features)."""
    rows = []
    for feature, ref in profile.items():
        if ref["kind"] == "numeric":
            values = recent[feature].to_numpy(dtype=float) if feature in recent else np.array([])
            expected = np.asarray(ref["shares"])
            actual = np.asarray(_numeric_shares(values, np.asarray(ref["edges"])))
            top_change = None
        else:
            levels = recent[feature].astype(str) if feature in recent else pd.Series([], dtype=str)
            known = [k for k in ref["shares"] if k != "(other)"]
            counts = levels.value_counts()
            n = max(len(levels), 1)
            actual_map = {k: float(counts.get(k, 0) / n) for k in known}
            actual_map["(other)"] = float(counts[~counts.index.isin(known)].sum() / n)
            expected_map = {k: float(ref["shares"].get(k, 0.0)) for k in actual_map}
            expected = np.array(list(expected_map.values()))
            actual = np.array(list(actual_map.values()))
            diff = {k: actual_map[k] - expected_map[k] for k in actual_map}
            top_change = max(diff, key=lambda k: abs(diff[k])) if diff else None
        n_recent = len(recent)
        psi = _psi(expected, actual) if n_recent else float("nan")
        rows.append(
            {
                "feature": feature,
                "kind": ref["kind"],
                "psi": psi,
                "status": psi_status(psi) if n_recent else "no data",
                "n_reference": ref["n"],
                "n_recent": n_recent,
                "low_n": n_recent < MIN_DRIFT_N,
                "largest_change": top_change,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("psi", ascending=False, na_position="last", ignore_index=True)
