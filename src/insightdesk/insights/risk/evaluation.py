"""How good a risk model is, and whether today's tickets still look like its training data.

- AUC with DeLong's 95% interval (fast midrank form, Sun & Xu 2014);
- precision in the riskiest k% with a Wilson interval, and its lift over the base rate;
- Brier score, the Brier of always predicting the base rate, and a reliability table
  (tickets in equal-count bins of predicted risk: mean prediction vs observed rate with its interval);
- drift: the Population Stability Index of every feature between the training data (its stored
  reference profile) and recent tickets, with the usual thresholds (< 0.1 stable, 0.1-0.25
  moderate, >= 0.25 major shift).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from insightdesk.metrics.stats import wilson

TOP_K_SHARES = (0.05, 0.1, 0.2)
PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
PSI_FLOOR = 1e-4  # share given to an empty bin, so the log stays finite
MIN_DRIFT_N = 100
SMALL_SAMPLE = 100  # fewer positives (or negatives) than this in a test set: figures flagged


def auc_delong(y: np.ndarray, p: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """ROC AUC with DeLong's interval (clipped to [0, 1])."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    pos, neg = p[y == 1], p[y == 0]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return float("nan"), float("nan"), float("nan")
    tx, ty, tz = stats.rankdata(pos), stats.rankdata(neg), stats.rankdata(np.concatenate([pos, neg]))
    auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:m] - tx) / n  # structural components (placements)
    v01 = 1 - (tz[m:] - ty) / m
    var = (np.var(v10, ddof=1) if m > 1 else 0.0) / m + (np.var(v01, ddof=1) if n > 1 else 0.0) / n
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(var)
    return float(auc), float(max(0.0, auc - half)), float(min(1.0, auc + half))


def precision_at_k(y: np.ndarray, p: np.ndarray, shares: Sequence[float] = TOP_K_SHARES) -> pd.DataFrame:
    """Share of positives among the riskiest k% of tickets, with its Wilson interval and lift."""
    y = np.asarray(y, dtype=int)
    order = np.argsort(-np.asarray(p, dtype=float), kind="stable")
    base = y.mean() if len(y) else float("nan")
    rows = []
    for share in shares:
        k = max(1, round(share * len(y)))
        hits = int(y[order[:k]].sum())
        lo, hi = wilson(hits, k)
        rows.append(
            {
                "top_share": share,
                "k": k,
                "positives": hits,
                "precision": hits / k,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "lift": (hits / k) / base if base else float("nan"),
                "low_n": k < 30,
            }
        )
    return pd.DataFrame(rows)


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Equal-count bins of predicted risk: mean predicted vs observed rate (Wilson interval)."""
    df = pd.DataFrame({"y": np.asarray(y, dtype=int), "p": np.asarray(p, dtype=float)})
    bins = max(1, min(bins, len(df) // 20))  # at least ~20 tickets a bin
    df["bin"] = pd.qcut(df["p"].rank(method="first"), bins, labels=False)
    g = df.groupby("bin").agg(n=("y", "size"), positives=("y", "sum"), predicted=("p", "mean"))
    g["observed"] = g["positives"] / g["n"]
    lo, hi = wilson(g["positives"].to_numpy(), g["n"].to_numpy())
    g["ci_low"], g["ci_high"] = lo, hi
    g["p_min"] = df.groupby("bin")["p"].min()
    g["p_max"] = df.groupby("bin")["p"].max()
    return g.reset_index()


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """Every held-out figure of one model, JSON-ready."""
    from sklearn.metrics import brier_score_loss

    y = np.asarray(y, dtype=int)
    auc, lo, hi = auc_delong(y, p)
    base = float(y.mean())
    brier = float(brier_score_loss(y, p))
    brier_base = float(brier_score_loss(y, np.full(len(y), base)))
    positives = int(y.sum())
    return {
        "n": len(y),
        "positives": positives,
        "base_rate": base,
        "auc": auc,
        "auc_ci_low": lo,
        "auc_ci_high": hi,
        "brier": brier,
        "brier_base_rate": brier_base,
        "brier_skill": 1 - brier / brier_base if brier_base > 0 else float("nan"),
        "mean_predicted": float(np.mean(p)),
        "small_sample": min(positives, len(y) - positives) < SMALL_SAMPLE,
        "precision_at_k": precision_at_k(y, p).to_dict("records"),
        "reliability": reliability_table(y, p).to_dict("records"),
    }


# -- drift ---------------------------------------------------------------------------------------
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
